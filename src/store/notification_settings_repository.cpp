#include "store/notification_settings_repository.h"

#include <soci/soci.h>

#include "store/row_values.h"

// SQL notes: as in identity_repository.cpp (every value bound, no name repeated inside one
// statement, transactions start with a write).

namespace au::store {

namespace {

std::vector<Contact> contacts_on(soci::session& s, const std::string& subject) {
  std::vector<Contact> out;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT subject, channel, address, secret, invalid_at, invalid_reason, updated_at FROM "
                    "notification_contacts WHERE subject = :s ORDER BY channel",
       soci::use(subject, "s"));
  for (const auto& r : rows)
    out.push_back({text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3), text_at(r, 4), text_at(r, 5),
                   text_at(r, 6)});
  return out;
}

std::vector<Preference> preferences_on(soci::session& s, const std::string& subject) {
  std::vector<Preference> out;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT service_id, channel, enabled FROM notification_preferences WHERE subject = :s "
                    "ORDER BY service_id, channel",
       soci::use(subject, "s"));
  for (const auto& r : rows) out.push_back({text_at(r, 0), text_at(r, 1), integer_at(r, 2) != 0});
  return out;
}

QuietSettings quiet_on(soci::session& s, const std::string& subject) {
  QuietSettings q;
  soci::row r;
  s << "SELECT quiet_start, quiet_end, daily_digest FROM notification_settings WHERE subject = :s", soci::into(r),
      soci::use(subject, "s");
  if (s.got_data()) q = {text_at(r, 0), text_at(r, 1), integer_at(r, 2) != 0};
  return q;
}

TemplateRecord template_from(const soci::row& r) {
  return {text_at(r, 0), text_at(r, 1), static_cast<int>(integer_at(r, 2)), text_at(r, 3), text_at(r, 4),
          text_at(r, 5), text_at(r, 6)};
}

const char* const kTemplateColumns = "kind, channel, version, subject, body, author, created_at";

const char* const kBulkColumns =
    "id, owner_kind, owner_id, author, service_id, subject, body, send_at, recipients, status, created_at, "
    "cancelled_at";

BulkSend bulk_from(const soci::row& r) {
  BulkSend b;
  b.id = text_at(r, 0);
  b.owner_kind = text_at(r, 1);
  b.owner_id = text_at(r, 2);
  b.author = text_at(r, 3);
  b.service_id = text_at(r, 4);
  b.subject = text_at(r, 5);
  b.body = text_at(r, 6);
  b.send_at = text_at(r, 7);
  b.recipients = integer_at(r, 8);
  b.status = text_at(r, 9);
  b.created_at = text_at(r, 10);
  b.cancelled_at = text_at(r, 11);
  return b;
}

}  // namespace

// --- contacts, preferences, quiet hours --------------------------------------------------------

std::vector<Contact> contacts_of(Database& db, const std::string& subject) {
  auto s = db.acquire();
  return contacts_on(*s, subject);
}

void upsert_contact(Database& db, const Contact& c) {
  auto s = db.acquire();
  *s << "INSERT INTO notification_contacts (subject, channel, address, secret, invalid_at, invalid_reason, "
        "updated_at) VALUES (:s, :ch, :a, :sec, '', '', :at) ON CONFLICT (subject, channel) DO UPDATE SET address = "
        "excluded.address, secret = excluded.secret, updated_at = excluded.updated_at, invalid_at = CASE WHEN "
        "notification_contacts.address = excluded.address THEN notification_contacts.invalid_at ELSE '' END, "
        "invalid_reason = CASE WHEN notification_contacts.address = excluded.address THEN "
        "notification_contacts.invalid_reason ELSE '' END",
      soci::use(c.subject, "s"), soci::use(c.channel, "ch"), soci::use(c.address, "a"), soci::use(c.secret, "sec"),
      soci::use(c.updated_at, "at");
}

bool delete_contact(Database& db, const std::string& subject, const std::string& channel) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "DELETE FROM notification_contacts WHERE subject = :s AND channel = :ch",
                        soci::use(subject, "s"), soci::use(channel, "ch"));
  return affected(st) == 1;
}

std::vector<Preference> preferences_of(Database& db, const std::string& subject) {
  auto s = db.acquire();
  return preferences_on(*s, subject);
}

