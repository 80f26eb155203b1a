// Persistence of outbound webhooks: subscriptions of enti and API-store applications to the
// practice events, and the outbox of deliveries (one row per event and subscription).
//
// Contract:
// - enqueue_webhook_deliveries() runs inside the caller's ingest transaction (it never begins or
//   commits): the deliveries exist if and only if the event does (transactional outbox).
// - Delivery times (next_attempt_at, lease_until, updated_at) are ISO 8601 UTC with
//   milliseconds ("2026-11-27T10:15:00.250Z", webhook_time()), all written in that one form so
//   they compare as text; retries can then be sub-second (tests). Every time passed to the
//   delivery functions below must be in that form.
// - Claiming is safe with several dispatcher threads, processes or nodes: a delivery is leased
//   by a conditional UPDATE whose affected-row count says who won; a lease that expires (a
//   dispatcher died mid-send) makes the delivery claimable again: delivery is at least once.
// - The secret of a subscription is read back only by claims (to sign); lookups and lists leave
//   it empty, so it is shown once, by whoever created it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace soci { class session; }

namespace au::store {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for an instant; and the same form of a stored "...SSZ" text.
std::string webhook_time(std::chrono::system_clock::time_point t);
std::string webhook_time(const std::string& iso_seconds);

// --- subscriptions ---------------------------------------------------------------------------

struct WebhookSubscription {
  std::string id, owner_kind /* ente|application */, owner_id, url;
  std::string secret;  // empty in lookups and lists
  std::string ente_filter;
  std::vector<std::string> event_types;  // empty: every type
  bool active = true;
  std::string created_at;
};

// Stores a subscription whose id and secret the caller generated (practices/webhooks.h:
// create_subscription; store/ has no random source of its own).
void insert_webhook_subscription(Database& db, const WebhookSubscription& s);
std::optional<WebhookSubscription> find_webhook_subscription(Database& db, const std::string& id);
// Newest first, inactive ones included (their history stays readable).
std::vector<WebhookSubscription> webhook_subscriptions_of(Database& db, const std::string& owner_kind,
                                                          const std::string& owner_id);
// Deactivates the subscription and turns its pending deliveries dead, in one transaction.
// False when it does not exist or was already inactive.
bool deactivate_webhook_subscription(Database& db, const std::string& id, const std::string& now);

// --- the outbox ------------------------------------------------------------------------------

struct WebhookEventRef {
  std::int64_t sequence = 0;
  std::string ente_id, applicant, intermediary, type, now;
};

// One statement (INSERT ... SELECT ... ON CONFLICT DO NOTHING): a pending delivery for every
// active subscription that matches the event:
//   owner 'ente' with owner_id = ente_id, or owner 'application' whose application is active,
//   'live' (test applications never receive real data) and owned by the applicant or the
//   intermediary; and ente_filter '' or = ente_id; and event_types empty or containing type.
// Runs on the caller's session and transaction.
void enqueue_webhook_deliveries(soci::session& tx, const WebhookEventRef& e);
// True when at least one subscription is active (the ingest skips the outbox otherwise).
bool any_active_webhook_subscription(soci::session& tx);

struct WebhookDelivery {
  std::int64_t id = 0;
  std::string subscription_id;
  std::int64_t event_sequence = 0;
  std::string status;  // pending, delivered, dead
  int attempts = 0;
  std::string next_attempt_at, lease_until;
  int last_status = 0;  // HTTP status of the last attempt, 0 = no answer
  std::string last_error, created_at, updated_at;
};

// A leased delivery with what is needed to send it.
struct ClaimedDelivery {
  std::int64_t id = 0;
  int attempts = 0;  // attempts made before this one
  std::int64_t event_sequence = 0;
  std::string subscription_id, url, secret;
  std::optional<std::string> document;  // the CloudEvent as accepted; nullopt if the event is missing
  std::string lease_until;              // our lease: marks are conditional on it
  bool owner_revoked = false;           // an application owner no longer active: do not send
};

// Leases up to `limit` deliveries that are pending, due (next_attempt_at <= now) and not leased
// (lease_until < now) and whose subscription is active, until `lease_until`.
std::vector<ClaimedDelivery> claim_due_webhook_deliveries(Database& db, const std::string& now,
                                                          const std::string& lease_until, std::size_t limit);

// The marks below apply only while the caller still holds its lease (status pending and
// lease_until unchanged); false otherwise (the lease expired and someone else took it).
bool mark_webhook_delivered(Database& db, const ClaimedDelivery& d, int http_status, const std::string& now);
// attempts + 1; pending again at next_attempt_at, or dead when `dead`. `error` is cut to 300
// characters (never a response body: only what went wrong).
bool mark_webhook_failed(Database& db, const ClaimedDelivery& d, int http_status, const std::string& error,
                         const std::string& next_attempt_at, bool dead, const std::string& now);
// Gives a lease back without an attempt (a dispatcher stopping with claimed work).
bool release_webhook_lease(Database& db, const ClaimedDelivery& d);

// Dead or delivered -> pending, attempts 0, due now. False when unknown, already pending or
// its subscription is inactive.
bool redeliver_webhook(Database& db, std::int64_t delivery_id, const std::string& now);
std::optional<WebhookDelivery> find_webhook_delivery(Database& db, std::int64_t delivery_id);
// Newest first, at most `limit`.
std::vector<WebhookDelivery> webhook_deliveries_of(Database& db, const std::string& subscription_id, int limit);

}  // namespace au::store
