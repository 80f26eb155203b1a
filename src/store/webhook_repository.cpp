#include "store/webhook_repository.h"

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include <cstdio>
#include <ctime>

#include "store/row_values.h"

// SQL notes: as in identity_repository.cpp (every value bound, no name repeated inside one
// statement, transactions start with a write). Numbers bound into a SELECT list are CAST so
// PostgreSQL does not have to guess their type.

namespace au::store {

using nlohmann::json;

namespace {

std::vector<std::string> type_list(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// At most `max` characters (code points), never cutting a UTF-8 sequence (PostgreSQL rejects
// invalid UTF-8 in text).
std::string cut(const std::string& s, std::size_t max) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == max) return s.substr(0, i);
  }
  return s;
}

const char* const kSubscriptionColumns = "id, owner_kind, owner_id, url, ente_filter, event_types, active, created_at";

WebhookSubscription subscription_from(const soci::row& r) {
  WebhookSubscription s;
  s.id = text_at(r, 0);
  s.owner_kind = text_at(r, 1);
  s.owner_id = text_at(r, 2);
  s.url = text_at(r, 3);
  s.ente_filter = text_at(r, 4);
  s.event_types = type_list(text_at(r, 5));
  s.active = integer_at(r, 6) != 0;
  s.created_at = text_at(r, 7);
  return s;
}

const char* const kDeliveryColumns =
    "id, subscription_id, event_sequence, status, attempts, next_attempt_at, lease_until, last_status, last_error, "
    "created_at, updated_at";

WebhookDelivery delivery_from(const soci::row& r) {
  WebhookDelivery d;
  d.id = integer_at(r, 0);
  d.subscription_id = text_at(r, 1);
  d.event_sequence = integer_at(r, 2);
  d.status = text_at(r, 3);
  d.attempts = static_cast<int>(integer_at(r, 4));
  d.next_attempt_at = text_at(r, 5);
  d.lease_until = text_at(r, 6);
  d.last_status = static_cast<int>(integer_at(r, 7));
  d.last_error = text_at(r, 8);
  d.created_at = text_at(r, 9);
  d.updated_at = text_at(r, 10);
  return d;
}

}  // namespace

std::string webhook_time(std::chrono::system_clock::time_point t) {
  long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03lldZ", frac);
  return buf;
}

std::string webhook_time(const std::string& iso_seconds) {
  // "2026-11-27T10:15:00Z" -> "2026-11-27T10:15:00.000Z"; other forms are kept as they are.
  if (iso_seconds.size() == 20 && iso_seconds.back() == 'Z') return iso_seconds.substr(0, 19) + ".000Z";
  return iso_seconds;
}

// --- subscriptions ---------------------------------------------------------------------------

void insert_webhook_subscription(Database& db, const WebhookSubscription& w) {
  auto s = db.acquire();
  const std::string types = json(w.event_types).dump();
  const int active = w.active ? 1 : 0;
  *s << "INSERT INTO webhook_subscriptions (id, owner_kind, owner_id, url, secret, ente_filter, event_types, "
        "active, created_at) VALUES (:id, :kind, :owner, :url, :secret, :ente, :types, :active, :created)",
      soci::use(w.id, "id"), soci::use(w.owner_kind, "kind"), soci::use(w.owner_id, "owner"), soci::use(w.url, "url"),
      soci::use(w.secret, "secret"), soci::use(w.ente_filter, "ente"), soci::use(types, "types"),
      soci::use(active, "active"), soci::use(w.created_at, "created");
}

std::optional<WebhookSubscription> find_webhook_subscription(Database& db, const std::string& id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kSubscriptionColumns + " FROM webhook_subscriptions WHERE id = :id", soci::into(r),
      soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return subscription_from(r);
}

std::vector<WebhookSubscription> webhook_subscriptions_of(Database& db, const std::string& owner_kind,
                                                          const std::string& owner_id) {
  auto s = db.acquire();
  std::vector<WebhookSubscription> out;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kSubscriptionColumns +
                         " FROM webhook_subscriptions WHERE owner_kind = :kind AND owner_id = :owner "
                         "ORDER BY created_at DESC, id",
       soci::use(owner_kind, "kind"), soci::use(owner_id, "owner"));
  for (const auto& r : rows) out.push_back(subscription_from(r));
  return out;
}