void set_preference(Database& db, const std::string& subject, const Preference& p, const std::string& now) {
  auto s = db.acquire();
  const int enabled = p.enabled ? 1 : 0;
  *s << "INSERT INTO notification_preferences (subject, service_id, channel, enabled, updated_at) VALUES (:s, :svc, "
        ":ch, :e, :at) ON CONFLICT (subject, service_id, channel) DO UPDATE SET enabled = excluded.enabled, "
        "updated_at = excluded.updated_at",
      soci::use(subject, "s"), soci::use(p.service_id, "svc"), soci::use(p.channel, "ch"), soci::use(enabled, "e"),
      soci::use(now, "at");
}

QuietSettings quiet_settings_of(Database& db, const std::string& subject) {
  auto s = db.acquire();
  return quiet_on(*s, subject);
}

void set_quiet_settings(Database& db, const std::string& subject, const QuietSettings& q, const std::string& now) {
  auto s = db.acquire();
  const int digest = q.daily_digest ? 1 : 0;
  *s << "INSERT INTO notification_settings (subject, quiet_start, quiet_end, daily_digest, updated_at) VALUES (:s, "
        ":qs, :qe, :dd, :at) ON CONFLICT (subject) DO UPDATE SET quiet_start = excluded.quiet_start, quiet_end = "
        "excluded.quiet_end, daily_digest = excluded.daily_digest, updated_at = excluded.updated_at",
      soci::use(subject, "s"), soci::use(q.quiet_start, "qs"), soci::use(q.quiet_end, "qe"), soci::use(digest, "dd"),
      soci::use(now, "at");
}

std::vector<std::string> subjects_due_for_digest(Database& db, const std::string& today) {
  auto s = db.acquire();
  std::vector<std::string> out;
  soci::rowset<std::string> rows = (s->prepare << "SELECT subject FROM notification_settings WHERE daily_digest = 1 "
                                                  "AND last_digest_on < :d ORDER BY subject",
                                    soci::use(today, "d"));
  for (const auto& r : rows) out.push_back(r);
  return out;
}

void set_last_digest(Database& db, const std::string& subject, const std::string& today) {
  auto s = db.acquire();
  *s << "UPDATE notification_settings SET last_digest_on = :d WHERE subject = :s", soci::use(today, "d"),
      soci::use(subject, "s");
}

std::map<std::string, RecipientProfile> recipient_profiles(Database& db, const std::vector<std::string>& subjects) {
  std::map<std::string, RecipientProfile> out;
  for (const auto& subject : subjects) out[subject];
  if (out.empty()) return out;
  std::vector<std::string> distinct;
  for (const auto& [subject, _] : out) distinct.push_back(subject);
  const std::string in = "(" + placeholders("s", distinct.size()) + ")";
  const auto bind_subjects = [&](soci::statement& st) { bind_list(st, "s", distinct); };
  auto s = db.acquire();
  for_each_row(*s, "SELECT fiscal_code, given_name, email FROM people WHERE fiscal_code IN " + in, bind_subjects,
               [&](const soci::row& r) {
                 auto& p = out[text_at(r, 0)];
                 p.given_name = text_at(r, 1);
                 p.login_email = text_at(r, 2);
               });
  for_each_row(*s,
               "SELECT subject, channel, address, secret, invalid_at, invalid_reason, updated_at FROM "
               "notification_contacts WHERE subject IN " + in + " ORDER BY subject, channel",
               bind_subjects, [&](const soci::row& r) {
                 out[text_at(r, 0)].contacts.push_back({text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3),
                                                        text_at(r, 4), text_at(r, 5), text_at(r, 6)});
               });
  for_each_row(*s,
               "SELECT subject, service_id, channel, enabled FROM notification_preferences WHERE subject IN " + in +
                   " ORDER BY subject, service_id, channel",
               bind_subjects, [&](const soci::row& r) {
                 out[text_at(r, 0)].preferences.push_back({text_at(r, 1), text_at(r, 2), integer_at(r, 3) != 0});
               });
  for_each_row(*s,
               "SELECT subject, quiet_start, quiet_end, daily_digest FROM notification_settings WHERE subject IN " +
                   in,
               bind_subjects, [&](const soci::row& r) {
                 out[text_at(r, 0)].quiet = {text_at(r, 1), text_at(r, 2), integer_at(r, 3) != 0};
               });
  return out;
}

