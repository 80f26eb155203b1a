// Outbound webhooks: the Standard Webhooks signature, the outbox's matching rules, and the
// dispatcher against a real HTTP receiver on 127.0.0.1 (retries, timeouts, dead letters,
// redelivery, two dispatchers racing on one database).
#include "practices/webhooks.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <soci/soci.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "../support/db_fixture.h"
#include "identity/crypto.h"
#include "store/identity_repository.h"
#include "store/webhook_repository.h"
#include "web/server.h"

namespace au::practices {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const std::string kEnte = "comune-054039";
const std::string kOtherEnte = "comune-055032";
const std::string kApplicant = "RSSMRA85T10A562S";
const std::string kIntermediary = "VRDGPP70A01H501S";
const std::string kStranger = "BNCLCU92M45D653M";
const std::string kType = "it.umbria.accessounico.pratica.stato";
const std::string kOtherType = "it.umbria.accessounico.pratica.messaggio";

// --- the signature ---------------------------------------------------------------------------

std::string key_bytes() {
  std::string k;
  for (int i = 0; i < 32; ++i) k += static_cast<char>(i * 7 + 1);
  return k;
}

// The expected signature computed with OpenSSL directly, not with our helpers.
std::string openssl_signature(const std::string& key, const std::string& content) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &len);
  unsigned char b64[128];
  int n = EVP_EncodeBlock(b64, mac, static_cast<int>(len));
  return "v1," + std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

TEST(WebhookSigner, SignatureIsStandardWebhooksHmacOverIdTimestampAndBody) {
  const std::string secret = identity::base64url_encode(key_bytes());
  const std::string body = R"({"specversion":"1.0","id":"e-1","type":"it.umbria.accessounico.pratica.stato"})";
  WebhookSigner signer(secret);
  const std::string expected = openssl_signature(key_bytes(), "42.1767225600." + body);
  EXPECT_EQ(signer.signature("42", 1767225600, body), expected);
  auto headers = signer.headers("42", 1767225600, body);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Webhook-Id", "42"}));
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"Webhook-Timestamp", "1767225600"}));
  EXPECT_EQ(headers[2], (std::pair<std::string, std::string>{"Webhook-Signature", expected}));
  EXPECT_THROW(WebhookSigner("not base64url!"), std::invalid_argument);
}

TEST(WebhookSigner, VerifyRejectsTamperingAndOldOrFutureTimestamps) {
  const std::string secret = identity::base64url_encode(key_bytes());
  const std::string body = R"({"id":"e-1"})";
  const std::int64_t ts = 1767225600;
  const std::string sig = WebhookSigner(secret).signature("42", ts, body);
  EXPECT_TRUE(WebhookSigner::verify(secret, "42", "1767225600", body, sig, ts + 10));
  EXPECT_TRUE(WebhookSigner::verify(secret, "42", "1767225600", body, "v1,AAAA " + sig, ts));  // rotation
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600", body + " ", sig, ts));        // body
  EXPECT_FALSE(WebhookSigner::verify(secret, "43", "1767225600", body, sig, ts));              // id
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225601", body, sig, ts));              // timestamp
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600", body, sig, ts + 301));        // too old
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600", body, sig, ts - 301));        // future
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600x", body, sig, ts));
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600", body, "v2," + sig.substr(3), ts));
  EXPECT_FALSE(WebhookSigner::verify(secret, "42", "1767225600", body, "", ts));
  const std::string other = identity::base64url_encode(std::string(32, 'x'));
  EXPECT_FALSE(WebhookSigner::verify(other, "42", "1767225600", body, sig, ts));
}

// --- fixtures ----------------------------------------------------------------------------------

class WebhookDbTest : public testing_support::DatabaseTest {
 protected:
  void add_app(const std::string& client_id, const std::string& owner, const std::string& status = "attiva",
               const std::string& environment = "live") {
    store::ApplicationRecord a;
    a.client_id = client_id;
    a.owner = owner;
    a.name = "App " + client_id;
    a.environment = environment;
    a.scopes = "pratiche:lettura";
    a.auth_method = "client_secret";
    a.status = status;
    a.created_at = "2026-01-01T00:00:00Z";
    store::insert_application(*db_, a, "", "");
  }

