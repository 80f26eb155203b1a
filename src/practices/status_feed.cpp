#include "practices/status_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <random>

#include "web/http.h"
#include "web/http_client.h"

namespace au::practices {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxIdChars = 200;
constexpr std::size_t kMaxCursorChars = 2000;

constexpr std::array<std::string_view, 9> kFeedTypes = {
    "stato", "protocollata", "richiesta-integrazione", "integrazione-ricevuta", "preavviso-rigetto",
    "osservazioni-ricevute", "documento", "messaggio", "conclusa"};

bool absent(const json& item, const char* key) {
  auto it = item.find(key);
  return it == item.end() || it->is_null();
}

// A required string of 1..max characters.
const std::string* short_text(const json& item, const char* key, std::size_t max) {
  auto it = item.find(key);
  if (it == item.end() || !it->is_string()) return nullptr;
  const auto& s = it->get_ref<const std::string&>();
  return s.empty() || s.size() > max ? nullptr : &s;
}

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

double random_jitter() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
}

bool accepted(int status) { return status >= 200 && status < 300; }
bool rejected(int status) { return status == 404 || status == 422; }

// A SubmitFn that throws is storage trouble, not a reason to lose the poller thread.
SubmitOutcome submit_safely(const SubmitFn& submit, const std::string& client_id,
                            const std::vector<domain::CloudEvent>& events) {
  try {
    return submit(client_id, events);
  } catch (const std::exception& e) {
    return {0, e.what()};
  }
}

std::string outcome_text(const SubmitOutcome& o) {
  return std::to_string(o.status) + (o.detail.empty() ? "" : " " + o.detail);
}

// Fetches one page; false with an Italian error when the poll failed.
bool fetch_page(const std::string& url, const std::string& cursor, const StatusFeedSettings& settings,
                FeedPage& page, std::string& error) {
  if (!store::valid_feed_url(url)) {
    error = "URL del feed non consentito (solo http e https)";
    return false;
  }
  web::OutboundRequest req;
  req.url = feed_request_url(url, cursor);
  req.headers = {{"Accept", "application/json"}};
  req.timeout_ms = static_cast<long>(settings.http_timeout.count());
  req.max_body_bytes = settings.max_body_bytes;
  const web::OutboundResponse res = web::http_send(req);
  if (res.truncated) {
    error = "risposta del feed oltre " + std::to_string(settings.max_body_bytes) + " byte";
    return false;
  }
  if (res.status == 0) {
    error = "feed non raggiungibile: " + res.error;
    return false;
  }
  if (res.status != 200) {
    error = "il feed ha risposto HTTP " + std::to_string(res.status);
    return false;
  }
  return parse_feed_page(res.body, settings.page_size, page, error);
}

}  // namespace

bool parse_feed_page(const std::string& body, std::size_t max_items, FeedPage& page, std::string& error) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    error = "risposta del feed non JSON";
    return false;
  }
  if (!doc.is_object() || !doc.contains("items") || !doc["items"].is_array()) {
    error = "risposta del feed senza l'array items";
    return false;
  }
  if (doc["items"].size() > max_items) {
    error = "pagina del feed con più di " + std::to_string(max_items) + " elementi";
    return false;
  }
  page.items = std::move(doc["items"]);
  page.next_cursor.reset();
  auto next = doc.find("next_cursor");
  if (next != doc.end() && !next->is_null()) {
    if (!next->is_string() || next->get_ref<const std::string&>().empty() ||
        next->get_ref<const std::string&>().size() > kMaxCursorChars) {
      error = "next_cursor del feed non valido";
      return false;
    }
    page.next_cursor = next->get<std::string>();
  }
  if (!page.items.empty() && !page.next_cursor) {
    error = "pagina del feed con elementi ma senza next_cursor";
    return false;
  }
  return true;
}

