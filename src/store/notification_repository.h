// Persistence of notifications: messages (the inbox of a person or business, and the outbox the
// channels are fed from), their deliveries per channel, every attempt, reminders and alerts.
//
// Contract:
// - A message is created inside the transaction of its cause (MessageInserter on the caller's
//   session: the practice event, a reminder run, a bulk send) and exists once per dedup_key,
//   whatever retries, restarts or second schedulers do (INSERT ... ON CONFLICT DO NOTHING).
// - Work is claimed with a lease so several worker threads and processes share it without doing
//   anything twice: on PostgreSQL the claim is `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE
//   SKIP LOCKED)`, on SQLite the same UPDATE (SQLite has one writer at a time, so the UPDATE is
//   the lease). A lease that expires (a worker killed mid-send) makes the row claimable again:
//   a delivery may then reach the provider twice, which is why each carries an idempotency key.
// - Every mark after a claim is conditional on the lease still being the caller's; a false
//   return means the lease was lost and someone else owns the row now.
// - Times are store::webhook_time() text (milliseconds, UTC); dates YYYY-MM-DD.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace soci { class session; class statement; }

namespace au::store {

// --- messages ----------------------------------------------------------------------------------

struct NewMessage {
  std::string dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id;
  std::string fields = "{}";  // JSON object of strings: what the cause knows (reason, status, ...)
  std::string due_date;       // the date the message is about, '' when none
  std::string send_at, created_at;
};

// Inserts messages on the caller's session and transaction with one prepared statement (the
// ingest writes one per event and recipient). insert() is false when the dedup_key existed.
class MessageInserter {
 public:
  explicit MessageInserter(soci::session& tx);
  ~MessageInserter();
  MessageInserter(const MessageInserter&) = delete;
  MessageInserter& operator=(const MessageInserter&) = delete;
  bool insert(const NewMessage& m);

