// The status-feed poller against a real local HTTP server serving a VBG-like feed (codes AT,
// SI, CP) across pages with opaque cursors, on the engine under test: exact CloudEvents, the
// cursor kept across restarts, failures with growing backoff and recovery, items refused by the
// ingest, storage trouble, two pollers sharing one database, and the feed format itself.
#include "practices/status_feed.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../support/db_fixture.h"
#include "domain/utc_time.h"
#include "store/status_feed_repository.h"
#include "web/server.h"

namespace au::practices {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const std::string kClient = "vbg-perugia";
const std::string kSource = "urn:accesso-unico:feed:vbg-perugia";
const std::int64_t kT0 = *domain::parse_utc("2026-03-02T09:00:00Z");

Clock::time_point at(std::int64_t offset) { return Clock::from_time_t(static_cast<std::time_t>(kT0 + offset)); }
std::int64_t secs(const std::string& iso) { return *domain::parse_utc(iso); }
// Opaque on purpose: spaces, '&', '+' and '=' must survive the round trip through the query.
std::string cursor_at(std::size_t pos) { return "pos " + std::to_string(pos) + " &k=+/"; }

json item(const std::string& id, const std::string& ref, const std::string& code, const std::string& label,
          const std::string& type = "", json data = nullptr) {
  json j = {{"id", id}, {"ref", ref}, {"changed_at", "2026-03-01T0" + id.substr(1, 1) + ":00:00+01:00"}};
  if (!code.empty()) j["code"] = code;
  if (!label.empty()) j["label"] = label;
  if (!type.empty()) j["type"] = type;
  if (!data.is_null()) j["data"] = data;
  return j;
}

// Seven changes of three SUAPE practices, as a VBG back office of one comune reports them.
std::vector<json> vbg_changes() {
  return {item("E1", "SUAPE/2026/000123", "AT", "Attiva", "protocollata",
               {{"protocol_number", "PG-4521"}, {"protocol_date", "2026-03-01"}}),
          item("E2", "SUAPE/2026/000123", "SI", "Sospesa integrazione", "richiesta-integrazione",
               {{"request_id", "RI-1"}, {"description", "Planimetria"}, {"due_days", 30}}),
          item("E3", "SUAPE/2026/000123", "AT", "Attiva", "integrazione-ricevuta", {{"request_id", "RI-1"}}),
          item("E4", "SUAPE/2026/000124", "AT", "Attiva"),
          item("E5", "SUAPE/2026/000124", "SI", "Sospesa integrazione", "stato", {{"status_code", "XX"}}),
          item("E6", "SUAPE/2026/000123", "CP", "Chiusa positivamente", "conclusa", {{"esito", "positivo"}}),
          item("E7", "SUAPE/2026/000125", "", "", "messaggio", {{"text", "Pratica presa in carico"}})};
}

// What the poller must make of a change, written out independently of the code under test.
void expect_event(const domain::CloudEvent& e, const json& change) {
  SCOPED_TRACE(change.dump());
  EXPECT_EQ(e.specversion, "1.0");
  EXPECT_EQ(e.id, change["id"]);
  EXPECT_EQ(e.source, kSource);
  EXPECT_EQ(e.type, "it.umbria.accessounico.pratica." + change.value("type", std::string("stato")));
  EXPECT_EQ(e.subject, change["ref"]);
  EXPECT_EQ(e.time, change["changed_at"]);
  EXPECT_EQ(e.datacontenttype, "application/json");
  EXPECT_TRUE(e.dataschema.empty());
  json data = change.value("data", json::object());
  if (change.contains("code")) {
    data["status_code"] = change["code"];
    data["status_label"] = change["label"];
  }
  EXPECT_EQ(e.data, data);
  EXPECT_EQ(e.extensions, json::object());
}

// The back office: serves `changes` page by page; the mode simulates its bad days.
class FeedServer {
 public:
  enum class Mode { Ok, Error500, Garbage, Slow, Huge, TooMany };
  FeedServer() { listen(0); }
  ~FeedServer() { shutdown(); }
  void listen(unsigned short port) {
    web::ServerOptions opt;
    opt.port = port;
    opt.threads = 4;
    server_ = std::make_unique<web::Server>(opt, [this](const web::Request& r) { return handle(r); });
    server_->start();
    port_ = server_->port();
  }
  void shutdown() {
    set_mode(Mode::Ok);  // releases a held request before the server waits for it
    if (server_) server_->stop();
    server_.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/vbg/feed?comune=054039"; }
  unsigned short port() const { return port_; }
  void set_mode(Mode m) {
    std::lock_guard lock(m_);
    mode_ = m;
    cv_.notify_all();
  }
  void add(json change) { std::lock_guard lock(m_); changes_.push_back(std::move(change)); }
  std::vector<std::string> cursors() { std::lock_guard lock(m_); return cursors_; }  // "" = none
  std::size_t page_size = 3;
  std::chrono::milliseconds delay{0};

 private:
  web::Response handle(const web::Request& r) {
    std::vector<web::QueryParam> params;
    std::string cursor, comune;
    if (!web::parse_query(r.query, params)) return web::Response(400, "text/plain", "bad query");
    for (const auto& p : params) (p.key == "cursor" ? cursor : comune) = p.value;
    std::unique_lock lock(m_);
    cursors_.push_back(cursor);
    if (comune != "054039" || r.header("Accept") != "application/json") return web::Response(400, "text/plain", "?");
    if (delay.count() > 0) {
      lock.unlock();
      std::this_thread::sleep_for(delay);
      lock.lock();
    }
    if (mode_ == Mode::Slow) cv_.wait_for(lock, std::chrono::seconds(10), [this] { return mode_ != Mode::Slow; });
    if (mode_ == Mode::Error500) return web::Response(500, "text/plain", "errore interno");
    if (mode_ == Mode::Garbage) return web::Response(200, "application/json", "{\"items\": [ <html>");
    if (mode_ == Mode::Huge) return web::Response(200, "application/json", std::string(5 << 20, ' ') + "{}");
    std::size_t pos = 0;
    while (!cursor.empty() && cursor_at(pos) != cursor)
      if (++pos > changes_.size()) return web::Response(400, "text/plain", "cursore sconosciuto");
    const std::size_t n = mode_ == Mode::TooMany ? page_size + 1 : std::min(page_size, changes_.size() - pos);
    json page = {{"items", json::array()}, {"next_cursor", cursor_at(pos + n)}};
    for (std::size_t i = 0; i != n; ++i) page["items"].push_back(changes_[std::min(pos + i, changes_.size() - 1)]);
    return web::Response(200, "application/json", page.dump());
  }

  std::unique_ptr<web::Server> server_;
  unsigned short port_ = 0;
  std::mutex m_;
  std::condition_variable cv_;
  Mode mode_ = Mode::Ok;
  std::vector<json> changes_;
  std::vector<std::string> cursors_;
};

// The ingest as the poller sees it: idempotent by (source, id), a batch is all or nothing.
class FakeIngest {
 public:
  SubmitFn fn() {
    return [this](const std::string& client, const std::vector<domain::CloudEvent>& events) {
      std::lock_guard lock(m_);
      EXPECT_EQ(client, kClient);
      calls.push_back(events);
      if (down) return SubmitOutcome{down, "archivio non disponibile"};
      for (const auto& e : events)
        if (refuse.count(e.id)) return SubmitOutcome{refuse[e.id], "evento " + e.id + " non accettato"};
      for (const auto& e : events)
        if (ids_.insert(e.source + " " + e.id).second) stored.push_back(e);
      return SubmitOutcome{202, ""};
    };
  }
  std::vector<std::string> stored_ids() {
    std::lock_guard lock(m_);
    std::vector<std::string> out;
    for (const auto& e : stored) out.push_back(e.id);
    return out;
  }
  std::size_t submitted_events() { std::size_t n = 0; for (const auto& c : calls) n += c.size(); return n; }
  std::map<std::string, int> refuse;
  int down = 0;
  std::vector<std::vector<domain::CloudEvent>> calls;
  std::vector<domain::CloudEvent> stored;