bool deactivate_webhook_subscription(Database& db, const std::string& id, const std::string& now) {
  auto s = db.acquire();
  soci::transaction tx(*s);
  long long n = 0;
  {
    soci::statement st =
        (s->prepare << "UPDATE webhook_subscriptions SET active = 0 WHERE id = :id AND active = 1", soci::use(id, "id"));
    n = affected(st);
  }
  if (n == 0) {
    tx.rollback();
    return false;
  }
  // Nothing more will be sent to it: its queue ends here, visibly (redeliver refuses inactive ones).
  const std::string at = webhook_time(now);
  *s << "UPDATE webhook_deliveries SET status = 'dead', lease_until = '', "
        "last_error = 'sottoscrizione disattivata', updated_at = :at WHERE subscription_id = :id AND status = 'pending'",
      soci::use(at, "at"), soci::use(id, "id");
  tx.commit();
  return true;
}

// --- the outbox ------------------------------------------------------------------------------

bool any_active_webhook_subscription(soci::session& tx) {
  soci::row r;
  tx << "SELECT id FROM webhook_subscriptions WHERE active = 1 LIMIT 1", soci::into(r);
  return tx.got_data();
}

void enqueue_webhook_deliveries(soci::session& tx, const WebhookEventRef& e) {
  // The needle is the type as a JSON string token ("\"it...\""): event_types is a compact JSON
  // array of strings, so a token found in it is one of its elements. instr/strpos compare
  // bytes exactly (LIKE would be case-insensitive on SQLite and treat '_' as a wildcard).
  const std::string contains = tx.get_backend_name() == "postgresql" ? "strpos" : "instr";
  const std::string needle = json(e.type).dump();
  const long long sequence = e.sequence;
  const std::string at = webhook_time(e.now);
  tx << "INSERT INTO webhook_deliveries (subscription_id, event_sequence, status, attempts, next_attempt_at, "
        "lease_until, last_status, last_error, created_at, updated_at) "
        "SELECT s.id, CAST(:seq AS BIGINT), 'pending', 0, :due, '', 0, '', :created, :updated "
        "FROM webhook_subscriptions s WHERE s.active = 1 "
        "AND (s.ente_filter = '' OR s.ente_filter = :ente_filter) "
        "AND (s.event_types IN ('', '[]') OR " +
            contains +
            "(s.event_types, :needle) > 0) "
            "AND ((s.owner_kind = 'ente' AND s.owner_id = :ente_owner) "
            " OR (s.owner_kind = 'application' AND EXISTS (SELECT 1 FROM applications a "
            "     WHERE a.client_id = s.owner_id AND a.status = 'attiva' AND a.revoked_at = '' "
            "     AND a.environment = 'live' AND a.owner <> '' "
            "     AND (a.owner = :applicant OR a.owner = :intermediary)))) "
            "ON CONFLICT (subscription_id, event_sequence) DO NOTHING",
      soci::use(sequence, "seq"), soci::use(at, "due"), soci::use(e.now, "created"), soci::use(at, "updated"),
      soci::use(e.ente_id, "ente_filter"), soci::use(needle, "needle"), soci::use(e.ente_id, "ente_owner"),
      soci::use(e.applicant, "applicant"), soci::use(e.intermediary, "intermediary");
}

std::vector<ClaimedDelivery> claim_due_webhook_deliveries(Database& db, const std::string& now,
                                                          const std::string& lease_until, std::size_t limit) {
  std::vector<ClaimedDelivery> out;
  if (limit == 0) return out;
  auto s = db.acquire();
  // Candidates first (a plain read), then one conditional UPDATE each: the row count says
  // whether this claimer won. Extra candidates let a loser of a race still fill its batch.
  std::vector<long long> candidates;
  {
    const int n = static_cast<int>(limit * 4);
    soci::rowset<soci::row> rows =
        (s->prepare << "SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id "
                       "WHERE d.status = 'pending' AND d.next_attempt_at <= :now AND d.lease_until < :now2 "
                       "AND s.active = 1 ORDER BY d.next_attempt_at, d.id LIMIT :n",
         soci::use(now, "now"), soci::use(now, "now2"), soci::use(n, "n"));
    for (const auto& r : rows) candidates.push_back(integer_at(r, 0));
  }
  for (long long id : candidates) {
    if (out.size() == limit) break;
    long long won = 0;
    {
      soci::statement st =
          (s->prepare << "UPDATE webhook_deliveries SET lease_until = :until WHERE id = :id AND status = 'pending' "
                         "AND next_attempt_at <= :now AND lease_until < :now2",
           soci::use(lease_until, "until"), soci::use(id, "id"), soci::use(now, "now"), soci::use(now, "now2"));
      won = affected(st);
    }
    if (won != 1) continue;
    soci::row r;
    *s << "SELECT d.attempts, d.event_sequence, s.id, s.url, s.secret, e.document, "
          "CASE WHEN s.owner_kind = 'application' AND NOT EXISTS (SELECT 1 FROM applications a "
          "WHERE a.client_id = s.owner_id AND a.status = 'attiva') THEN 1 ELSE 0 END FROM webhook_deliveries d "
          "JOIN webhook_subscriptions s ON s.id = d.subscription_id "
          "LEFT JOIN practice_events e ON e.sequence = d.event_sequence WHERE d.id = :id",
        soci::into(r), soci::use(id, "id");
    if (!s->got_data()) continue;
    ClaimedDelivery c;
    c.id = id;
    c.attempts = static_cast<int>(integer_at(r, 0));
    c.event_sequence = integer_at(r, 1);
    c.subscription_id = text_at(r, 2);
    c.url = text_at(r, 3);
    c.secret = text_at(r, 4);
    if (r.get_indicator(5) != soci::i_null) c.document = r.get<std::string>(5);
    c.owner_revoked = integer_at(r, 6) != 0;
    c.lease_until = lease_until;
    out.push_back(std::move(c));
  }
  return out;
}