  store::WebhookSubscription subscribe(const std::string& kind, const std::string& owner, const std::string& url,
                                       const std::string& ente_filter = "",
                                       std::vector<std::string> types = {}) {
    return create_subscription(*db_, {kind, owner, url, ente_filter, std::move(types)}, store::now_iso8601());
  }

  // A practice with one event, inserted directly (the ingest is someone else's).
  void add_event(std::int64_t sequence, const std::string& ente = kEnte, const std::string& type = kType) {
    auto s = db_->acquire();
    const std::string pid = "p-" + std::to_string(sequence), ref = "ref-" + std::to_string(sequence);
    const std::string at = "2026-03-01T10:00:00Z", doc = document(sequence), eid = "e-" + std::to_string(sequence);
    const long long seq = sequence;
    *s << "INSERT INTO practices (id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, "
          "applicant, legal_term_days, opened_at, status, updated_at) VALUES (:id, :ente, 'rc-residenza', "
          "'Cambio di residenza', 'bo-1', 'halley', :ref, :app, 30, :opened, 'avviata', :updated)",
        soci::use(pid, "id"), soci::use(ente, "ente"), soci::use(ref, "ref"), soci::use(kApplicant, "app"),
        soci::use(at, "opened"), soci::use(at, "updated");
    *s << "INSERT INTO practice_events (sequence, practice_id, source, event_id, type, event_time, event_time_ms, "
          "client_id, received_at, document, previous_hash, hash) VALUES (:seq, :pid, 'urn:bo', :eid, :type, "
          ":time, 0, 'bo-1', :received, :doc, 'h0', 'h1')",
        soci::use(seq, "seq"), soci::use(pid, "pid"), soci::use(eid, "eid"), soci::use(type, "type"),
        soci::use(at, "time"), soci::use(at, "received"), soci::use(doc, "doc");
  }

  static std::string document(std::int64_t sequence) {
    return R"({"specversion":"1.0","id":"e-)" + std::to_string(sequence) +
           R"(","source":"urn:bo","type":"it.umbria.accessounico.pratica.stato","data":{"status_code":"X"}})";
  }

  // As the ingest does: inside the caller's transaction.
  void enqueue(std::int64_t sequence, const std::string& ente = kEnte, const std::string& type = kType,
               const std::string& applicant = kApplicant, const std::string& intermediary = "", bool commit = true) {
    auto s = db_->acquire();
    soci::transaction tx(*s);
    store::enqueue_webhook_deliveries(*s, {sequence, ente, applicant, intermediary, type, store::now_iso8601()});
    if (commit) tx.commit();
    else tx.rollback();
  }

  std::vector<store::WebhookDelivery> deliveries(const std::string& subscription) {
    return store::webhook_deliveries_of(*db_, subscription, 1000);
  }
};

// --- the outbox's matching rules ---------------------------------------------------------------

TEST_F(WebhookDbTest, EnteSubscriptionsGetTheirEnteFilteredByType) {
  auto all = subscribe("ente", kEnte, "https://ente.example/hook");
  auto only_status = subscribe("ente", kEnte, "https://ente.example/stato", "", {kType});
  auto other_ente = subscribe("ente", kOtherEnte, "https://other.example/hook");
  enqueue(1, kEnte, kType);
  enqueue(2, kEnte, kOtherType);
  enqueue(3, kOtherEnte, kType);
  EXPECT_EQ(deliveries(all.id).size(), 2u);
  ASSERT_EQ(deliveries(only_status.id).size(), 1u);
  EXPECT_EQ(deliveries(only_status.id)[0].event_sequence, 1);
  ASSERT_EQ(deliveries(other_ente.id).size(), 1u);
  EXPECT_EQ(deliveries(other_ente.id)[0].event_sequence, 3);
  auto d = deliveries(all.id)[0];
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.lease_until, "");
}