 private:
  std::mutex m_;
  std::set<std::string> ids_;
};

class StatusFeedTest : public testing_support::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto s = db_->acquire();
    // Named values: SOCI binds by reference and runs the statement at the end of the expression.
    const std::string ente = "comune-054039", name = "VBG SUAPE", system = "VBG", keys = R"({"keys": []})",
                      mapping = R"({"AT": {"vbg_behaviour": 0}, "SI": "sospeso-utente", "CP": {"vbg_behaviour": 1}})",
                      created = "2026-01-01T00:00:00Z";
    for (const std::string& cid : {kClient, std::string("vbg-terni")})
      *s << "INSERT INTO backoffice_clients (client_id, ente_id, name, system, keys_json, status_mapping, "
            "created_at, updated_at) VALUES (:cid, :ente, :name, :system, :keys, :mapping, :created, :updated)",
          soci::use(cid, "cid"), soci::use(ente, "ente"), soci::use(name, "name"), soci::use(system, "system"),
          soci::use(keys, "keys"), soci::use(mapping, "mapping"), soci::use(created, "created"),
          soci::use(created, "updated");
  }
  store::StatusFeedRecord feed() { return *store::find_status_feed(*db_, kClient); }
  StatusFeedSettings settings(std::size_t page_size = 3) {
    StatusFeedSettings s;
    s.page_size = page_size;
    s.http_timeout = std::chrono::milliseconds(400);
    s.tick = std::chrono::milliseconds(50);
    return s;
  }
  void serve(FeedServer& server, const std::vector<json>& changes, int interval = 60) {
    for (const auto& c : changes) server.add(c);
    store::register_status_feed(*db_, kClient, server.url(), interval);
  }
};

