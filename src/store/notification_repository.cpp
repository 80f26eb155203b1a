#include "store/notification_repository.h"

#include <soci/soci.h>

#include "domain/calendar.h"
#include "store/row_values.h"

// SQL notes: as in identity_repository.cpp (every value bound, no name repeated inside one
// statement, transactions start with a write so SQLite takes its write lock first).

namespace au::store {

namespace {

// At most `max` code points, never cutting a UTF-8 sequence (PostgreSQL rejects invalid UTF-8).
std::string cut(const std::string& s, std::size_t max) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == max) return s.substr(0, i);
  return s;
}

// The row lock of a claim: PostgreSQL skips rows another claimer holds; SQLite's single writer
// already makes the UPDATE exclusive.
std::string skip_locked(const Database& db) {
  return db.engine() == Engine::Postgresql ? " FOR UPDATE SKIP LOCKED" : "";
}

// A claim reads its queue in index order and stops after the batch. PostgreSQL plans it from
// statistics taken when the queue was quiet (few rows due, or none yet after a bulk send): then it
// reads every due row and sorts them, on every claim (40 ms a claim with 20,000 due, 8 ms on
// average over a run). Without sorts and bitmap scans, for this transaction only, what is left is
// the in-order index scan, whatever the statistics say. SQLite already reads in index order.
void claim_in_index_order(soci::session& s, const Database& db) {
  if (db.engine() != Engine::Postgresql) return;
  s << "SET LOCAL enable_sort = off";
  s << "SET LOCAL enable_bitmapscan = off";
}

// A claim: `sql` is an "UPDATE … WHERE id IN (SELECT … LIMIT :n …) RETURNING …" with :until,
// :now, :now2, the IN list :c0… of `channels` and :n; run in its own transaction, each row
// returned handed to `each`.
template <class RowHandler>
void claim(Database& db, const std::string& sql, const std::string& now, const std::string& lease_until,
           std::size_t limit, const std::vector<std::string>& channels, RowHandler each) {
  auto s = db.acquire();
  const int n = static_cast<int>(limit);
  soci::transaction tx(*s);
  claim_in_index_order(*s, db);
  for_each_row(
      *s, sql,
      [&](soci::statement& st) {
        st.exchange(soci::use(lease_until, "until"));
        st.exchange(soci::use(now, "now"));
        st.exchange(soci::use(now, "now2"));
        bind_list(st, "c", channels);
        st.exchange(soci::use(n, "n"));
      },
      each);
  tx.commit();
}

const char* const kMessageColumns =
    "id, dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, fields, due_date, send_at, state, "
    "subject, body, template_version, read_at, created_at";

MessageRecord message_from(const soci::row& r) {
  MessageRecord m;
  m.id = integer_at(r, 0);
  m.dedup_key = text_at(r, 1);
  m.recipient = text_at(r, 2);
  m.kind = text_at(r, 3);
  m.practice_id = text_at(r, 4);
  m.service_id = text_at(r, 5);
  m.ente_id = text_at(r, 6);
  m.bulk_id = text_at(r, 7);
  m.fields = text_at(r, 8);
  m.due_date = text_at(r, 9);
  m.send_at = text_at(r, 10);
  m.state = text_at(r, 11);
  m.subject = text_at(r, 12);
  m.body = text_at(r, 13);
  m.template_version = static_cast<int>(integer_at(r, 14));
  m.read_at = text_at(r, 15);
  m.created_at = text_at(r, 16);
  return m;
}

const char* const kDeliveryColumns =
    "id, message_id, channel, address, status, idempotency_key, template_version, attempts, next_attempt_at, "
    "first_attempt_at, provider_ref, reason, created_at, updated_at";

DeliveryRecord delivery_from(const soci::row& r) {
  DeliveryRecord d;
  d.id = integer_at(r, 0);
  d.message_id = integer_at(r, 1);
  d.channel = text_at(r, 2);
  d.address = text_at(r, 3);
  d.status = text_at(r, 4);
  d.idempotency_key = text_at(r, 5);
  d.template_version = static_cast<int>(integer_at(r, 6));
  d.attempts = static_cast<int>(integer_at(r, 7));
  d.next_attempt_at = text_at(r, 8);
  d.first_attempt_at = text_at(r, 9);
  d.provider_ref = text_at(r, 10);
  d.reason = text_at(r, 11);
  d.created_at = text_at(r, 12);
  d.updated_at = text_at(r, 13);
  return d;
}