RecipientProfile recipient_profile(Database& db, const std::string& subject) {
  return recipient_profiles(db, {subject})[subject];
}

// --- templates -----------------------------------------------------------------------------------

std::optional<TemplateRecord> current_template(Database& db, const std::string& kind, const std::string& channel) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kTemplateColumns +
            " FROM notification_templates WHERE kind = :k AND channel = :ch ORDER BY version DESC LIMIT 1",
      soci::into(r), soci::use(kind, "k"), soci::use(channel, "ch");
  if (!s->got_data()) return std::nullopt;
  return template_from(r);
}

std::vector<TemplateRecord> current_templates(Database& db) {
  auto s = db.acquire();
  std::vector<TemplateRecord> out;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kTemplateColumns +
                         " FROM notification_templates t WHERE version = (SELECT MAX(version) FROM "
                         "notification_templates u WHERE u.kind = t.kind AND u.channel = t.channel) ORDER BY kind, "
                         "channel");
  for (const auto& r : rows) out.push_back(template_from(r));
  return out;
}

std::vector<TemplateRecord> template_history(Database& db, const std::string& kind, const std::string& channel) {
  auto s = db.acquire();
  std::vector<TemplateRecord> out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kTemplateColumns +
                                                    " FROM notification_templates WHERE kind = :k AND channel = :ch "
                                                    "ORDER BY version DESC",
                                  soci::use(kind, "k"), soci::use(channel, "ch"));
  for (const auto& r : rows) out.push_back(template_from(r));
  return out;
}

int add_template_version(Database& db, const std::string& kind, const std::string& channel,
                         const std::string& subject, const std::string& body, const std::string& author,
                         const std::string& now) {
  auto s = db.acquire();
  // The next number is computed inside the INSERT: two editors saving at once get a primary-key
  // conflict for one of them (an error), never two versions with the same number.
  int version = 0;
  *s << "INSERT INTO notification_templates (kind, channel, version, subject, body, author, created_at) SELECT :k, "
        ":ch, COALESCE(MAX(version), 0) + 1, :s, :b, :a, :at FROM notification_templates WHERE kind = :k2 AND "
        "channel = :ch2 RETURNING version",
      soci::use(kind, "k"), soci::use(channel, "ch"), soci::use(subject, "s"), soci::use(body, "b"),
      soci::use(author, "a"), soci::use(now, "at"), soci::use(kind, "k2"), soci::use(channel, "ch2"),
      soci::into(version);
  return version;
}

void seed_template(Database& db, const std::string& kind, const std::string& channel, const std::string& subject,
                   const std::string& body, const std::string& now) {
  auto s = db.acquire();
  *s << "INSERT INTO notification_templates (kind, channel, version, subject, body, author, created_at) VALUES (:k, "
        ":ch, 1, :s, :b, 'sistema', :at) ON CONFLICT (kind, channel, version) DO NOTHING",
      soci::use(kind, "k"), soci::use(channel, "ch"), soci::use(subject, "s"), soci::use(body, "b"),
      soci::use(now, "at");
}

// --- reminder offsets ------------------------------------------------------------------------------

std::vector<ReminderSetting> reminder_settings(Database& db) {
  auto s = db.acquire();
  std::vector<ReminderSetting> out;
  soci::rowset<soci::row> rows = (s->prepare << "SELECT service_id, days FROM reminder_settings ORDER BY service_id");
  for (const auto& r : rows) out.push_back({text_at(r, 0), text_at(r, 1)});
  return out;
}

void set_reminder_setting(Database& db, const std::string& service_id, const std::string& days_json,
                          const std::string& now) {
  auto s = db.acquire();
  *s << "INSERT INTO reminder_settings (service_id, days, updated_at) VALUES (:s, :d, :at) ON CONFLICT (service_id) "
        "DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at",
      soci::use(service_id, "s"), soci::use(days_json, "d"), soci::use(now, "at");
}

bool delete_reminder_setting(Database& db, const std::string& service_id) {
  auto s = db.acquire();
  soci::statement st =
      (s->prepare << "DELETE FROM reminder_settings WHERE service_id = :s", soci::use(service_id, "s"));
  return affected(st) == 1;
}

// --- calendar feeds ------------------------------------------------------------------------------