std::optional<domain::CloudEvent> feed_item_to_event(const std::string& client_id, const json& item,
                                                     std::string& reason) {
  if (!item.is_object()) {
    reason = "l'elemento non è un oggetto JSON";
    return std::nullopt;
  }
  const std::string* id = short_text(item, "id", kMaxIdChars);
  const std::string* ref = short_text(item, "ref", kMaxIdChars);
  const std::string* changed_at = short_text(item, "changed_at", 64);
  if (!id) reason = "id mancante o non valido";
  else if (!ref) reason = "ref mancante o non valido";
  else if (!changed_at || !domain::rfc3339_to_epoch_millis(*changed_at)) reason = "changed_at mancante o non RFC 3339";
  else if (!absent(item, "code") && !short_text(item, "code", kMaxIdChars)) reason = "code non valido";
  else if (!absent(item, "label") && !item["label"].is_string()) reason = "label non valida";
  else if (!absent(item, "data") && !item["data"].is_object()) reason = "data non è un oggetto JSON";
  if (!reason.empty()) return std::nullopt;

  std::string type = "stato";
  if (!absent(item, "type")) {
    const json& t = item["type"];
    if (!t.is_string() || std::find(kFeedTypes.begin(), kFeedTypes.end(), t.get_ref<const std::string&>()) ==
                              kFeedTypes.end()) {
      reason = "type sconosciuto";
      return std::nullopt;
    }
    type = t.get<std::string>();
  }

  domain::CloudEvent ev;
  ev.specversion = "1.0";
  ev.id = *id;
  ev.source = std::string(kFeedSourcePrefix) + client_id;
  ev.type = "it.umbria.accessounico.pratica." + type;
  ev.subject = *ref;
  ev.time = *changed_at;
  ev.datacontenttype = "application/json";
  ev.data = absent(item, "data") ? json::object() : item["data"];
  ev.extensions = json::object();
  // The item's own state wins over the same members inside data.
  if (!absent(item, "code")) {
    ev.data["status_code"] = item["code"];
    if (!absent(item, "label")) ev.data["status_label"] = item["label"];
  }
  return ev;
}

std::string feed_request_url(const std::string& url, const std::string& cursor) {
  if (cursor.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "cursor=" + web::percent_encode(cursor);
}

StatusFeedPoller::StatusFeedPoller(store::Database& db, SubmitFn submit, StatusFeedSettings settings)
    : db_(db), submit_(std::move(submit)), settings_(std::move(settings)) {}

StatusFeedPoller::~StatusFeedPoller() { stop(); }

void StatusFeedPoller::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_.load()) {
      lock.unlock();
      poll_due(std::chrono::system_clock::now());
      lock.lock();
      wake_.wait_for(lock, settings_.tick, [this] { return stop_.load(); });
    }
  });
}

void StatusFeedPoller::stop() {
  std::thread t;
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stop_.store(true);
    t = std::move(thread_);
  }
  wake_.notify_all();
  t.join();
  stop_.store(false);  // direct poll_due() calls after a stop run whole cycles again
}

std::vector<FeedPollResult> StatusFeedPoller::poll_due(std::chrono::system_clock::time_point now) {
  const std::int64_t now_s = epoch_seconds(now);
  std::vector<FeedPollResult> out;
  std::vector<store::StatusFeedRecord> due;
  try {
    due = store::due_status_feeds(db_, now_s);
  } catch (const std::exception& e) {
    spdlog::error("practices: cannot list the due status feeds: {}", e.what());
    return out;
  }
  for (const auto& feed : due) {
    if (stopping()) break;
    try {
      out.push_back(poll_one(feed, now_s));
    } catch (const std::exception& e) {
      // The lease stays until it expires: the feed is retried then, from its stored cursor.
      spdlog::error("practices: status feed {}: cycle aborted: {}", feed.client_id, e.what());
      FeedPollResult r;
      r.client_id = feed.client_id;
      r.error = e.what();
      out.push_back(std::move(r));
    }
  }
  return out;
}