// ":s0, :s1, ..." and the binds for a list of texts (IN clauses).
}  // namespace

// --- messages ----------------------------------------------------------------------------------

MessageInserter::MessageInserter(soci::session& tx)
    : st_(std::make_unique<soci::statement>(
          (tx.prepare << "INSERT INTO messages (dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, "
                         "fields, due_date, send_at, state, created_at) VALUES (:k, :r, :kind, :p, :s, :e, :b, :f, :d, "
                         ":at, 'pending', :c) ON CONFLICT (dedup_key) DO NOTHING",
           soci::use(row_.dedup_key, "k"), soci::use(row_.recipient, "r"), soci::use(row_.kind, "kind"),
           soci::use(row_.practice_id, "p"), soci::use(row_.service_id, "s"), soci::use(row_.ente_id, "e"),
           soci::use(row_.bulk_id, "b"), soci::use(row_.fields, "f"), soci::use(row_.due_date, "d"),
           soci::use(row_.send_at, "at"), soci::use(row_.created_at, "c")))) {}

MessageInserter::~MessageInserter() = default;

bool MessageInserter::insert(const NewMessage& m) {
  row_ = m;
  st_->execute(true);
  return st_->get_affected_rows() == 1;
}

std::vector<MessageRecord> claim_pending_messages(Database& db, const std::string& now, const std::string& lease_until,
                                                  std::size_t limit) {
  std::vector<MessageRecord> out;
  if (limit == 0) return out;
  claim(db,
        "UPDATE messages SET lease_until = :until WHERE id IN (SELECT id FROM messages WHERE state = 'pending' AND "
        "send_at <= :now AND lease_until < :now2 ORDER BY send_at, id LIMIT :n" +
            skip_locked(db) + ") RETURNING " + kMessageColumns,
        now, lease_until, limit, {}, [&](const soci::row& r) { out.push_back(message_from(r)); });
  return out;
}

std::vector<bool> complete_fanouts(Database& db, const std::vector<FannedOutMessage>& batch,
                                   const std::string& lease_until, const std::string& now) {
  std::vector<bool> stored(batch.size(), false);
  if (batch.empty()) return stored;
  auto s = db.acquire();
  soci::transaction tx(*s);
  // Each statement is prepared once for the batch and executed per row with the values of the
  // variables it is bound to (on PostgreSQL a statement costs a PREPARE and a DEALLOCATE).
  long long id = 0;
  std::string subject, body;
  int version = 0;
  NewDelivery d;
  soci::statement mark = statement_for_rows(*s,
                                            "UPDATE messages SET state = 'ready', subject = :s, body = :b, "
                                            "template_version = :v, lease_until = '' WHERE id = :id AND state = "
                                            "'pending' AND lease_until = :lease",
                                            soci::use(subject, "s"), soci::use(body, "b"), soci::use(version, "v"),
                                            soci::use(id, "id"), soci::use(lease_until, "lease"));
  soci::statement insert = statement_for_rows(
      *s,
      "INSERT INTO notifications (message_id, channel, address, status, idempotency_key, template_version, subject, "
      "body, html, due_date, unsubscribe_token, next_attempt_at, reason, created_at, updated_at) VALUES (:m, :ch, "
      ":a, :st, :k, :v, :s, :b, :h, :d, :u, :next, :r, :c, :up) ON CONFLICT DO NOTHING",
       soci::use(id, "m"), soci::use(d.channel, "ch"), soci::use(d.address, "a"), soci::use(d.status, "st"),
       soci::use(d.idempotency_key, "k"), soci::use(d.template_version, "v"), soci::use(d.subject, "s"),
       soci::use(d.body, "b"), soci::use(d.html, "h"), soci::use(d.due_date, "d"), soci::use(d.unsubscribe_token, "u"),
       soci::use(d.next_attempt_at, "next"), soci::use(d.reason, "r"), soci::use(now, "c"), soci::use(now, "up"));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    id = batch[i].id;
    subject = batch[i].subject;
    body = batch[i].body;
    version = batch[i].template_version;
    if (affected(mark) != 1) continue;  // another worker has it now: its deliveries are its own
    for (const auto& delivery : batch[i].deliveries) {
      d = delivery;
      insert.execute(true);
    }
    stored[i] = true;
  }
  tx.commit();
  return stored;
}

