// Persistence of what shapes notifications: a subject's contacts, channel preferences and quiet
// hours, the versioned templates, reminder offsets per service, private calendar feeds and
// bulk sends. (The messages and deliveries themselves: store/notification_repository.h.)
//
// Contract: plain reads and single-statement writes unless said; the caller validates values
// (addresses, template texts, offsets) before storing them. Secrets (calendar tokens) arrive
// already hashed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace soci { class session; }

namespace au::store {

// --- contacts, preferences, quiet hours --------------------------------------------------------

struct Contact {
  std::string subject, channel, address, secret, invalid_at, invalid_reason, updated_at;
};
std::vector<Contact> contacts_of(Database& db, const std::string& subject);
// Inserts or replaces; a changed address clears the invalid flag.
void upsert_contact(Database& db, const Contact& c);
bool delete_contact(Database& db, const std::string& subject, const std::string& channel);

struct Preference {
  std::string service_id, channel;  // service '' = every service
  bool enabled = true;
};
std::vector<Preference> preferences_of(Database& db, const std::string& subject);
void set_preference(Database& db, const std::string& subject, const Preference& p, const std::string& now);

// How a subject wants to be disturbed: quiet hours and the optional daily digest of emails.
struct QuietSettings {
  std::string quiet_start, quiet_end;  // 'HH:MM' or '' (none)
  bool daily_digest = false;
};
QuietSettings quiet_settings_of(Database& db, const std::string& subject);
void set_quiet_settings(Database& db, const std::string& subject, const QuietSettings& q, const std::string& now);

// Subjects with the daily digest on whose last digest is older than `today` (YYYY-MM-DD).
std::vector<std::string> subjects_due_for_digest(Database& db, const std::string& today);
// Records that today's digest of `subject` was made.
void set_last_digest(Database& db, const std::string& subject, const std::string& today);

// Everything the fan-out needs about a recipient, read on one session.
struct RecipientProfile {
  std::string given_name, login_email;  // from people (the identity provider)
  std::vector<Contact> contacts;
  std::vector<Preference> preferences;
  QuietSettings quiet;
};
RecipientProfile recipient_profile(Database& db, const std::string& subject);
// The profiles of several subjects in four queries (the fan-out of a batch), by subject; a
// subject unknown everywhere gets an empty profile.
std::map<std::string, RecipientProfile> recipient_profiles(Database& db, const std::vector<std::string>& subjects);

// --- templates -----------------------------------------------------------------------------------

struct TemplateRecord {
  std::string kind, channel;
  int version = 0;
  std::string subject, body, author, created_at;
};
// The version in use (the highest), if any.
std::optional<TemplateRecord> current_template(Database& db, const std::string& kind, const std::string& channel);
// Every kind x channel in use, at its current version.
std::vector<TemplateRecord> current_templates(Database& db);
// Every version of one kind x channel, newest first.
std::vector<TemplateRecord> template_history(Database& db, const std::string& kind, const std::string& channel);
// Stores the next version (current + 1) and returns it.
int add_template_version(Database& db, const std::string& kind, const std::string& channel,
                         const std::string& subject, const std::string& body, const std::string& author,
                         const std::string& now);
// Version 1 from the bundled files when the kind x channel has none yet (idempotent).
void seed_template(Database& db, const std::string& kind, const std::string& channel, const std::string& subject,
                   const std::string& body, const std::string& now);

// --- reminder offsets ------------------------------------------------------------------------------

struct ReminderSetting {
  std::string service_id, days_json;
};
std::vector<ReminderSetting> reminder_settings(Database& db);
void set_reminder_setting(Database& db, const std::string& service_id, const std::string& days_json,
                          const std::string& now);
bool delete_reminder_setting(Database& db, const std::string& service_id);

// --- calendar feeds ------------------------------------------------------------------------------

// A new feed for the subject; its earlier feeds are revoked in the same transaction.
void replace_calendar_feed(Database& db, const std::string& subject, const std::string& token_hash,
                           const std::string& now);
// The subject of a live feed, nullopt when unknown or revoked.
std::optional<std::string> calendar_feed_subject(Database& db, const std::string& token_hash);
bool revoke_calendar_feeds(Database& db, const std::string& subject, const std::string& now);
// Creation time of the subject's live feed ('' when none).
std::string live_calendar_feed_since(Database& db, const std::string& subject);

// --- bulk sends -----------------------------------------------------------------------------------

struct BulkSend {
  std::string id, owner_kind, owner_id, author, service_id, subject, body, send_at;
  long long recipients = 0;
  std::string status, created_at, cancelled_at;
};
// On the caller's transaction (its messages are inserted in the same one).
void insert_bulk_send(soci::session& tx, const BulkSend& b);
std::optional<BulkSend> find_bulk_send(Database& db, const std::string& id);
std::vector<BulkSend> bulk_sends_of(Database& db, const std::string& owner_kind, const std::string& owner_id,
                                    int limit);
// Cancels a scheduled send whose messages have not gone out yet: the bulk becomes 'annullato'
// and its pending messages 'cancelled', in one transaction. False when it is not 'programmato'
// or some of its messages already went out (nothing changed then).
bool cancel_bulk_send(Database& db, const std::string& id, const std::string& now);

}  // namespace au::store
