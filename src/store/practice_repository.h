// Persistence of the practices hub: back-office clients, practices with their projection, the
// append-only event chain, the used ModI jti values and the access log of people's practices.
//
// Contract: append_batch() is THE write path of the ingest: one transaction that takes the
// chain head (serialising appenders on both engines and across nodes), skips events already
// stored (same source + id: idempotency), gives the others consecutive sequences and chained
// hashes, records the requests' jti values (a jti already present makes that request a replay:
// none of its events is written), runs the caller's hook for each new event (webhook outbox)
// and re-projects each touched practice (the caller computes the projection from all its
// events) — all or nothing. Reads never return half-written batches.
// Times are ISO 8601 UTC text (store::now_iso8601()); event times also as epoch milliseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace soci { class session; }

namespace au::store {

// --- back-office clients -------------------------------------------------------------------

struct BackofficeClientRecord {
  std::string client_id, ente_id, name, system;
  std::string keys_json;       // {"keys": [JWK, JWK?]}
  std::string status_mapping;  // StatusMapping JSON
  std::string created_at, updated_at, revoked_at;
};
// Inserts or replaces name, system, keys and mapping (created_at kept).
void upsert_backoffice_client(Database& db, const BackofficeClientRecord& c);
std::optional<BackofficeClientRecord> find_backoffice_client(Database& db, const std::string& client_id);
std::vector<BackofficeClientRecord> list_backoffice_clients(Database& db);

// --- practices -------------------------------------------------------------------------------

struct PracticeRecord {
  std::string id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, backoffice_url;
  std::string applicant, applicant_name, beneficiary, intermediary, delegation_id, submitted_on;
  int legal_term_days = 30;
  bool silenzio_assenso = false;
  std::string opened_at;
  // Projection (recomputed from the events).
  std::string status, backoffice_code, backoffice_label;
  std::int64_t status_time_ms = 0, status_sequence = 0;
  std::string protocol_number, protocol_date, due_date, updated_at;
  std::string applicant_due_date;  // next date by which the applicant must act ('' = none)
};

struct StoredEvent {
  std::int64_t sequence = 0;
  std::string practice_id, source, event_id, type, event_time;
  std::int64_t event_time_ms = 0;
  std::string status, backoffice_code, backoffice_label, client_id, received_at, document;
  std::string previous_hash, hash;
};

// An event ready to be stored (validated, practice resolved, status mapped).
struct NewEvent {
  std::string practice_id, source, event_id, type, event_time;
  std::int64_t event_time_ms = 0;
  std::string status, backoffice_code, backoffice_label, client_id, document;
};

// One caller's request inside a batch: its events and the jti values it used (ModI), which are
// recorded in the same transaction.
struct AppendRequest {
  std::vector<NewEvent> events;
  std::optional<PracticeRecord> open;  // opening a practice: inserted before its events
  struct Jti {
    std::string client_id, jti;
    std::int64_t expires_at = 0;
  };
  std::vector<Jti> jtis;
};

struct AppendedEvent {
  std::int64_t sequence = 0;
  bool duplicate = false;  // stored by an earlier request (the stored sequence is returned)
  std::string practice_id;
};

struct AppendOutcome {
  enum class Kind { Stored, Replay, OpenConflict };
  Kind kind = Kind::Stored;
  std::vector<AppendedEvent> events;  // one per request event, in order (when Stored)
  std::optional<PracticeRecord> practice;  // for an open: the practice as stored (new or existing)
  bool practice_existed = false;
};

struct AppendHooks {
  // For each newly stored event, inside the transaction (e.g. the webhook outbox)...
  std::function<void(soci::session& tx, const StoredEvent& e, const PracticeRecord& p)> on_stored;
  // ...unless this, asked once per transaction, says nobody wants them (no subscription).
  std::function<bool(soci::session& tx)> outbox_wanted;
  // Updates a practice's projection columns after `fresh` (its events new in this transaction)
  // were stored; all_events() reads every event of the practice (ordered by time, sequence) for
  // a full recomputation.
  std::function<void(PracticeRecord& p, const std::vector<StoredEvent>& fresh,
                     const std::function<std::vector<StoredEvent>()>& all_events)>
      reproject;
  // The chain's hash function (identity/hash_chain.h chain_hash: the store does not link
  // the crypto). Required.
  std::function<std::string(std::int64_t sequence, const std::string& previous_hash, const std::string& payload)>
      chain_hash;
};

// The canonical payload hashed into the chain for an event.
std::string event_chain_payload(const StoredEvent& e);

// Appends the requests' events in ONE transaction. Throws on database errors (nothing written).
std::vector<AppendOutcome> append_batch(Database& db, const std::vector<AppendRequest>& requests,
                                        const AppendHooks& hooks);

std::optional<PracticeRecord> find_practice(Database& db, const std::string& id);
std::optional<PracticeRecord> find_practice_by_ref(Database& db, const std::string& ente_id,
                                                   const std::string& system, const std::string& ref);
// Practices where the subject is applicant, beneficiary or intermediary, newest first.
std::vector<PracticeRecord> practices_of_subjects(Database& db, const std::vector<std::string>& subjects,
                                                  std::size_t limit);
// An ente's practices: overdue first (due_date before `today`, not concluded), then by due date.
std::vector<PracticeRecord> practices_of_ente(Database& db, const std::string& ente_id,
                                              const std::string& today, std::size_t limit);
std::vector<StoredEvent> events_of_practice(Database& db, const std::string& practice_id);

// --- the chain -------------------------------------------------------------------------------

struct ChainHeadRecord {
  std::int64_t sequence = 0;
  std::string hash;
};
ChainHeadRecord chain_head(Database& db);
// Streams every stored event in storage order (by sequence ascending as stored).
void for_each_event(Database& db, const std::function<void(const StoredEvent&)>& visit);
std::int64_t count_events(Database& db);

// --- ModI jti (requests that do not go through append_batch) ------------------------------------

// Removes the jti values whose tokens have expired.
void purge_used_jti(Database& db, std::int64_t now);
// False when (client_id, jti) was already used; otherwise records it (until expires_at).
bool remember_jti(Database& db, const std::string& client_id, const std::string& jti, std::int64_t expires_at);

// --- access log ------------------------------------------------------------------------------

struct AccessLogEntry {
  std::string practice_id, subject, actor, actor_kind, actor_label, reason, at;
};
void log_practice_access(Database& db, const AccessLogEntry& e);
// Logs unless the same actor already has an entry for this practice and subject at or after
// `since` (lists are logged once a day per practice, not at every page view).
void log_practice_access_once(Database& db, const AccessLogEntry& e, const std::string& since);
std::vector<AccessLogEntry> access_log_of(Database& db, const std::string& subject, std::size_t limit);

}  // namespace au::store