 private:
  NewMessage row_;
  std::unique_ptr<soci::statement> st_;
};

struct MessageRecord {
  long long id = 0;
  std::string dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, fields, due_date;
  std::string send_at, state, subject, body;
  int template_version = 0;
  std::string read_at, created_at;
};

// Leases up to `limit` pending messages whose send_at has come (oldest first) for the fan-out.
std::vector<MessageRecord> claim_pending_messages(Database& db, const std::string& now, const std::string& lease_until,
                                                  std::size_t limit);

struct NewDelivery {
  std::string channel, address, idempotency_key;
  int template_version = 0;
  std::string subject, body, html, due_date, unsubscribe_token;
  std::string status = "created";  // or "cancelled" (a channel switched off: kept for the record)
  std::string reason;
  std::string next_attempt_at;     // first attempt (quiet hours may delay it); '' when cancelled
};

// A message rendered by the fan-out, ready to be stored.
struct FannedOutMessage {
  long long id = 0;
  std::string subject, body;  // the inbox text
  int template_version = 0;
  std::vector<NewDelivery> deliveries;
};
// In one transaction for the whole batch (one commit, not one per message), for each message
// whose lease `lease_until` is still ours: it becomes 'ready' with its rendered inbox
// subject/body and gets its deliveries (one per channel; an existing one is kept). The result
// says, message by message, whether it was stored (false: the lease was lost, nothing written).
std::vector<bool> complete_fanouts(Database& db, const std::vector<FannedOutMessage>& batch,
                                   const std::string& lease_until, const std::string& now);
// The same for one message.
bool complete_fanout(Database& db, const MessageRecord& m, const std::string& lease_until, const std::string& subject,
                     const std::string& body, int template_version, const std::vector<NewDelivery>& deliveries,
                     const std::string& now);

// --- the inbox -----------------------------------------------------------------------------------

// The daily digest is an email made of inbox messages: it is not listed in the inbox itself.
inline constexpr const char* kDigestKind = "riepilogo-giornaliero";

// Ready messages of any of `subjects`, newest first, at most `limit`, with id < before_id when
// before_id > 0 (pagination).
std::vector<MessageRecord> inbox_of(Database& db, const std::vector<std::string>& subjects, bool unread_only,
                                    int limit, long long before_id);
long long unread_count(Database& db, const std::vector<std::string>& subjects);
// Ready messages of `subject` created at or after `since` (ISO 8601 seconds), oldest first, the
// digest excluded, at most `limit`.
std::vector<MessageRecord> ready_messages_since(Database& db, const std::string& subject, const std::string& since,
                                                int limit);
std::optional<MessageRecord> find_message(Database& db, long long id);
// Marks it read (or unread again) when it is ready and addressed to one of `subjects`; false otherwise.
bool set_message_read(Database& db, long long id, const std::vector<std::string>& subjects, bool read,
                      const std::string& now);

// --- deliveries ---------------------------------------------------------------------------------

struct DeliveryRecord {
  long long id = 0, message_id = 0;
  std::string channel, address, status, idempotency_key;
  int template_version = 0, attempts = 0;
  std::string next_attempt_at, first_attempt_at, provider_ref, reason, created_at, updated_at;
};
std::vector<DeliveryRecord> deliveries_of_message(Database& db, long long message_id);
std::optional<DeliveryRecord> find_delivery(Database& db, long long id);

struct ClaimedNotification {
  long long id = 0, message_id = 0;
  std::string channel, address, idempotency_key, subject, body, html, due_date, unsubscribe_token;
  int attempts = 0;  // made before this one
  std::string first_attempt_at, lease_until;
};

// Leases up to `limit` deliveries due at `now` (created, temporary-failure or an expired
// 'sending'), status 'sending'. `channels` empty = every channel.
std::vector<ClaimedNotification> claim_due_deliveries(Database& db, const std::string& now,
                                                      const std::string& lease_until, std::size_t limit,
                                                      const std::vector<std::string>& channels = {});

struct AttemptOutcome {
  std::string status;           // delivered, temporary-failure, permanent-failure, technical-failure
  std::string reason, provider_ref;
  std::string next_attempt_at;  // temporary-failure: when to retry; '' = final
  bool flag_address = false;    // permanent-failure: mark the contact invalid
  std::string worker, started_at, finished_at;
};
// One transaction: the attempt is recorded, the delivery gets its new status (conditional on
// the lease), the contact is flagged when asked. False when the lease was lost (nothing written).
bool record_attempt(Database& db, const ClaimedNotification& n, const AttemptOutcome& o);
struct AttemptRecord {
  const ClaimedNotification* delivery = nullptr;
  const AttemptOutcome* outcome = nullptr;
};
// Several attempts (of different deliveries) in one transaction, each as record_attempt; the
// result says, attempt by attempt, whether it was recorded.
std::vector<bool> record_attempts(Database& db, const std::vector<AttemptRecord>& attempts);
// Extends our lease to `lease_until` (the caller's copy is updated); false when it was lost
// (another worker claimed the delivery after our lease expired): then it must not be sent.
bool renew_delivery_lease(Database& db, ClaimedNotification& n, const std::string& lease_until);
// Gives the lease back without an attempt (a worker stopping with claimed work).
bool release_delivery(Database& db, const ClaimedNotification& n);

// The webhook secret of the recipient of a message ('' when none).
std::string webhook_secret_of_message(Database& db, long long message_id);

// Cancels the deliveries of `subject` on `channel` that have not left yet, for one service or
// ('' ) for all: an unsubscribe is effective at once. Returns how many.
long long cancel_pending_deliveries(Database& db, const std::string& subject, const std::string& service_id,
                                    const std::string& channel, const std::string& reason, const std::string& now);

// The recipient and service of the email whose unsubscribe link carries `token`.
struct UnsubscribeTarget {
  std::string recipient, service_id;
};
std::optional<UnsubscribeTarget> find_unsubscribe_target(Database& db, const std::string& token);

// Counts per status (and messages per state) for a bulk send or for everything ('' ).
struct StatusCounts {
  std::vector<std::pair<std::string, long long>> messages, deliveries;
};
StatusCounts status_counts(Database& db, const std::string& bulk_id);

// --- reminders and alerts ---------------------------------------------------------------------

// Messages 'promemoria-scadenza' for every practice not concluded whose applicant_due_date is in
// [first_date, last_date], to its applicant (and intermediary), dedup key
// 'promemoria:<practice>:<date>:<days>'. services: the services using this offset; when
// `default_offsets` the services WITHOUT a reminder_settings row are included as well.
// One INSERT ... SELECT (fast over millions of practices). Returns how many were created.
long long create_deadline_reminders(Database& db, int days, const std::string& first_date,
                                    const std::string& last_date, const std::vector<std::string>& services,
                                    bool default_offsets, const std::string& send_at, const std::string& now);
// 'scadenza-superata' to every operator of the ente of each practice not concluded whose legal
// due_date is before `today` (once per practice, due date and operator).
long long create_overdue_alerts(Database& db, const std::string& today, const std::string& send_at,
                                const std::string& now);

}  // namespace au::store
