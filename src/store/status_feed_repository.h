// Persistence of the status feeds polled for back offices that cannot push (table status_feeds,
// migrations/0003_practices.sql): one row per back-office client, with the feed URL, the polling
// interval, the opaque cursor reached so far and the health of the last polls.
//
// Contract: each function is one unit of work on its own pooled session. Times are seconds
// since the Unix epoch here and ISO 8601 UTC text in the table (domain::format_utc), so they
// compare as strings. Scheduling and leasing share one column, next_poll_at:
//   - '' (never polled) or <= now: the feed is due;
//   - a poller takes a due feed with lease_status_feed(), a compare-and-set from the value it
//     saw to now + lease: of two pollers (threads or processes) that saw the same value, exactly
//     one gets the feed, the other sees zero affected rows;
//   - every later write of that cycle names the lease (the value it set) and is refused once the
//     feed was taken by someone else (lease expired after a crash or a stall), so a late poller
//     can never move the cursor backwards.
// A feed whose client is revoked (backoffice_clients.revoked_at set) is never due.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace au::store {

inline constexpr int kMinFeedIntervalSeconds = 10;
inline constexpr int kMaxFeedIntervalSeconds = 86400;
inline constexpr std::int64_t kMaxFeedRetrySeconds = 3600;
inline constexpr std::size_t kMaxFeedErrorChars = 300;
inline constexpr std::size_t kMaxFeedUrlChars = 2000;

struct StatusFeedRecord {
  std::string client_id, url;
  int interval_seconds = 0;
  std::string cursor;            // '' before the first successful page
  std::string last_polled_at, last_success_at;
  int consecutive_failures = 0;
  std::string last_error;        // latest problem (failure, or items skipped), <= 300 chars
  std::string next_poll_at;      // '' = due now; otherwise next poll or end of a lease
};

// An absolute http:// or https:// URL with a host, no fragment, no spaces or control
// characters, at most kMaxFeedUrlChars. Only these are ever fetched.
bool valid_feed_url(std::string_view url);

// Registers the feed of a back-office client (due at once), or updates the URL and interval of
// an existing one, keeping its cursor and schedule (a vendor moving host keeps its position; to
// restart from the beginning remove the feed and register it again). Throws
// std::invalid_argument (Italian message) for a bad URL or an interval outside 10..86400 s; the
// database rejects a client_id absent from backoffice_clients (foreign key).
void register_status_feed(Database& db, const std::string& client_id, const std::string& url,
                          int interval_seconds);
// True when a feed was removed.
bool remove_status_feed(Database& db, const std::string& client_id);
std::optional<StatusFeedRecord> find_status_feed(Database& db, const std::string& client_id);
// Every feed, by client_id.
std::vector<StatusFeedRecord> list_status_feeds(Database& db);
// Feeds due at now_s of clients not revoked, the longest waiting first.
std::vector<StatusFeedRecord> due_status_feeds(Database& db, std::int64_t now_s);

// Takes the feed until lease_until_s if next_poll_at still equals seen_next_poll_at. Returns
// the lease token (the stored next_poll_at) to pass to the writes below, nullopt when another
// poller changed the row first.
std::optional<std::string> lease_status_feed(Database& db, const std::string& client_id,
                                             const std::string& seen_next_poll_at, std::int64_t lease_until_s);
// Persists the cursor after a page was handed over, while the lease is held. False: lease lost.
bool save_feed_cursor(Database& db, const std::string& client_id, const std::string& lease,
                      const std::string& cursor);
// End of a good cycle: cursor, last_polled_at = last_success_at = now, failures 0, next poll
// at next_poll_s. `note` (items skipped during the cycle) replaces last_error when not empty;
// otherwise last_error keeps the previous problem for the operators. False: lease lost.
bool record_feed_success(Database& db, const std::string& client_id, const std::string& lease,
                         const std::string& cursor, std::int64_t now_s, std::int64_t next_poll_s,
                         const std::string& note);
// A failed cycle: the cursor is not touched, consecutive_failures + 1, last_error (cut to 300
// characters), next poll after feed_retry_delay_seconds(). jitter in [-1, 1] (random, from the
// caller). Returns the new number of consecutive failures, nullopt when the lease was lost.
std::optional<int> record_feed_failure(Database& db, const std::string& client_id, const std::string& lease,
                                       std::int64_t now_s, const std::string& error, double jitter);

// min(interval * 2^failures, 1 h), then +-10 % scaled by jitter in [-1, 1]; at least 1 s.
std::int64_t feed_retry_delay_seconds(int interval_seconds, int failures, double jitter);

}  // namespace au::store