TEST(StatusFeedFormat, ItemBecomesTheDocumentedCloudEvent) {
  for (const auto& change : vbg_changes()) {
    std::string reason;
    auto ev = feed_item_to_event(kClient, change, reason);
    ASSERT_TRUE(ev) << reason;
    expect_event(*ev, change);
  }
  // The item's own state code wins over one inside data; null members count as absent.
  std::string reason;
  auto ev = feed_item_to_event(kClient, json::parse(R"({"id": "X", "ref": "R", "code": "AT", "label": null,
      "type": null, "data": {"status_code": "ZZ"}, "changed_at": "2026-03-01T10:00:00.5Z", "extra": 1})"), reason);
  ASSERT_TRUE(ev) << reason;
  EXPECT_EQ(ev->type, "it.umbria.accessounico.pratica.stato");
  EXPECT_EQ(ev->data, json({{"status_code", "AT"}}));
  EXPECT_EQ(ev->time, "2026-03-01T10:00:00.5Z");
}

TEST(StatusFeedFormat, MalformedItemsAreNamedWithoutTheirValues) {
  const json good = item("E1", "RSSMRA85T10A562S", "AT", "Attiva");
  auto with = [&](const char* key, json value) { json j = good; j[key] = std::move(value); return j; };
  auto without = [&](const char* key) { json j = good; j.erase(key); return j; };
  for (const json& bad : {json("E1"), json::array(), without("id"), with("id", ""), with("id", 7), without("ref"),
                          with("ref", json::object()), without("changed_at"), with("changed_at", "2026-03-01 10:00"),
                          with("changed_at", "2026-02-30T10:00:00Z"), with("code", 12), with("code", ""),
                          with("label", false), with("type", "aperta"), with("type", "STATO"),
                          with("data", json::array({1})), with("data", "testo"), with("id", std::string(201, 'x'))}) {
    std::string reason;
    EXPECT_FALSE(feed_item_to_event(kClient, bad, reason)) << bad.dump();
    EXPECT_FALSE(reason.empty());
    EXPECT_EQ(reason.find("RSSMRA85T10A562S"), std::string::npos);
  }
}

