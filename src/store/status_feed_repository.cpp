#include "store/status_feed_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "domain/utc_time.h"
#include "store/row_values.h"

// SQL notes (same rules as identity_repository.cpp): every value is bound, no placeholder name
// is repeated inside one statement, RETURNING reads into typed variables, and a transaction
// starts with a write so SQLite takes its write lock at once.

namespace au::store {

namespace {

const char* const kFeedColumns =
    "f.client_id, f.url, f.interval_seconds, f.cursor, f.last_polled_at, f.last_success_at, "
    "f.consecutive_failures, f.last_error, f.next_poll_at";

StatusFeedRecord feed_from(const soci::row& r) {
  StatusFeedRecord f;
  f.client_id = text_at(r, 0);
  f.url = text_at(r, 1);
  f.interval_seconds = static_cast<int>(integer_at(r, 2));
  f.cursor = text_at(r, 3);
  f.last_polled_at = text_at(r, 4);
  f.last_success_at = text_at(r, 5);
  f.consecutive_failures = static_cast<int>(integer_at(r, 6));
  f.last_error = text_at(r, 7);
  f.next_poll_at = text_at(r, 8);
  return f;
}

// At most kMaxFeedErrorChars code points of valid UTF-8 (PostgreSQL refuses broken sequences;
// the text may quote a remote answer), invalid bytes replaced by '?'.
std::string clip_error(const std::string& in) {
  std::string out;
  std::size_t chars = 0, i = 0;
  while (i < in.size() && chars < kMaxFeedErrorChars) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && len == 1 && c < 0x20) ok = false;  // control characters do not belong in one line
    if (ok) {
      out.append(in, i, len);
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
    ++chars;
  }
  return out;
}

}  // namespace

bool valid_feed_url(std::string_view url) {
  if (url.empty() || url.size() > kMaxFeedUrlChars) return false;
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || ch == '#' || ch == '\\') return false;
  }
  std::string lower(url.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t host_start;
  if (lower.rfind("https://", 0) == 0) host_start = 8;
  else if (lower.rfind("http://", 0) == 0) host_start = 7;
  else return false;
  const std::size_t host_end = url.find_first_of("/?", host_start);
  const std::string_view authority = url.substr(host_start, host_end - host_start);
  // A host is required; credentials in the URL would end up in logs and the admin pages.
  return !authority.empty() && authority.front() != ':' && authority.find('@') == std::string_view::npos;
}

void register_status_feed(Database& db, const std::string& client_id, const std::string& url,
                          int interval_seconds) {
  if (!valid_feed_url(url))
    throw std::invalid_argument("URL del feed non valido: serve un indirizzo http:// o https:// assoluto");
  if (interval_seconds < kMinFeedIntervalSeconds || interval_seconds > kMaxFeedIntervalSeconds)
    throw std::invalid_argument("Intervallo del feed fuori dai limiti (da 10 a 86400 secondi)");
  auto s = db.acquire();
  *s << "INSERT INTO status_feeds (client_id, url, interval_seconds) VALUES (:cid, :url, :interval) "
        "ON CONFLICT (client_id) DO UPDATE SET url = excluded.url, interval_seconds = excluded.interval_seconds",
      soci::use(client_id, "cid"), soci::use(url, "url"), soci::use(interval_seconds, "interval");
}

bool remove_status_feed(Database& db, const std::string& client_id) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "DELETE FROM status_feeds WHERE client_id = :cid", soci::use(client_id, "cid"));
  return affected(st) > 0;
}

std::optional<StatusFeedRecord> find_status_feed(Database& db, const std::string& client_id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kFeedColumns + " FROM status_feeds f WHERE f.client_id = :cid", soci::into(r),
      soci::use(client_id, "cid");
  if (!s->got_data()) return std::nullopt;
  return feed_from(r);
}

std::vector<StatusFeedRecord> list_status_feeds(Database& db) {
  auto s = db.acquire();
  std::vector<StatusFeedRecord> out;
  soci::rowset<soci::row> rows = s->prepare << std::string("SELECT ") + kFeedColumns +
                                                   " FROM status_feeds f ORDER BY f.client_id";
  for (const auto& r : rows) out.push_back(feed_from(r));
  return out;
}