void replace_calendar_feed(Database& db, const std::string& subject, const std::string& token_hash,
                           const std::string& now) {
  auto s = db.acquire();
  soci::transaction tx(*s);
  *s << "UPDATE calendar_feeds SET revoked_at = :at WHERE subject = :s AND revoked_at = ''", soci::use(now, "at"),
      soci::use(subject, "s");
  *s << "INSERT INTO calendar_feeds (token_hash, subject, created_at) VALUES (:h, :s, :at)",
      soci::use(token_hash, "h"), soci::use(subject, "s"), soci::use(now, "at");
  tx.commit();
}

std::optional<std::string> calendar_feed_subject(Database& db, const std::string& token_hash) {
  auto s = db.acquire();
  std::string subject;
  *s << "SELECT subject FROM calendar_feeds WHERE token_hash = :h AND revoked_at = ''", soci::into(subject),
      soci::use(token_hash, "h");
  if (!s->got_data()) return std::nullopt;
  return subject;
}

bool revoke_calendar_feeds(Database& db, const std::string& subject, const std::string& now) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "UPDATE calendar_feeds SET revoked_at = :at WHERE subject = :s AND "
                                      "revoked_at = ''",
                        soci::use(now, "at"), soci::use(subject, "s"));
  return affected(st) > 0;
}

std::string live_calendar_feed_since(Database& db, const std::string& subject) {
  auto s = db.acquire();
  std::string at;
  soci::indicator ind = soci::i_ok;
  *s << "SELECT MAX(created_at) FROM calendar_feeds WHERE subject = :s AND revoked_at = ''", soci::into(at, ind),
      soci::use(subject, "s");
  return s->got_data() && ind == soci::i_ok ? at : std::string();
}

// --- bulk sends -----------------------------------------------------------------------------------

void insert_bulk_send(soci::session& tx, const BulkSend& b) {
  const long long n = b.recipients;
  tx << "INSERT INTO bulk_sends (id, owner_kind, owner_id, author, service_id, subject, body, send_at, recipients, "
        "status, created_at) VALUES (:id, :ok, :oi, :a, :svc, :s, :b, :at, :n, :st, :c)",
      soci::use(b.id, "id"), soci::use(b.owner_kind, "ok"), soci::use(b.owner_id, "oi"), soci::use(b.author, "a"),
      soci::use(b.service_id, "svc"), soci::use(b.subject, "s"), soci::use(b.body, "b"), soci::use(b.send_at, "at"),
      soci::use(n, "n"), soci::use(b.status, "st"), soci::use(b.created_at, "c");
}

std::optional<BulkSend> find_bulk_send(Database& db, const std::string& id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kBulkColumns + " FROM bulk_sends WHERE id = :id", soci::into(r), soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return bulk_from(r);
}

std::vector<BulkSend> bulk_sends_of(Database& db, const std::string& owner_kind, const std::string& owner_id,
                                    int limit) {
  auto s = db.acquire();
  std::vector<BulkSend> out;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kBulkColumns +
                         " FROM bulk_sends WHERE owner_kind = :k AND owner_id = :o ORDER BY created_at DESC, id LIMIT :n",
       soci::use(owner_kind, "k"), soci::use(owner_id, "o"), soci::use(limit, "n"));
  for (const auto& r : rows) out.push_back(bulk_from(r));
  return out;
}

bool cancel_bulk_send(Database& db, const std::string& id, const std::string& now) {
  auto s = db.acquire();
  soci::transaction tx(*s);
  {
    soci::statement st = (s->prepare << "UPDATE bulk_sends SET status = 'annullato', cancelled_at = :at WHERE id = "
                                        ":id AND status = 'programmato'",
                          soci::use(now, "at"), soci::use(id, "id"));
    if (affected(st) != 1) {
      tx.rollback();
      return false;
    }
  }
  long long gone = 0;
  *s << "SELECT COUNT(*) FROM messages WHERE bulk_id = :b AND state <> 'pending'", soci::into(gone),
      soci::use(id, "b");
  if (gone > 0) {  // the send time came: what left cannot be called back
    tx.rollback();
    return false;
  }
  *s << "UPDATE messages SET state = 'cancelled' WHERE bulk_id = :b AND state = 'pending'", soci::use(id, "b");
  tx.commit();
  return true;
}

}  // namespace au::store