TEST(StatusFeedFormat, PagesOfTheDocumentedShapeOnly) {
  FeedPage page;
  std::string error;
  EXPECT_TRUE(parse_feed_page(R"({"items": [], "next_cursor": null})", 3, page, error));
  EXPECT_FALSE(page.next_cursor);
  EXPECT_TRUE(parse_feed_page(R"({"items": [{"id": "a"}, 1], "next_cursor": "c2"})", 3, page, error));
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_cursor, "c2");
  for (const char* body : {"", "[]", "<html>", R"({"items": {}})", R"({"next_cursor": "c"})",
                           R"({"items": [1, 2, 3, 4], "next_cursor": "c"})", R"({"items": [1]})",
                           R"({"items": [1], "next_cursor": ""})", R"({"items": [], "next_cursor": 5})"}) {
    error.clear();
    EXPECT_FALSE(parse_feed_page(body, 3, page, error)) << body;
    EXPECT_FALSE(error.empty());
  }
  EXPECT_EQ(feed_request_url("https://bo.example/feed", ""), "https://bo.example/feed");
  EXPECT_EQ(feed_request_url("https://bo.example/feed", "a b&c"), "https://bo.example/feed?cursor=a%20b%26c");
  EXPECT_EQ(feed_request_url("https://bo.example/feed?x=1", "+"), "https://bo.example/feed?x=1&cursor=%2B");
}

TEST_F(StatusFeedTest, RepositoryRegistersUpdatesAndValidates) {
  store::register_status_feed(*db_, kClient, "https://vbg.example/feed", 300);
  auto f = feed();
  EXPECT_EQ(f.url, "https://vbg.example/feed");
  EXPECT_EQ(f.interval_seconds, 300);
  EXPECT_EQ(f.cursor, "");
  EXPECT_EQ(f.next_poll_at, "");
  for (const char* url : {"ftp://vbg.example/feed", "file:///etc/passwd", "javascript:alert(1)", "http://",
                          "https://user:pw@vbg.example/", "https://vbg.example/feed#x", "https://vbg .example/",
                          "vbg.example/feed", "http://:80/"})
    EXPECT_THROW(store::register_status_feed(*db_, kClient, url, 300), std::invalid_argument) << url;
  EXPECT_THROW(store::register_status_feed(*db_, kClient, "https://vbg.example/feed", 9), std::invalid_argument);
  EXPECT_THROW(store::register_status_feed(*db_, kClient, "https://vbg.example/feed", 86401), std::invalid_argument);
  EXPECT_ANY_THROW(store::register_status_feed(*db_, "nessuno", "https://vbg.example/feed", 60));  // foreign key

  // An update keeps the position reached (a vendor moving host), the schedule too.
  auto lease = store::lease_status_feed(*db_, kClient, "", kT0 + 600);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(store::record_feed_success(*db_, kClient, *lease, "c-42", kT0, kT0 + 300, ""));
  store::register_status_feed(*db_, kClient, "HTTPS://nuovo.example:8443/feed?x=1", 86400);
  f = feed();
  EXPECT_EQ(f.url, "HTTPS://nuovo.example:8443/feed?x=1");
  EXPECT_EQ(f.interval_seconds, 86400);
  EXPECT_EQ(f.cursor, "c-42");
  EXPECT_EQ(f.next_poll_at, domain::format_utc(kT0 + 300));

  store::register_status_feed(*db_, "vbg-terni", "http://terni.example/feed", 10);
  auto all = store::list_status_feeds(*db_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].client_id, kClient);
  EXPECT_EQ(all[1].client_id, "vbg-terni");
  EXPECT_TRUE(store::remove_status_feed(*db_, "vbg-terni"));
  EXPECT_FALSE(store::remove_status_feed(*db_, "vbg-terni"));
  EXPECT_EQ(store::list_status_feeds(*db_).size(), 1u);
}