bool complete_fanout(Database& db, const MessageRecord& m, const std::string& lease_until, const std::string& subject,
                     const std::string& body, int template_version, const std::vector<NewDelivery>& deliveries,
                     const std::string& now) {
  return complete_fanouts(db, {FannedOutMessage{m.id, subject, body, template_version, deliveries}}, lease_until,
                          now)[0];
}

// --- the inbox -----------------------------------------------------------------------------------

std::vector<MessageRecord> inbox_of(Database& db, const std::vector<std::string>& subjects, bool unread_only,
                                    int limit, long long before_id) {
  std::vector<MessageRecord> out;
  if (subjects.empty() || limit <= 0) return out;
  auto s = db.acquire();
  std::string sql = std::string("SELECT ") + kMessageColumns + " FROM messages WHERE recipient IN (" +
                    placeholders("r", subjects.size()) + ") AND state = 'ready' AND kind <> '" + kDigestKind + "'" +
                    (unread_only ? " AND read_at = ''" : "") + (before_id > 0 ? " AND id < :before" : "") +
                    " ORDER BY id DESC LIMIT :n";
  for_each_row(
      *s, sql,
      [&](soci::statement& st) {
        bind_list(st, "r", subjects);
        if (before_id > 0) st.exchange(soci::use(before_id, "before"));
        st.exchange(soci::use(limit, "n"));
      },
      [&](const soci::row& r) { out.push_back(message_from(r)); });
  return out;
}

long long unread_count(Database& db, const std::vector<std::string>& subjects) {
  if (subjects.empty()) return 0;
  auto s = db.acquire();
  long long n = 0;
  soci::statement st(*s);
  st.alloc();
  bind_list(st, "r", subjects);
  st.exchange(soci::into(n));
  st.prepare("SELECT COUNT(*) FROM messages WHERE recipient IN (" + placeholders("r", subjects.size()) +
             ") AND state = 'ready' AND read_at = '' AND kind <> '" + kDigestKind + "'");
  st.define_and_bind();
  st.execute(true);
  return n;
}

std::vector<MessageRecord> ready_messages_since(Database& db, const std::string& subject, const std::string& since,
                                                int limit) {
  auto s = db.acquire();
  std::vector<MessageRecord> out;
  const std::string digest = kDigestKind;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kMessageColumns +
                         " FROM messages WHERE recipient = :r AND state = 'ready' AND kind <> :k AND created_at >= "
                         ":since ORDER BY id LIMIT :n",
       soci::use(subject, "r"), soci::use(digest, "k"), soci::use(since, "since"), soci::use(limit, "n"));
  for (const auto& r : rows) out.push_back(message_from(r));
  return out;
}

std::optional<MessageRecord> find_message(Database& db, long long id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = :id", soci::into(r), soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return message_from(r);
}

bool set_message_read(Database& db, long long id, const std::vector<std::string>& subjects, bool read,
                      const std::string& now) {
  if (subjects.empty()) return false;
  auto s = db.acquire();
  const std::string at = read ? now : "";
  soci::statement st(*s);
  st.alloc();
  st.exchange(soci::use(at, "at"));
  st.exchange(soci::use(id, "id"));
  bind_list(st, "r", subjects);
  st.prepare("UPDATE messages SET read_at = CASE WHEN read_at = '' OR :at = '' THEN :at2 ELSE read_at END "
             "WHERE id = :id AND state = 'ready' AND recipient IN (" +
             placeholders("r", subjects.size()) + ")");
  st.exchange(soci::use(at, "at2"));
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows() == 1;
}

// --- deliveries ---------------------------------------------------------------------------------

std::vector<DeliveryRecord> deliveries_of_message(Database& db, long long message_id) {
  auto s = db.acquire();
  std::vector<DeliveryRecord> out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kDeliveryColumns +
                                                    " FROM notifications WHERE message_id = :m ORDER BY id",
                                  soci::use(message_id, "m"));
  for (const auto& r : rows) out.push_back(delivery_from(r));
  return out;
}