bool mark_webhook_delivered(Database& db, const ClaimedDelivery& d, int http_status, const std::string& now) {
  auto s = db.acquire();
  const long long id = d.id;
  soci::statement st = (s->prepare << "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, "
                                      "last_status = :code, last_error = '', lease_until = '', updated_at = :at "
                                      "WHERE id = :id AND status = 'pending' AND lease_until = :lease",
                        soci::use(http_status, "code"), soci::use(now, "at"), soci::use(id, "id"),
                        soci::use(d.lease_until, "lease"));
  return affected(st) == 1;
}

bool mark_webhook_failed(Database& db, const ClaimedDelivery& d, int http_status, const std::string& error,
                         const std::string& next_attempt_at, bool dead, const std::string& now) {
  auto s = db.acquire();
  const long long id = d.id;
  const std::string status = dead ? "dead" : "pending";
  const std::string text = cut(error, 300);
  soci::statement st =
      (s->prepare << "UPDATE webhook_deliveries SET status = :status, attempts = attempts + 1, "
                     "next_attempt_at = :next, last_status = :code, last_error = :error, lease_until = '', "
                     "updated_at = :at WHERE id = :id AND status = 'pending' AND lease_until = :lease",
       soci::use(status, "status"), soci::use(next_attempt_at, "next"), soci::use(http_status, "code"),
       soci::use(text, "error"), soci::use(now, "at"), soci::use(id, "id"), soci::use(d.lease_until, "lease"));
  return affected(st) == 1;
}

bool release_webhook_lease(Database& db, const ClaimedDelivery& d) {
  auto s = db.acquire();
  const long long id = d.id;
  soci::statement st = (s->prepare << "UPDATE webhook_deliveries SET lease_until = '' WHERE id = :id "
                                      "AND status = 'pending' AND lease_until = :lease",
                        soci::use(id, "id"), soci::use(d.lease_until, "lease"));
  return affected(st) == 1;
}

bool redeliver_webhook(Database& db, std::int64_t delivery_id, const std::string& now) {
  auto s = db.acquire();
  const long long id = delivery_id;
  soci::statement st =
      (s->prepare << "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = :due, "
                     "lease_until = '', last_status = 0, last_error = '', updated_at = :at "
                     "WHERE id = :id AND status IN ('dead', 'delivered') AND subscription_id IN "
                     "(SELECT w.id FROM webhook_subscriptions w WHERE w.active = 1)",
       soci::use(now, "due"), soci::use(now, "at"), soci::use(id, "id"));
  return affected(st) == 1;
}

std::optional<WebhookDelivery> find_webhook_delivery(Database& db, std::int64_t delivery_id) {
  auto s = db.acquire();
  const long long id = delivery_id;
  soci::row r;
  *s << std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE id = :id", soci::into(r),
      soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return delivery_from(r);
}

std::vector<WebhookDelivery> webhook_deliveries_of(Database& db, const std::string& subscription_id, int limit) {
  std::vector<WebhookDelivery> out;
  if (limit <= 0) return out;
  auto s = db.acquire();
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kDeliveryColumns +
                         " FROM webhook_deliveries WHERE subscription_id = :sub ORDER BY id DESC LIMIT :n",
       soci::use(subscription_id, "sub"), soci::use(limit, "n"));
  for (const auto& r : rows) out.push_back(delivery_from(r));
  return out;
}

}  // namespace au::store