TEST_F(StatusFeedTest, RepositoryLeasesAndRecordsOutcomes) {
  store::register_status_feed(*db_, kClient, "https://vbg.example/feed", 60);
  ASSERT_EQ(store::due_status_feeds(*db_, kT0).size(), 1u);
  auto lease = store::lease_status_feed(*db_, kClient, "", kT0 + 600);
  ASSERT_TRUE(lease);
  EXPECT_FALSE(store::lease_status_feed(*db_, kClient, "", kT0 + 600));  // the other poller loses
  EXPECT_TRUE(store::due_status_feeds(*db_, kT0 + 599).empty());
  EXPECT_FALSE(store::save_feed_cursor(*db_, kClient, "2000-01-01T00:00:00Z", "c1"));
  EXPECT_TRUE(store::save_feed_cursor(*db_, kClient, *lease, "c1"));

  // Errors are cut to 300 characters of valid UTF-8, whatever the remote side sent.
  std::string long_error;
  for (int i = 0; i != 200; ++i) long_error += "è\n";
  EXPECT_EQ(store::record_feed_failure(*db_, kClient, *lease, kT0, long_error + "\xff", 1.0), 1);
  auto f = feed();
  EXPECT_EQ(f.consecutive_failures, 1);
  EXPECT_EQ(f.cursor, "c1");
  EXPECT_EQ(f.last_polled_at, domain::format_utc(kT0));
  EXPECT_EQ(f.last_error.substr(0, 3), "è?");
  EXPECT_EQ(f.last_error.size(), 450u);  // 300 characters
  EXPECT_EQ(f.next_poll_at, domain::format_utc(kT0 + 132));  // 60 * 2 + 10 %
  EXPECT_FALSE(store::record_feed_failure(*db_, kClient, *lease, kT0, "lease scaduto", 0));

  lease = store::lease_status_feed(*db_, kClient, f.next_poll_at, kT0 + 1000);
  ASSERT_TRUE(lease);
  EXPECT_TRUE(store::record_feed_success(*db_, kClient, *lease, "c2", kT0 + 200, kT0 + 260, ""));
  f = feed();
  EXPECT_EQ(f.cursor, "c2");
  EXPECT_EQ(f.consecutive_failures, 0);
  EXPECT_EQ(f.last_success_at, domain::format_utc(kT0 + 200));
  EXPECT_EQ(f.next_poll_at, domain::format_utc(kT0 + 260));
  EXPECT_EQ(f.last_error.substr(0, 3), "è?");  // kept for the operators until a new problem

  // A revoked back-office client is not polled any more.
  EXPECT_EQ(store::due_status_feeds(*db_, kT0 + 260).size(), 1u);
  const std::string revoked = "2026-03-02T09:00:00Z";
  *db_->acquire() << "UPDATE backoffice_clients SET revoked_at = :at WHERE client_id = :cid", soci::use(revoked, "at"),
      soci::use(kClient, "cid");
  EXPECT_TRUE(store::due_status_feeds(*db_, kT0 + 260).empty());

  EXPECT_EQ(store::feed_retry_delay_seconds(10, 1, 0), 20);
  EXPECT_EQ(store::feed_retry_delay_seconds(10, 3, 0), 80);
  EXPECT_EQ(store::feed_retry_delay_seconds(10, 3, -1), 72);
  EXPECT_EQ(store::feed_retry_delay_seconds(600, 4, 0), 3600);
  EXPECT_EQ(store::feed_retry_delay_seconds(600, 1000, 1), 3960);
  EXPECT_EQ(store::feed_retry_delay_seconds(86400, 1, -1), 3240);
}

TEST_F(StatusFeedTest, PollsEveryPageAndSubmitsExactEvents) {
  FeedServer server;
  FakeIngest ingest;
  serve(server, vbg_changes(), 120);
  StatusFeedPoller poller(*db_, ingest.fn(), settings());
  auto results = poller.poll_due(at(0));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].polled);
  EXPECT_TRUE(results[0].ok) << results[0].error;
  EXPECT_EQ(results[0].pages, 3);
  EXPECT_EQ(results[0].submitted, 7u);
  EXPECT_EQ(server.cursors(), (std::vector<std::string>{"", cursor_at(3), cursor_at(6)}));
  ASSERT_EQ(ingest.calls.size(), 3u);  // one batch per page
  EXPECT_EQ(ingest.calls[0].size(), 3u);
  EXPECT_EQ(ingest.calls[2].size(), 1u);
  const auto changes = vbg_changes();
  ASSERT_EQ(ingest.stored.size(), changes.size());
  for (std::size_t i = 0; i != changes.size(); ++i) expect_event(ingest.stored[i], changes[i]);

  const auto f = feed();
  EXPECT_EQ(f.cursor, cursor_at(7));
  EXPECT_EQ(f.last_success_at, domain::format_utc(kT0));
  EXPECT_EQ(f.next_poll_at, domain::format_utc(kT0 + 120));
  EXPECT_EQ(f.consecutive_failures, 0);
  EXPECT_EQ(f.last_error, "");
  // Not due before its interval.
  EXPECT_TRUE(poller.poll_due(at(119)).empty());
  EXPECT_EQ(server.cursors().size(), 3u);
}

