// Pull adapter of the practices hub: polls the JSON status feeds of back offices that cannot
// push, turns their items into CloudEvents and hands them to the ingest (an injected SubmitFn).
//
// Feed format (published to back-office vendors)
// ----------------------------------------------
// Request:  GET <url>[?|&]cursor=<cursor, percent-encoded>      Accept: application/json
//           The cursor is opaque to the hub: it is the "next_cursor" of the last page handed
//           over, sent back as is. The first poll of a feed carries no cursor parameter.
// Answer:   200, a JSON object of at most 4 MiB:
//   {"items": [ITEM, ...], "next_cursor": "..."}
//   items        array, required: the changes after the cursor, in the order they happened;
//                [] means nothing new. At most 1000 per page (more is a feed error).
//   next_cursor  string of 1..2000 bytes, required when items is not empty: the position
//                after the last item of this page. With no items it may be absent or null
//                (the hub keeps the cursor it sent).
//   While a page is full (1000 items) the hub asks for the next one at once, up to 20 pages
//   per cycle; then it waits for the feed's interval.
// ITEM:
//   id          string of 1..200 bytes, required: unique id of this change in the back office (the
//               hub ignores a change it already has, so a page may be served again)
//   ref         string of 1..200 bytes, required: the back office's practice reference
//   code        string, optional: the back office's own state code ("AT", "SI", "CP", ...)
//   label       string, optional: its label ("Attiva", ...)
//   changed_at  string, required: when it happened, RFC 3339 ("2026-03-02T09:15:00+01:00")
//   type        string, optional, default "stato": stato | protocollata |
//               richiesta-integrazione | integrazione-ricevuta | preavviso-rigetto |
//               osservazioni-ricevute | documento | messaggio | conclusa
//   data        object, optional: the members of that type (domain/practice_projection.h)
//   null counts as absent; other members are ignored.
// Each item becomes the CloudEvent {specversion "1.0", id, source "urn:accesso-unico:feed:" +
// client_id, type "it.umbria.accessounico.pratica." + type, subject ref, time changed_at,
// datacontenttype "application/json", data = data (or {}) with status_code = code and
// status_label = label set when code is present}.
// Anything else (other status, transport error, timeout, body over 4 MiB, not JSON, another
// shape) is a failed poll: the cursor stays, the feed is retried with a growing delay.
//
// Delivery
// --------
// A page goes to the SubmitFn as one batch. 2xx: the cursor moves past the page and is stored.
// 404 (unknown practice) or 422 (invalid, e.g. a code missing from the ente's mapping): the
// items are submitted one by one and those answered 404/422 are skipped (counted, logged,
// noted in last_error); the cursor moves. Any other answer (5xx, 0 = storage trouble, or an
// exception) fails the cycle without moving the cursor; the ingest is idempotent by
// (source, id), so what was already stored is simply ignored on the next try. A malformed item
// (see above) is skipped and counted too: one bad item must not block a feed forever.
//
// Concurrency: each feed is leased in the database before a cycle (store/status_feed_repository.h)
// so one poller at a time polls it, across threads and processes. start() runs poll_due() on a
// background thread every `tick`; stop() returns once the request in flight (at most the HTTP
// timeout) is done. poll_due()/poll_feed() may be called directly (tests, CLI); the SubmitFn
// must be safe to call from the background thread. poll_due() logs database errors and goes on
// with the next feed (a feed whose cycle broke stays leased until the lease ends); poll_feed()
// lets them propagate to its caller.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/cloud_event.h"
#include "store/database.h"
#include "store/status_feed_repository.h"

namespace au::practices {

inline constexpr std::string_view kFeedSourcePrefix = "urn:accesso-unico:feed:";

struct SubmitOutcome {
  int status = 0;  // 2xx ok; 404 unknown practice; 422 invalid; 5xx/0 storage trouble
  std::string detail;
};
using SubmitFn = std::function<SubmitOutcome(const std::string& client_id,
                                             const std::vector<domain::CloudEvent>& events)>;

struct StatusFeedSettings {
  std::chrono::milliseconds http_timeout{10000};
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t page_size = 1000;          // a full page; more items is a feed error (tests use less)
  int max_pages_per_cycle = 20;
  std::chrono::seconds lease{600};        // longer than a whole cycle can take
  std::chrono::milliseconds tick{1000};   // how often the background thread looks for due feeds
};

// One decoded page of a feed.
struct FeedPage {
  nlohmann::json items = nlohmann::json::array();
  std::optional<std::string> next_cursor;  // nullopt: keep the current cursor (empty page only)
};
// Checks the documented shape; false with an Italian `error` otherwise.
bool parse_feed_page(const std::string& body, std::size_t max_items, FeedPage& page, std::string& error);
// One item to its CloudEvent; nullopt with a short Italian `reason` (never the item's values,
// which may be personal data) when the item is malformed.
std::optional<domain::CloudEvent> feed_item_to_event(const std::string& client_id, const nlohmann::json& item,
                                                     std::string& reason);
// url with the cursor parameter appended (none for an empty cursor).
std::string feed_request_url(const std::string& url, const std::string& cursor);

struct FeedPollResult {
  std::string client_id;
  bool polled = false;       // false: not due, unknown, or leased by another poller
  bool ok = false;           // the cycle ended without a failure
  int pages = 0;             // pages fetched
  std::size_t submitted = 0; // events accepted by the ingest
  std::size_t malformed = 0; // items skipped as malformed
  std::size_t rejected = 0;  // items skipped because the ingest answered 404/422
  std::string error;         // why the cycle failed (what went into last_error)
};

class StatusFeedPoller {
 public:
  StatusFeedPoller(store::Database& db, SubmitFn submit, StatusFeedSettings settings = {});
  ~StatusFeedPoller();
  StatusFeedPoller(const StatusFeedPoller&) = delete;
  StatusFeedPoller& operator=(const StatusFeedPoller&) = delete;

  void start();
  void stop();

  // One synchronous cycle over the feeds due at `now`, each leased first.
  std::vector<FeedPollResult> poll_due(std::chrono::system_clock::time_point now);
  // One cycle of one feed if it is due now (a just registered feed is); polled=false otherwise.
  FeedPollResult poll_feed(const std::string& client_id);

 private:
  FeedPollResult poll_one(const store::StatusFeedRecord& feed, std::int64_t now_s);
  bool stopping() const { return stop_.load(); }

  store::Database& db_;
  SubmitFn submit_;
  StatusFeedSettings settings_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace au::practices