std::vector<StatusFeedRecord> due_status_feeds(Database& db, std::int64_t now_s) {
  auto s = db.acquire();
  const std::string now = domain::format_utc(now_s);
  std::vector<StatusFeedRecord> out;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kFeedColumns +
                         " FROM status_feeds f JOIN backoffice_clients c ON c.client_id = f.client_id "
                         "WHERE c.revoked_at = '' AND (f.next_poll_at = '' OR f.next_poll_at <= :now) "
                         "ORDER BY f.next_poll_at, f.client_id",
       soci::use(now, "now"));
  for (const auto& r : rows) out.push_back(feed_from(r));
  return out;
}

std::optional<std::string> lease_status_feed(Database& db, const std::string& client_id,
                                             const std::string& seen_next_poll_at, std::int64_t lease_until_s) {
  auto s = db.acquire();
  std::string until = domain::format_utc(lease_until_s);
  // A lease equal to what was seen would not exclude anyone: move it by a second.
  if (until == seen_next_poll_at) until = domain::format_utc(lease_until_s + 1);
  soci::statement st = (s->prepare << "UPDATE status_feeds SET next_poll_at = :until "
                                      "WHERE client_id = :cid AND next_poll_at = :seen",
                        soci::use(until, "until"), soci::use(client_id, "cid"), soci::use(seen_next_poll_at, "seen"));
  if (affected(st) != 1) return std::nullopt;
  return until;
}

bool save_feed_cursor(Database& db, const std::string& client_id, const std::string& lease,
                      const std::string& cursor) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "UPDATE status_feeds SET cursor = :cursor "
                                      "WHERE client_id = :cid AND next_poll_at = :lease",
                        soci::use(cursor, "cursor"), soci::use(client_id, "cid"), soci::use(lease, "lease"));
  return affected(st) == 1;
}

bool record_feed_success(Database& db, const std::string& client_id, const std::string& lease,
                         const std::string& cursor, std::int64_t now_s, std::int64_t next_poll_s,
                         const std::string& note) {
  auto s = db.acquire();
  const std::string now = domain::format_utc(now_s), next = domain::format_utc(next_poll_s);
  const std::string error = clip_error(note);
  const int keep_error = error.empty() ? 1 : 0;
  soci::statement st =
      (s->prepare << "UPDATE status_feeds SET cursor = :cursor, last_polled_at = :polled, last_success_at = :ok, "
                     "consecutive_failures = 0, next_poll_at = :next, "
                     "last_error = CASE WHEN :keep = 1 THEN last_error ELSE :error END "
                     "WHERE client_id = :cid AND next_poll_at = :lease",
       soci::use(cursor, "cursor"), soci::use(now, "polled"), soci::use(now, "ok"), soci::use(next, "next"),
       soci::use(keep_error, "keep"), soci::use(error, "error"), soci::use(client_id, "cid"),
       soci::use(lease, "lease"));
  return affected(st) == 1;
}

std::optional<int> record_feed_failure(Database& db, const std::string& client_id, const std::string& lease,
                                       std::int64_t now_s, const std::string& error, double jitter) {
  auto s = db.acquire();
  const std::string now = domain::format_utc(now_s);
  const std::string text = clip_error(error);
  int failures = 0, interval = 0;
  soci::transaction tx(*s);
  *s << "UPDATE status_feeds SET consecutive_failures = consecutive_failures + 1, last_polled_at = :polled, "
        "last_error = :error WHERE client_id = :cid AND next_poll_at = :lease "
        "RETURNING consecutive_failures, interval_seconds",
      soci::into(failures), soci::into(interval), soci::use(now, "polled"), soci::use(text, "error"),
      soci::use(client_id, "cid"), soci::use(lease, "lease");
  if (!s->got_data()) {
    tx.rollback();
    return std::nullopt;
  }
  const std::string next = domain::format_utc(now_s + feed_retry_delay_seconds(interval, failures, jitter));
  *s << "UPDATE status_feeds SET next_poll_at = :next WHERE client_id = :cid", soci::use(next, "next"),
      soci::use(client_id, "cid");
  tx.commit();
  return failures;
}

std::int64_t feed_retry_delay_seconds(int interval_seconds, int failures, double jitter) {
  double base = std::max(1, interval_seconds);
  // 2^12 already exceeds an hour for the shortest interval: no need to go further.
  for (int i = 0; i < std::min(std::max(failures, 0), 12); ++i) base *= 2;
  base = std::min(base, static_cast<double>(kMaxFeedRetrySeconds));
  const double j = std::clamp(jitter, -1.0, 1.0);
  return std::max<std::int64_t>(1, std::llround(base * (1.0 + 0.1 * j)));
}

}  // namespace au::store