TEST_F(WebhookDbTest, TypesMatchExactlyNotAsPatterns) {
  auto s = subscribe("ente", kEnte, "https://ente.example/hook", "", {"it.umbria.accessounico.pratica.st-to"});
  enqueue(1, kEnte, "it.umbria.accessounico.pratica.st_to");    // '_' is a LIKE wildcard
  enqueue(2, kEnte, "IT.UMBRIA.ACCESSOUNICO.PRATICA.ST-TO");    // SQLite's LIKE ignores case
  enqueue(3, kEnte, "it.umbria.accessounico.pratica.st");       // a prefix of the element
  EXPECT_TRUE(deliveries(s.id).empty());
  enqueue(4, kEnte, "it.umbria.accessounico.pratica.st-to");
  EXPECT_EQ(deliveries(s.id).size(), 1u);
}

TEST_F(WebhookDbTest, ApplicationsOfTheApplicantOrIntermediaryOnlyWhileActiveAndLive) {
  add_app("app-applicant", kApplicant);
  add_app("app-intermediary", kIntermediary);
  add_app("app-stranger", kStranger);
  add_app("app-revoked", kApplicant, "revocata");
  add_app("app-test", kApplicant, "attiva", "test");
  add_app("app-nobody", "");
  auto applicant = subscribe("application", "app-applicant", "https://a.example/hook");
  auto filtered = subscribe("application", "app-applicant", "https://a.example/perugia", kOtherEnte);
  auto intermediary = subscribe("application", "app-intermediary", "https://i.example/hook");
  auto stranger = subscribe("application", "app-stranger", "https://s.example/hook");
  auto revoked = subscribe("application", "app-revoked", "https://r.example/hook");
  auto test_env = subscribe("application", "app-test", "https://t.example/hook");
  auto nobody = subscribe("application", "app-nobody", "https://n.example/hook");
  auto ente_named_like_app = subscribe("ente", "app-applicant", "https://x.example/hook");
  enqueue(1, kEnte, kType, kApplicant, kIntermediary);
  enqueue(2, kEnte, kType, kApplicant, "");
  enqueue(3, kOtherEnte, kType, kStranger, "");
  enqueue(4, kOtherEnte, kType, kApplicant, "");
  EXPECT_EQ(deliveries(applicant.id).size(), 3u);
  ASSERT_EQ(deliveries(filtered.id).size(), 1u);
  EXPECT_EQ(deliveries(filtered.id)[0].event_sequence, 4);
  EXPECT_EQ(deliveries(intermediary.id).size(), 1u);
  ASSERT_EQ(deliveries(stranger.id).size(), 1u);
  EXPECT_EQ(deliveries(stranger.id)[0].event_sequence, 3);
  EXPECT_TRUE(deliveries(revoked.id).empty());
  EXPECT_TRUE(deliveries(test_env.id).empty());
  EXPECT_TRUE(deliveries(nobody.id).empty());  // an empty intermediary matches no owner
  EXPECT_TRUE(deliveries(ente_named_like_app.id).empty());
}

TEST_F(WebhookDbTest, InactiveSubscriptionsRolledBackIngestsAndRepeatsAddNothing) {
  auto active = subscribe("ente", kEnte, "https://ente.example/a");
  auto inactive = subscribe("ente", kEnte, "https://ente.example/b");
  ASSERT_TRUE(store::deactivate_webhook_subscription(*db_, inactive.id, store::now_iso8601()));
  EXPECT_FALSE(store::deactivate_webhook_subscription(*db_, inactive.id, store::now_iso8601()));
  enqueue(1);
  enqueue(1);  // same event again: ON CONFLICT DO NOTHING
  enqueue(2, kEnte, kType, kApplicant, "", /*commit=*/false);
  EXPECT_EQ(deliveries(active.id).size(), 1u);
  EXPECT_TRUE(deliveries(inactive.id).empty());
}

TEST_F(WebhookDbTest, ListsNeverCarryTheSecret) {
  auto created = subscribe("ente", kEnte, "https://ente.example/a", kEnte, {kType, kType});
  EXPECT_EQ(created.id.size(), 19u);
  EXPECT_EQ(created.id.rfind("wh-", 0), 0u);
  auto key = identity::base64url_decode(created.secret);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
  EXPECT_EQ(created.event_types, std::vector<std::string>{kType});  // de-duplicated
  auto found = store::find_webhook_subscription(*db_, created.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->secret, "");
  EXPECT_EQ(found->ente_filter, kEnte);
  auto listed = store::webhook_subscriptions_of(*db_, "ente", kEnte);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].secret, "");
  EXPECT_TRUE(store::webhook_subscriptions_of(*db_, "application", kEnte).empty());
}