std::optional<DeliveryRecord> find_delivery(Database& db, long long id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kDeliveryColumns + " FROM notifications WHERE id = :id", soci::into(r),
      soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return delivery_from(r);
}

std::vector<ClaimedNotification> claim_due_deliveries(Database& db, const std::string& now,
                                                      const std::string& lease_until, std::size_t limit,
                                                      const std::vector<std::string>& channels) {
  std::vector<ClaimedNotification> out;
  if (limit == 0) return out;
  const std::string channel_filter =
      channels.empty() ? "" : " AND channel IN (" + placeholders("c", channels.size()) + ")";
  // next_attempt_at <> '' is what makes a delivery still to do (terminal ones have none).
  const std::string sql =
      "UPDATE notifications SET status = 'sending', lease_until = :until WHERE id IN (SELECT id FROM notifications "
      "WHERE next_attempt_at <> '' AND next_attempt_at <= :now AND lease_until < :now2" +
      channel_filter + " ORDER BY next_attempt_at LIMIT :n" + skip_locked(db) +
      ") RETURNING id, message_id, channel, address, idempotency_key, subject, body, html, due_date, "
      "unsubscribe_token, attempts, first_attempt_at";
  claim(db, sql, now, lease_until, limit, channels, [&](const soci::row& r) {
    ClaimedNotification c;
    c.id = integer_at(r, 0);
    c.message_id = integer_at(r, 1);
    c.channel = text_at(r, 2);
    c.address = text_at(r, 3);
    c.idempotency_key = text_at(r, 4);
    c.subject = text_at(r, 5);
    c.body = text_at(r, 6);
    c.html = text_at(r, 7);
    c.due_date = text_at(r, 8);
    c.unsubscribe_token = text_at(r, 9);
    c.attempts = static_cast<int>(integer_at(r, 10));
    c.first_attempt_at = text_at(r, 11);
    c.lease_until = lease_until;
    out.push_back(std::move(c));
  });
  return out;
}

std::vector<bool> record_attempts(Database& db, const std::vector<AttemptRecord>& attempts) {
  std::vector<bool> recorded(attempts.size(), false);
  if (attempts.empty()) return recorded;
  auto s = db.acquire();
  soci::transaction tx(*s);
  // Prepared once for the batch, executed per attempt with the values of the bound variables.
  ClaimedNotification n;
  AttemptOutcome o;
  std::string reason, ref;
  int attempt = 0;
  soci::statement mark = statement_for_rows(
      *s,
      "UPDATE notifications SET status = :st, attempts = attempts + 1, next_attempt_at = :next, lease_until = '', "
      "first_attempt_at = CASE WHEN first_attempt_at = '' THEN :started ELSE first_attempt_at END, provider_ref = "
      ":ref, reason = :reason, updated_at = :at WHERE id = :id AND status = 'sending' AND lease_until = :lease",
       soci::use(o.status, "st"), soci::use(o.next_attempt_at, "next"), soci::use(o.started_at, "started"),
       soci::use(ref, "ref"), soci::use(reason, "reason"), soci::use(o.finished_at, "at"), soci::use(n.id, "id"),
       soci::use(n.lease_until, "lease"));
  soci::statement insert = statement_for_rows(
      *s,
      "INSERT INTO notification_attempts (notification_id, attempt, worker, started_at, finished_at, outcome, detail) "
      "VALUES (:id, :a, :w, :s, :f, :o, :d)",
       soci::use(n.id, "id"), soci::use(attempt, "a"), soci::use(o.worker, "w"), soci::use(o.started_at, "s"),
       soci::use(o.finished_at, "f"), soci::use(o.status, "o"), soci::use(reason, "d"));
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    n = *attempts[i].delivery;
    o = *attempts[i].outcome;
    reason = cut(o.reason, 300);
    ref = cut(o.provider_ref, 200);
    attempt = n.attempts + 1;
    if (affected(mark) != 1) continue;  // the lease was lost: the attempt belongs to nobody
    insert.execute(true);
    if (o.flag_address && n.channel != "io") {
      *s << "UPDATE notification_contacts SET invalid_at = :at, invalid_reason = :r WHERE channel = :ch AND "
            "address = :a AND subject = (SELECT recipient FROM messages WHERE id = :m)",
          soci::use(o.finished_at, "at"), soci::use(reason, "r"), soci::use(n.channel, "ch"),
          soci::use(n.address, "a"), soci::use(n.message_id, "m");
    }
    recorded[i] = true;
  }
  tx.commit();
  return recorded;
}