FeedPollResult StatusFeedPoller::poll_feed(const std::string& client_id) {
  const std::int64_t now_s = epoch_seconds(std::chrono::system_clock::now());
  for (const auto& feed : store::due_status_feeds(db_, now_s))
    if (feed.client_id == client_id) return poll_one(feed, now_s);
  FeedPollResult r;
  r.client_id = client_id;
  return r;
}

FeedPollResult StatusFeedPoller::poll_one(const store::StatusFeedRecord& feed, std::int64_t now_s) {
  FeedPollResult result;
  result.client_id = feed.client_id;
  const auto lease = store::lease_status_feed(db_, feed.client_id, feed.next_poll_at, now_s + settings_.lease.count());
  if (!lease) return result;  // another poller took it first
  result.polled = true;
  const std::string& cid = feed.client_id;
  std::string cursor = feed.cursor, note;

  auto skip = [&](const std::string& what) {
    note = std::to_string(result.malformed + result.rejected) + " elementi scartati; l'ultimo: " + what;
  };
  auto fail = [&](const std::string& error) {
    result.error = error;
    auto failures = store::record_feed_failure(db_, cid, *lease, now_s, error, random_jitter());
    spdlog::warn("practices: status feed {}: poll failed ({} in a row): {}", cid, failures.value_or(0), error);
    return result;
  };

  bool backlog = false;
  while (true) {
    FeedPage page;
    std::string error;
    if (!fetch_page(feed.url, cursor, settings_, page, error)) return fail(error);
    ++result.pages;
    const std::string where = "pagina " + std::to_string(result.pages) + ", elemento ";

    std::vector<domain::CloudEvent> events;
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i != page.items.size(); ++i) {
      std::string reason;
      if (auto ev = feed_item_to_event(cid, page.items[i], reason)) {
        events.push_back(std::move(*ev));
        positions.push_back(i);
      } else {
        ++result.malformed;
        spdlog::warn("practices: status feed {}: skipped malformed item {} of page {}: {}", cid, i, result.pages,
                     reason);
        skip(where + std::to_string(i) + " malformato: " + reason);
      }
    }

    if (!events.empty()) {
      const SubmitOutcome batch = submit_safely(submit_, cid, events);
      if (accepted(batch.status)) {
        result.submitted += events.size();
      } else if (rejected(batch.status)) {
        // Find out which items the ingest refuses; the others go in one at a time.
        for (std::size_t k = 0; k != events.size(); ++k) {
          const SubmitOutcome one = submit_safely(submit_, cid, {events[k]});
          if (accepted(one.status)) {
            ++result.submitted;
          } else if (rejected(one.status)) {
            ++result.rejected;
            spdlog::warn("practices: status feed {}: item {} of page {} refused by the ingest: {}", cid,
                         positions[k], result.pages, outcome_text(one));
            skip(where + std::to_string(positions[k]) + " (id " + events[k].id + ") rifiutato: " + outcome_text(one));
          } else {
            return fail("consegna all'archivio non riuscita: " + outcome_text(one));
          }
        }
      } else {
        return fail("consegna all'archivio non riuscita: " + outcome_text(batch));
      }
    }

    const std::string previous = cursor;
    if (page.next_cursor) cursor = *page.next_cursor;
    if (cursor != previous && !store::save_feed_cursor(db_, cid, *lease, cursor)) {
      spdlog::warn("practices: status feed {}: lease lost, another poller continues", cid);
      result.error = "lease perso";
      return result;
    }
    const bool full = page.items.size() >= settings_.page_size && cursor != previous;
    if (!full) break;
    if (result.pages >= settings_.max_pages_per_cycle || stopping()) {
      backlog = true;  // more pages wait: due again at once rather than after the interval
      break;
    }
  }

  const std::int64_t next = backlog ? now_s : now_s + feed.interval_seconds;
  if (!store::record_feed_success(db_, cid, *lease, cursor, now_s, next, note)) {
    result.error = "lease perso";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace au::practices