TEST_F(StatusFeedTest, CursorSurvivesARestart) {
  FeedServer server;
  FakeIngest ingest;
  auto changes = vbg_changes();
  serve(server, {changes.begin(), changes.begin() + 4}, 60);
  {
    StatusFeedPoller poller(*db_, ingest.fn(), settings());
    ASSERT_TRUE(poller.poll_due(at(0)).at(0).ok);
  }
  EXPECT_EQ(feed().cursor, cursor_at(4));
  for (std::size_t i = 4; i != changes.size(); ++i) server.add(changes[i]);
  StatusFeedPoller restarted(*db_, ingest.fn(), settings());
  auto r = restarted.poll_due(at(60));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].ok);
  EXPECT_EQ(r[0].submitted, 3u);
  EXPECT_EQ(server.cursors(), (std::vector<std::string>{"", cursor_at(3), cursor_at(4), cursor_at(7)}));
  EXPECT_EQ(ingest.stored_ids(), (std::vector<std::string>{"E1", "E2", "E3", "E4", "E5", "E6", "E7"}));
  EXPECT_EQ(ingest.submitted_events(), 7u);  // nothing sent twice
  EXPECT_EQ(feed().cursor, cursor_at(7));
}

TEST_F(StatusFeedTest, FailingFeedBacksOffThenResumesFromItsCursor) {
  FeedServer server;
  FakeIngest ingest;
  auto changes = vbg_changes();
  serve(server, {changes.begin(), changes.begin() + 4}, 10);
  StatusFeedPoller poller(*db_, ingest.fn(), settings());
  ASSERT_TRUE(poller.poll_due(at(0)).at(0).ok);
  for (std::size_t i = 4; i != changes.size(); ++i) server.add(changes[i]);

  std::int64_t now = 10, previous_delay = 10;
  auto fail_once = [&](const std::string& expected_error, int failures) {
    SCOPED_TRACE(expected_error);
    auto r = poller.poll_due(at(now));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].polled);
    EXPECT_FALSE(r[0].ok);
    const auto f = feed();
    EXPECT_EQ(f.cursor, cursor_at(4));
    EXPECT_EQ(f.consecutive_failures, failures);
    EXPECT_NE(f.last_error.find(expected_error), std::string::npos) << f.last_error;
    const std::int64_t delay = secs(f.next_poll_at) - (kT0 + now);
    const std::int64_t base = 10LL << failures;
    EXPECT_GE(delay, base * 9 / 10);
    EXPECT_LE(delay, base * 11 / 10);
    EXPECT_GT(delay, previous_delay);
    previous_delay = delay;
    EXPECT_TRUE(poller.poll_due(at(now + delay - 1)).empty());  // backing off: not polled early
    now += delay;
  };
  server.set_mode(FeedServer::Mode::Error500);
  fail_once("HTTP 500", 1);
  server.set_mode(FeedServer::Mode::Garbage);
  fail_once("non JSON", 2);
  const unsigned short port = server.port();
  server.shutdown();
  fail_once("non raggiungibile", 3);  // connection refused
  server.listen(port);
  server.set_mode(FeedServer::Mode::Slow);
  const auto started = std::chrono::steady_clock::now();
  fail_once("non raggiungibile", 4);  // timeout
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(ingest.calls.size() == 2u);  // nothing handed over while failing

  server.set_mode(FeedServer::Mode::Ok);
  auto r = poller.poll_due(at(now));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].ok) << r[0].error;
  EXPECT_EQ(r[0].submitted, 3u);
  EXPECT_EQ(ingest.stored_ids(), (std::vector<std::string>{"E1", "E2", "E3", "E4", "E5", "E6", "E7"}));
  EXPECT_EQ(ingest.submitted_events(), 7u);
  const auto f = feed();
  EXPECT_EQ(f.cursor, cursor_at(7));
  EXPECT_EQ(f.consecutive_failures, 0);
  EXPECT_EQ(f.next_poll_at, domain::format_utc(kT0 + now + 10));
  const auto cursors = server.cursors();  // resumed where it stopped, then the empty page after it
  ASSERT_GE(cursors.size(), 2u);
  EXPECT_EQ(cursors[cursors.size() - 2], cursor_at(4));
  EXPECT_EQ(cursors.back(), cursor_at(7));
}