bool record_attempt(Database& db, const ClaimedNotification& n, const AttemptOutcome& o) {
  return record_attempts(db, {AttemptRecord{&n, &o}})[0];
}

bool renew_delivery_lease(Database& db, ClaimedNotification& n, const std::string& lease_until) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "UPDATE notifications SET lease_until = :until WHERE id = :id AND status = "
                                      "'sending' AND lease_until = :lease",
                        soci::use(lease_until, "until"), soci::use(n.id, "id"), soci::use(n.lease_until, "lease"));
  if (affected(st) != 1) return false;
  n.lease_until = lease_until;
  return true;
}

bool release_delivery(Database& db, const ClaimedNotification& n) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "UPDATE notifications SET status = CASE WHEN attempts = 0 THEN 'created' ELSE "
                                      "'temporary-failure' END, lease_until = '' WHERE id = :id AND status = 'sending' "
                                      "AND lease_until = :lease",
                        soci::use(n.id, "id"), soci::use(n.lease_until, "lease"));
  return affected(st) == 1;
}

std::string webhook_secret_of_message(Database& db, long long message_id) {
  auto s = db.acquire();
  std::string secret;
  soci::indicator ind = soci::i_ok;
  *s << "SELECT c.secret FROM notification_contacts c JOIN messages m ON m.recipient = c.subject WHERE m.id = :m "
        "AND c.channel = 'webhook'",
      soci::into(secret, ind), soci::use(message_id, "m");
  return s->got_data() && ind == soci::i_ok ? secret : std::string();
}