// --- the dispatcher against a real receiver -----------------------------------------------------

// An HTTP endpoint on 127.0.0.1 (free port) that records what it gets and answers with
// `answer(n)` for its n-th request (0-based), after `delay`.
class Receiver {
 public:
  explicit Receiver(std::function<int(int)> answer, std::chrono::milliseconds delay = 0ms)
      : answer_(std::move(answer)), delay_(delay) {
    web::ServerOptions o;
    o.port = 0;
    o.threads = 4;
    server_ = std::make_unique<web::Server>(o, [this](const web::Request& r) { return on(r); });
    server_->start();
  }
  ~Receiver() { server_->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook"; }
  std::vector<web::Request> received() {
    std::lock_guard lock(mutex_);
    return got_;
  }

 private:
  web::Response on(const web::Request& r) {
    int n;
    {
      std::lock_guard lock(mutex_);
      got_.push_back(r);
      n = static_cast<int>(got_.size()) - 1;
    }
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    int status = answer_(n);
    return web::Response(status, "text/plain", status == 204 ? "" : "a response body that is never stored");
  }
  std::function<int(int)> answer_;
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::vector<web::Request> got_;
  std::unique_ptr<web::Server> server_;
};

WebhookSettings fast() {
  WebhookSettings s;
  s.timeout = 2000ms;
  s.backoff_base = 10ms;
  s.backoff_cap = 40ms;
  s.max_attempts = 3;
  s.poll_interval = 20ms;
  return s;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

// Polls `done` until true or `limit` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST_F(WebhookDbTest, DeliversOn2xxWithAVerifiableSignature) {
  Receiver rx([](int) { return 204; });
  auto sub = subscribe("ente", kEnte, rx.url());
  add_event(7);
  enqueue(7);
  WebhookDispatcher dispatcher(*db_, fast());
  auto stats = dispatcher.run_once(Clock::now());
  EXPECT_EQ(stats.delivered, 1);
  auto got = rx.received();
  ASSERT_EQ(got.size(), 1u);
  const auto& r = got[0];
  auto d = deliveries(sub.id).at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.header("Content-Type"), "application/cloudevents+json");
  EXPECT_EQ(r.body, document(7));
  EXPECT_EQ(r.header("Webhook-Id"), std::to_string(d.id));
  EXPECT_TRUE(WebhookSigner::verify(sub.secret, r.header("Webhook-Id"), r.header("Webhook-Timestamp"), r.body,
                                    r.header("Webhook-Signature"), unix_now()));
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status, 204);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(dispatcher.run_once(Clock::now() + 1h).claimed(), 0);  // nothing sent twice
  EXPECT_EQ(rx.received().size(), 1u);
}

TEST_F(WebhookDbTest, ServerErrorIsRetriedByTheThreadsUntilDelivered) {
  Receiver rx([](int n) { return n == 0 ? 500 : 200; });
  auto sub = subscribe("ente", kEnte, rx.url());
  add_event(1);
  enqueue(1);
  WebhookDispatcher dispatcher(*db_, fast());
  dispatcher.start();
  EXPECT_TRUE(eventually([&] { return deliveries(sub.id).at(0).status == "delivered"; }));
  dispatcher.stop();
  auto d = deliveries(sub.id).at(0);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.last_status, 200);
  auto got = rx.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].header("Webhook-Id"), got[1].header("Webhook-Id"));  // receivers dedupe on it
}

TEST_F(WebhookDbTest, FailureRecordsStatusAndBacksOffWithinTheCap) {
  Receiver rx([](int) { return 500; });
  auto sub = subscribe("ente", kEnte, rx.url());
  add_event(1);
  enqueue(1);
  WebhookSettings s = fast();
  s.backoff_base = 1000ms;
  s.backoff_cap = 3000ms;
  WebhookDispatcher dispatcher(*db_, s);
  const auto now = Clock::now();
  EXPECT_EQ(dispatcher.run_once(now).retrying, 1);
  auto d = deliveries(sub.id).at(0);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status, 500);
  EXPECT_EQ(d.last_error, "risposta HTTP 500");
  EXPECT_GE(d.next_attempt_at, store::webhook_time(now));
  EXPECT_LE(d.next_attempt_at, store::webhook_time(now + 1000ms + 2s));  // attempts 0: within base
  EXPECT_EQ(d.lease_until, "");
  EXPECT_EQ(dispatcher.run_once(now + 1h).retrying, 1);
  d = deliveries(sub.id).at(0);
  EXPECT_LE(d.next_attempt_at, store::webhook_time(now + 1h + 2000ms + 2s));  // attempts 1: 2 * base
}