TEST_F(StatusFeedTest, ItemsRefusedByTheIngestAreSkippedOthersDelivered) {
  FeedServer server;
  server.page_size = 10;
  FakeIngest ingest;
  ingest.refuse = {{"E2", 422}, {"E3", 404}};
  auto changes = vbg_changes();
  json malformed = changes[4];
  malformed.erase("ref");
  serve(server, {changes[0], changes[1], malformed, changes[2], changes[3]});
  StatusFeedPoller poller(*db_, ingest.fn(), settings(10));
  auto r = poller.poll_due(at(0)).at(0);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.submitted, 2u);
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.malformed, 1u);
  EXPECT_EQ(ingest.stored_ids(), (std::vector<std::string>{"E1", "E4"}));
  ASSERT_EQ(ingest.calls.size(), 5u);  // the batch, then each of its four items
  EXPECT_EQ(ingest.calls[0].size(), 4u);
  const auto f = feed();
  EXPECT_EQ(f.cursor, cursor_at(5));
  EXPECT_EQ(f.consecutive_failures, 0);
  EXPECT_NE(f.last_error.find("3 elementi scartati"), std::string::npos) << f.last_error;
  EXPECT_NE(f.last_error.find("E3"), std::string::npos);
  EXPECT_NE(f.last_error.find("404"), std::string::npos);
}

TEST_F(StatusFeedTest, StorageTroubleKeepsTheCursor) {
  FeedServer server;
  FakeIngest ingest;
  auto changes = vbg_changes();
  serve(server, {changes.begin(), changes.begin() + 2}, 30);
  ingest.down = 503;
  StatusFeedPoller poller(*db_, ingest.fn(), settings());
  auto r = poller.poll_due(at(0)).at(0);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("503"), std::string::npos);
  auto f = feed();
  EXPECT_EQ(f.cursor, "");
  EXPECT_EQ(f.consecutive_failures, 1);

  // A SubmitFn that throws is storage trouble too, not the end of the poller.
  StatusFeedPoller throwing(*db_, [](const std::string&, const std::vector<domain::CloudEvent>&) -> SubmitOutcome {
    throw std::runtime_error("connessione al database persa");
  }, settings());
  r = throwing.poll_due(at(3600)).at(0);
  EXPECT_FALSE(r.ok);
  f = feed();
  EXPECT_EQ(f.cursor, "");
  EXPECT_EQ(f.consecutive_failures, 2);
  EXPECT_NE(f.last_error.find("connessione al database persa"), std::string::npos);

  ingest.down = 0;
  r = poller.poll_due(at(7200)).at(0);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(feed().cursor, cursor_at(2));
  EXPECT_EQ(ingest.stored_ids(), (std::vector<std::string>{"E1", "E2"}));
  ASSERT_EQ(ingest.calls.size(), 2u);  // the same page again, whole
  EXPECT_EQ(ingest.calls[0].size(), 2u);
  EXPECT_EQ(ingest.calls[1][1].id, "E2");
}