long long cancel_pending_deliveries(Database& db, const std::string& subject, const std::string& service_id,
                                    const std::string& channel, const std::string& reason, const std::string& now) {
  auto s = db.acquire();
  const std::string service_filter = service_id.empty() ? "" : " AND service_id = :svc";
  soci::statement st(*s);
  st.alloc();
  st.exchange(soci::use(reason, "r"));
  st.exchange(soci::use(now, "at"));
  st.exchange(soci::use(channel, "ch"));
  st.exchange(soci::use(subject, "subj"));
  if (!service_id.empty()) st.exchange(soci::use(service_id, "svc"));
  // A delivery being sent right now ('sending') finishes: only what has not left is stopped.
  st.prepare("UPDATE notifications SET status = 'cancelled', next_attempt_at = '', reason = :r, updated_at = :at "
             "WHERE channel = :ch AND next_attempt_at <> '' AND status <> 'sending' AND message_id IN (SELECT id "
             "FROM messages WHERE recipient = :subj" +
             service_filter + ")");
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

std::optional<UnsubscribeTarget> find_unsubscribe_target(Database& db, const std::string& token) {
  if (token.empty()) return std::nullopt;
  auto s = db.acquire();
  soci::row r;
  *s << "SELECT m.recipient, m.service_id FROM notifications n JOIN messages m ON m.id = n.message_id WHERE "
        "n.unsubscribe_token = :t AND n.channel = 'email'",
      soci::into(r), soci::use(token, "t");
  if (!s->got_data()) return std::nullopt;
  return UnsubscribeTarget{text_at(r, 0), text_at(r, 1)};
}

StatusCounts status_counts(Database& db, const std::string& bulk_id) {
  auto s = db.acquire();
  StatusCounts out;
  const std::string where = bulk_id.empty() ? "" : " WHERE m.bulk_id = :b";
  auto collect = [&](const std::string& sql, std::vector<std::pair<std::string, long long>>& into) {
    soci::row r;
    soci::statement st(*s);
    st.alloc();
    if (!bulk_id.empty()) st.exchange(soci::use(bulk_id, "b"));
    st.exchange(soci::into(r));
    st.prepare(sql, kRunOnce);
    st.define_and_bind();
    st.execute(false);
    while (st.fetch()) into.emplace_back(text_at(r, 0), integer_at(r, 1));
  };
  collect("SELECT m.state, COUNT(*) FROM messages m" + where + " GROUP BY m.state ORDER BY m.state", out.messages);
  collect("SELECT n.status, COUNT(*) FROM notifications n JOIN messages m ON m.id = n.message_id" + where +
              " GROUP BY n.status ORDER BY n.status",
          out.deliveries);
  return out;
}

// --- reminders and alerts ---------------------------------------------------------------------

long long create_deadline_reminders(Database& db, int days, const std::string& first_date,
                                    const std::string& last_date, const std::vector<std::string>& services,
                                    bool default_offsets, const std::string& send_at, const std::string& now) {
  if (services.empty() && !default_offsets) return 0;
  auto s = db.acquire();
  const std::string days_text = std::to_string(days);
  // The offset that fired (the days LEFT are computed when the message is rendered: a late run
  // fires a larger offset with fewer days left).
  const std::string fields = "{\"promemoria_giorni\":\"" + days_text + "\"}";
  std::string service_filter;
  if (!services.empty()) service_filter = "p.service_id IN (" + placeholders("s", services.size()) + ")";
  if (default_offsets) {
    if (!service_filter.empty()) service_filter += " OR ";
    service_filter += "NOT EXISTS (SELECT 1 FROM reminder_settings rs WHERE rs.service_id = p.service_id)";
  }
  long long created = 0;
  // The applicant, and the intermediary who filed for them: one statement each (an index range
  // scan on applicant_due_date each).
  for (const char* who : {"p.applicant", "p.intermediary"}) {
    const std::string sql =
        std::string("INSERT INTO messages (dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, "
                    "fields, due_date, send_at, state, created_at) SELECT 'promemoria:' || p.id || ':' || "
                    "p.applicant_due_date || ':' || :d || ':' || ") +
        who + ", " + who +
        ", 'promemoria-scadenza', p.id, p.service_id, p.ente_id, '', :f, p.applicant_due_date, :at, 'pending', "
        ":c FROM practices p WHERE p.applicant_due_date >= :first AND p.applicant_due_date <= :last AND " +
        who + " <> '' AND p.status NOT LIKE 'concluso%' AND (" + service_filter +
        ") ON CONFLICT (dedup_key) DO NOTHING";
    soci::statement st(*s);
    st.alloc();
    st.exchange(soci::use(days_text, "d"));
    st.exchange(soci::use(fields, "f"));
    st.exchange(soci::use(send_at, "at"));
    st.exchange(soci::use(now, "c"));
    st.exchange(soci::use(first_date, "first"));
    st.exchange(soci::use(last_date, "last"));
    bind_list(st, "s", services);
    st.prepare(sql);
    st.define_and_bind();
    st.execute(true);
    created += st.get_affected_rows();
  }
  return created;
}

long long create_overdue_alerts(Database& db, const std::string& today, const std::string& send_at,
                                const std::string& now) {
  auto day = domain::parse_civil_date(today);
  if (!day) return 0;
  // Only practices that fell overdue in the last 7 days: a scheduler that was down catches up,
  // and a run does not re-read every old overdue practice each time.
  const std::string since = domain::format_date(domain::add_days(*day, -7));
  auto s = db.acquire();
  soci::statement st =
      (s->prepare << "INSERT INTO messages (dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, "
                     "fields, due_date, send_at, state, created_at) SELECT 'scadenza-superata:' || p.id || ':' || "
                     "p.due_date || ':' || ra.fiscal_code, ra.fiscal_code, 'scadenza-superata', p.id, p.service_id, "
                     "p.ente_id, '', '{}', p.due_date, :at, 'pending', :c FROM practices p JOIN role_assignments ra "
                     "ON ra.role = 'operatore-ente' AND ra.scope = p.ente_id WHERE p.due_date <> '' AND p.due_date < "
                     ":today AND p.due_date >= :since AND p.status NOT LIKE 'concluso%' ON CONFLICT (dedup_key) DO "
                     "NOTHING",
       soci::use(send_at, "at"), soci::use(now, "c"), soci::use(today, "today"), soci::use(since, "since"));
  return affected(st);
}

}  // namespace au::store