TEST_F(WebhookDbTest, ReceiverSlowerThanTheTimeoutIsAFailure) {
  Receiver rx([](int) { return 200; }, 1500ms);
  auto sub = subscribe("ente", kEnte, rx.url());
  add_event(1);
  enqueue(1);
  WebhookSettings s = fast();
  s.timeout = 200ms;
  WebhookDispatcher dispatcher(*db_, s);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(dispatcher.run_once(Clock::now()).retrying, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
  auto d = deliveries(sub.id).at(0);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status, 0);
  EXPECT_EQ(d.last_error.rfind("nessuna risposta", 0), 0u) << d.last_error;
}

TEST_F(WebhookDbTest, AlwaysFailingBecomesDeadAfterMaxAttemptsThenRedeliverWorks) {
  std::atomic<bool> healthy{false};
  Receiver rx([&](int) { return healthy ? 200 : 503; });
  auto sub = subscribe("ente", kEnte, rx.url());
  add_event(1);
  enqueue(1);
  WebhookDispatcher dispatcher(*db_, fast());  // max_attempts 3
  const auto now = Clock::now();
  EXPECT_EQ(dispatcher.run_once(now).retrying, 1);
  EXPECT_EQ(dispatcher.run_once(now + 1h).retrying, 1);
  EXPECT_EQ(dispatcher.run_once(now + 2h).dead, 1);
  EXPECT_EQ(dispatcher.run_once(now + 3h).claimed(), 0);
  auto d = deliveries(sub.id).at(0);
  EXPECT_EQ(d.status, "dead");
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_status, 503);
  EXPECT_EQ(rx.received().size(), 3u);

  healthy = true;
  EXPECT_FALSE(store::redeliver_webhook(*db_, d.id + 1000, store::webhook_time(now)));  // unknown
  ASSERT_TRUE(store::redeliver_webhook(*db_, d.id, store::webhook_time(now)));
  EXPECT_FALSE(store::redeliver_webhook(*db_, d.id, store::webhook_time(now)));  // already pending
  d = deliveries(sub.id).at(0);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(dispatcher.run_once(now).delivered, 1);
  ASSERT_TRUE(store::redeliver_webhook(*db_, d.id, store::webhook_time(now)));  // from delivered too
  EXPECT_EQ(dispatcher.run_once(now).delivered, 1);
  EXPECT_EQ(rx.received().size(), 5u);
  EXPECT_EQ(deliveries(sub.id).at(0).attempts, 1);
}

TEST_F(WebhookDbTest, MissingEventAndDeactivatedSubscriptionEndDead) {
  Receiver rx([](int) { return 200; });
  auto sub = subscribe("ente", kEnte, rx.url());
  auto later = subscribe("ente", kEnte, rx.url());
  enqueue(99);  // no practice_events row 99
  WebhookDispatcher dispatcher(*db_, fast());
  auto stats = dispatcher.run_once(Clock::now());
  EXPECT_EQ(stats.dead, 2);
  EXPECT_EQ(deliveries(sub.id).at(0).last_error, "evento non trovato");
  add_event(1);
  enqueue(1);
  ASSERT_TRUE(store::deactivate_webhook_subscription(*db_, later.id, store::now_iso8601()));
  EXPECT_EQ(dispatcher.run_once(Clock::now()).delivered, 1);  // only `sub`
  auto d = deliveries(later.id).at(0);
  EXPECT_EQ(d.status, "dead");
  EXPECT_EQ(d.last_error, "sottoscrizione disattivata");
  EXPECT_FALSE(store::redeliver_webhook(*db_, d.id, store::webhook_time(Clock::now())));
  EXPECT_EQ(rx.received().size(), 1u);
}