TEST_F(StatusFeedTest, TwoPollersOnOneDatabaseFetchEachPageOnce) {
  FeedServer server;
  server.delay = std::chrono::milliseconds(100);  // so that the two cycles overlap
  FakeIngest ingest;
  serve(server, vbg_changes(), 60);
  store::Database other_process(store::parse_database_url(url_), 2);
  StatusFeedPoller a(*db_, ingest.fn(), settings()), b(other_process, ingest.fn(), settings());
  std::vector<FeedPollResult> ra, rb;
  std::thread ta([&] { ra = a.poll_due(at(0)); });
  std::thread tb([&] { rb = b.poll_due(at(0)); });
  ta.join();
  tb.join();
  int polled = 0;
  for (const auto* rs : {&ra, &rb})
    for (const auto& r : *rs) polled += r.polled ? 1 : 0;
  EXPECT_EQ(polled, 1);
  EXPECT_EQ(server.cursors(), (std::vector<std::string>{"", cursor_at(3), cursor_at(6)}));
  EXPECT_EQ(ingest.submitted_events(), 7u);
  EXPECT_EQ(feed().cursor, cursor_at(7));
  // The next cycle, same again: whoever comes first polls, the other one finds nothing due.
  server.add(item("E8", "SUAPE/2026/000126", "AT", "Attiva"));
  ta = std::thread([&] { ra = a.poll_due(at(60)); });
  tb = std::thread([&] { rb = b.poll_due(at(60)); });
  ta.join();
  tb.join();
  EXPECT_EQ(server.cursors().size(), 4u);
  EXPECT_EQ(ingest.stored_ids().size(), 8u);
  EXPECT_EQ(ingest.submitted_events(), 8u);
}

TEST_F(StatusFeedTest, OversizedOverfullOrForbiddenFeedsFail) {
  FeedServer server;
  FakeIngest ingest;
  serve(server, vbg_changes(), 10);
  StatusFeedPoller poller(*db_, ingest.fn(), settings());
  server.set_mode(FeedServer::Mode::Huge);
  auto r = poller.poll_due(at(0)).at(0);
  EXPECT_NE(r.error.find("oltre 4194304 byte"), std::string::npos) << r.error;
  server.set_mode(FeedServer::Mode::TooMany);
  r = poller.poll_due(at(3600)).at(0);
  EXPECT_NE(r.error.find("più di 3 elementi"), std::string::npos) << r.error;
  EXPECT_TRUE(ingest.calls.empty());
  EXPECT_EQ(feed().cursor, "");
  EXPECT_EQ(feed().consecutive_failures, 2);

  // A URL written around the validation is still never fetched.
  const std::string forbidden = "file:///etc/passwd";
  *db_->acquire() << "UPDATE status_feeds SET url = :url WHERE client_id = :cid", soci::use(forbidden, "url"),
      soci::use(kClient, "cid");
  r = poller.poll_due(at(7200)).at(0);
  EXPECT_NE(r.error.find("non consentito"), std::string::npos) << r.error;
  EXPECT_EQ(server.cursors().size(), 2u);
}

TEST_F(StatusFeedTest, BackgroundThreadPollsAndStopsPromptly) {
  FeedServer server;
  FakeIngest ingest;
  serve(server, vbg_changes(), 3600);
  StatusFeedPoller poller(*db_, ingest.fn(), settings());
  poller.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ingest.stored_ids().size() < 7 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto stopping = std::chrono::steady_clock::now();
  poller.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(1));
  EXPECT_EQ(ingest.stored_ids().size(), 7u);
  EXPECT_EQ(server.cursors().size(), 3u);  // then nothing: not due again for an hour
  // poll_feed: a feed just registered is due at once.
  store::register_status_feed(*db_, "vbg-terni", server.url(), 60);
  StatusFeedPoller other(*db_, [](const std::string&, const std::vector<domain::CloudEvent>& events) {
    return SubmitOutcome{200, ""};
  }, settings());
  EXPECT_TRUE(other.poll_feed("vbg-terni").ok);
  EXPECT_FALSE(other.poll_feed("vbg-terni").polled);  // not due again yet
  EXPECT_FALSE(other.poll_feed(kClient).polled);
}

}  // namespace
}  // namespace au::practices