TEST_F(WebhookDbTest, QueuedDeliveriesOfARevokedApplicationAreNotSent) {
  Receiver rx([](int) { return 200; });
  add_app("app-1", kApplicant);
  auto sub = subscribe("application", "app-1", rx.url());
  add_event(1);
  enqueue(1);
  ASSERT_TRUE(store::revoke_application(*db_, "app-1", store::now_iso8601()));
  WebhookDispatcher dispatcher(*db_, fast());
  EXPECT_EQ(dispatcher.run_once(Clock::now()).dead, 1);
  EXPECT_EQ(deliveries(sub.id).at(0).last_error, "applicazione revocata");
  EXPECT_TRUE(rx.received().empty());
}

TEST_F(WebhookDbTest, TwoDispatchersOnOneDatabaseDeliverEachEventExactlyOnce) {
  Receiver rx([](int) { return 200; }, 3ms);
  auto a = subscribe("ente", kEnte, rx.url());
  auto b = subscribe("ente", kEnte, rx.url() + "?b");
  const int events = 30;
  for (int i = 1; i <= events; ++i) {
    add_event(i);
    enqueue(i);
  }
  // Two "processes": separate Database objects (connection pools) on the same database.
  store::Database db1(store::parse_database_url(url_), 3), db2(store::parse_database_url(url_), 3);
  WebhookSettings s = fast();
  s.threads = 2;
  s.batch_size = 4;
  s.poll_interval = 5ms;
  WebhookDispatcher d1(db1, s), d2(db2, s);
  d1.start();
  d2.start();
  auto delivered = [&] {
    int n = 0;
    for (const auto& sub : {a, b})
      for (const auto& d : deliveries(sub.id)) n += d.status == "delivered";
    return n;
  };
  EXPECT_TRUE(eventually([&] { return delivered() == 2 * events; }, 30s)) << delivered();
  d1.stop();
  d2.stop();
  std::map<std::string, int> per_id;
  for (const auto& r : rx.received()) ++per_id[r.header("Webhook-Id")];
  EXPECT_EQ(per_id.size(), static_cast<std::size_t>(2 * events));
  for (const auto& [id, n] : per_id) EXPECT_EQ(n, 1) << "delivery " << id;
}

TEST_F(WebhookDbTest, StopIsPromptAndWakeSkipsThePollInterval) {
  Receiver rx([](int) { return 200; });
  auto sub = subscribe("ente", kEnte, rx.url());
  WebhookSettings s = fast();
  s.poll_interval = 30s;
  s.threads = 2;
  WebhookDispatcher dispatcher(*db_, s);
  dispatcher.start();
  std::this_thread::sleep_for(50ms);  // the threads are now idle for 30 s
  add_event(1);
  enqueue(1);
  dispatcher.wake();
  EXPECT_TRUE(eventually([&] { return deliveries(sub.id).at(0).status == "delivered"; }, 5s));
  const auto started = std::chrono::steady_clock::now();
  dispatcher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(WebhookDbTest, BackoffIsFullJitterBelowTheCappedExponential) {
  WebhookSettings s;
  s.backoff_base = 1000ms;
  s.backoff_cap = 20000ms;
  WebhookDispatcher dispatcher(*db_, s);
  std::chrono::milliseconds::rep max3 = 0;
  for (int i = 0; i < 300; ++i) {
    EXPECT_LE(dispatcher.backoff(0).count(), 1000);
    auto d3 = dispatcher.backoff(3).count();
    EXPECT_GE(d3, 0);
    EXPECT_LE(d3, 8000);
    max3 = std::max(max3, d3);
    EXPECT_LE(dispatcher.backoff(200).count(), 20000);  // no overflow past the cap
  }
  EXPECT_GT(max3, 4000);  // spread over the whole range, not only its start
  // The defaults of the brief.
  WebhookSettings defaults;
  EXPECT_EQ(defaults.timeout, 10s);
  EXPECT_EQ(defaults.backoff_base, 30s);
  EXPECT_EQ(defaults.backoff_cap, 6h);
  EXPECT_EQ(defaults.max_attempts, 10);
}

}  // namespace
}  // namespace au::practices
