// /api/v1/webhooks: who may subscribe, validation, ownership (404 across owners), deliveries
// and redelivery, called through WebhooksApi::handle with hand-built requests and callers.
#include "api/webhooks_api.h"

#include <gtest/gtest.h>

#include "../support/db_fixture.h"
#include "identity/crypto.h"
#include "store/identity_repository.h"
#include "store/webhook_repository.h"

namespace au::api {
namespace {

using nlohmann::json;

const std::string kBase = "https://accesso.example";
const std::string kEnte = "comune-054039";
const std::string kHook = "https://gestionale.example/hooks/pratiche";
const std::string kType = "it.umbria.accessounico.pratica.stato";

identity::Caller application(const std::string& client_id, std::set<std::string> scopes = {"pratiche:lettura"},
                             const std::string& environment = "live") {
  identity::Caller c;
  store::ApplicationRecord a;
  a.client_id = client_id;
  a.owner = "RSSMRA85T10A562S";
  a.name = "Gestionale";
  a.environment = environment;
  a.status = "attiva";
  for (const auto& s : scopes) a.scopes += (a.scopes.empty() ? "" : " ") + s;
  c.application = a;
  c.application_principal.kind = domain::Principal::Kind::Application;
  c.application_principal.subject = client_id;
  c.application_principal.scopes = std::move(scopes);
  c.application_principal.environment = environment;
  c.application_principal.application_owner = a.owner;
  return c;
}

identity::Caller person(std::set<domain::Role> roles, const std::string& ente = "") {
  auto s = std::make_shared<identity::ActiveSession>();
  s->record.fiscal_code = "VRDGPP70A01H501S";
  s->record.csrf_token = "csrf-token-of-this-session";
  s->principal.kind = domain::Principal::Kind::Person;
  s->principal.subject = s->record.fiscal_code;
  s->principal.roles = std::move(roles);
  s->principal.roles.insert(domain::Role::Cittadino);
  s->principal.ente_id = ente;
  identity::Caller c;
  c.session = s;
  return c;
}

identity::Caller operatore(const std::string& ente = kEnte) { return person({domain::Role::OperatoreEnte}, ente); }

web::Request request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& content_type = "application/json") {
  web::Request r;
  r.method = method;
  auto q = path.find('?');
  r.path = path.substr(0, q);
  r.query = q == std::string::npos ? "" : path.substr(q + 1);
  r.target = path;
  r.body = body;
  if (!body.empty()) r.headers["Content-Type"] = content_type;
  return r;
}

web::Request with_csrf(web::Request r, const std::string& token = "csrf-token-of-this-session") {
  r.headers["X-CSRF-Token"] = token;
  return r;
}

json body_of(const web::Response& r) { return json::parse(r.body); }

class WebhooksApiTest : public testing_support::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    api_ = std::make_unique<WebhooksApi>(WebhooksApiDeps{db_.get(), kBase, nullptr});
  }

  web::Response call(const web::Request& r, const identity::Caller& c) {
    auto resp = api_->handle(r, c);
    if (!resp) throw std::runtime_error("not handled: " + r.path);
    return *resp;
  }

  // Creates a subscription through the API and returns the 201 body.
  json create(const identity::Caller& c, const json& body = {{"url", kHook}}) {
    auto r = call(with_csrf(request("POST", "/api/v1/webhooks", body.dump())), c);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r);
  }

  // One delivered delivery of a fresh event to the subscription (no receiver needed).
  std::int64_t delivered_delivery(std::int64_t sequence) {
    {
      auto s = db_->acquire();
      soci::transaction tx(*s);
      store::enqueue_webhook_deliveries(*s, {sequence, kEnte, "RSSMRA85T10A562S", "", kType, store::now_iso8601()});
      tx.commit();
    }
    const auto t = std::chrono::system_clock::now() + std::chrono::seconds(1);
    const auto now = store::webhook_time(t);
    auto claimed = store::claim_due_webhook_deliveries(*db_, now, store::webhook_time(t + std::chrono::minutes(1)), 10);
    EXPECT_EQ(claimed.size(), 1u);
    EXPECT_TRUE(store::mark_webhook_delivered(*db_, claimed.at(0), 200, now));
    return claimed.at(0).id;
  }

  std::unique_ptr<WebhooksApi> api_;
};

TEST_F(WebhooksApiTest, OnlyWebhookPathsAreHandledAndNobodyGets401) {
  EXPECT_FALSE(api_->handle(request("GET", "/api/v1/me"), {}).has_value());
  EXPECT_FALSE(api_->handle(request("GET", "/api/v1/webhooksx"), {}).has_value());
  auto r = call(request("GET", "/api/v1/webhooks"), {});
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers["WWW-Authenticate"].find("Bearer"), std::string::npos);
  EXPECT_EQ(r.headers["Content-Type"], "application/problem+json");
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
}

TEST_F(WebhooksApiTest, CallersWithoutTheRightGet403) {
  const std::string body = json{{"url", kHook}}.dump();
  for (const auto& c : {application("app-catalogo", {"catalogo:lettura"}),
                        application("app-test", {"pratiche:lettura"}, "test"), person({}),
                        person({domain::Role::Amministratore}), operatore("")}) {
    EXPECT_EQ(call(with_csrf(request("POST", "/api/v1/webhooks", body)), c).status, 403);
    EXPECT_EQ(call(request("GET", "/api/v1/webhooks"), c).status, 403);
  }
}

TEST_F(WebhooksApiTest, ApplicationCreatesAndListsWithoutTheSecret) {
  auto app = application("app-1");
  auto created = create(app, {{"url", kHook}, {"event_types", {kType}}, {"ente", kEnte}});
  const std::string id = created["id"];
  EXPECT_EQ(id.rfind("wh-", 0), 0u);
  EXPECT_EQ(created["url"], kHook);
  EXPECT_EQ(created["event_types"], json({kType}));
  EXPECT_EQ(created["ente"], kEnte);
  auto key = identity::base64url_decode(created["secret"].get<std::string>());
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
  auto stored = store::find_webhook_subscription(*db_, id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->owner_kind, "application");
  EXPECT_EQ(stored->owner_id, "app-1");

  auto list = call(request("GET", "/api/v1/webhooks"), app);
  ASSERT_EQ(list.status, 200);
  auto items = body_of(list)["webhooks"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], id);
  EXPECT_FALSE(items[0].contains("secret"));
  auto one = call(request("GET", "/api/v1/webhooks/" + id), app);
  EXPECT_EQ(one.status, 200);
  EXPECT_FALSE(body_of(one).contains("secret"));
  EXPECT_TRUE(body_of(call(request("GET", "/api/v1/webhooks"), application("app-2")))["webhooks"].empty());
  // No CSRF for bearer callers: the token is not sent by browsers on their own.
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", json{{"url", kHook}}.dump()), app).status, 201);
}

TEST_F(WebhooksApiTest, OperatorSubscribesForTheirEnteWithTheCsrfToken) {
  auto op = operatore();
  const std::string body = json{{"url", kHook}}.dump();
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", body), op).status, 403);
  EXPECT_EQ(call(with_csrf(request("POST", "/api/v1/webhooks", body), "wrong"), op).status, 403);
  auto cross_site = with_csrf(request("POST", "/api/v1/webhooks", body));
  cross_site.headers["Origin"] = "https://evil.example";
  EXPECT_EQ(call(cross_site, op).status, 403);
  auto created = create(op);
  EXPECT_TRUE(created["ente"].is_null());
  auto stored = store::find_webhook_subscription(*db_, created["id"]);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->owner_kind, "ente");
  EXPECT_EQ(stored->owner_id, kEnte);
  // Every operator of the ente sees it; an operator of another ente does not.
  EXPECT_EQ(body_of(call(request("GET", "/api/v1/webhooks"), operatore()))["webhooks"].size(), 1u);
  EXPECT_TRUE(body_of(call(request("GET", "/api/v1/webhooks"), operatore("comune-055032")))["webhooks"].empty());
  auto r = call(with_csrf(request("POST", "/api/v1/webhooks", json{{"url", kHook}, {"ente", "comune-055032"}}.dump())), op);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(body_of(r)["errors"][0]["path"], "/ente");
}

TEST_F(WebhooksApiTest, InvalidBodiesAre422WithEveryError) {
  auto app = application("app-1");
  json bad = {{"url", "http://gestionale.example/hook"},
              {"event_types", {"it.umbria.altro.evento", 3, "it.umbria.accessounico.pratica.Stato"}},
              {"ente", "Comune di Perugia"},
              {"secret", "mine"}};
  auto r = call(request("POST", "/api/v1/webhooks", bad.dump()), app);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.headers["Content-Type"], "application/problem+json");
  std::set<std::string> paths;
  const json problem = body_of(r);
  for (const auto& e : problem["errors"]) {
    paths.insert(e["path"].get<std::string>());
    EXPECT_FALSE(e["message"].get<std::string>().empty());
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/url", "/event_types/0", "/event_types/1", "/event_types/2", "/ente",
                                          "/secret"}));
  auto missing = call(request("POST", "/api/v1/webhooks", "{}"), app);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(body_of(missing)["errors"][0]["path"], "/url");
  auto too_many = json{{"url", kHook}, {"event_types", std::vector<std::string>(21, kType)}};
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", too_many.dump()), app).status, 422);
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", "[1]"), app).status, 400);
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", "{\"url\":"), app).status, 400);
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", json{{"url", kHook}}.dump(), "text/plain"), app).status, 415);
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks"), app).status, 415);
  std::string huge = json{{"url", kHook}, {"pad", std::string(70 * 1024, 'x')}}.dump();
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", huge), app).status, 413);
  EXPECT_TRUE(store::webhook_subscriptions_of(*db_, "application", "app-1").empty());
}

TEST(WebhookUrl, HttpsOrLoopbackHttpOnly) {
  using practices::webhook_url_problem;
  EXPECT_EQ(webhook_url_problem("https://gestionale.example/hook?x=1"), "");
  EXPECT_EQ(webhook_url_problem("HTTPS://gestionale.example:8443"), "");
  EXPECT_EQ(webhook_url_problem("http://127.0.0.1:8080/hook"), "");
  EXPECT_EQ(webhook_url_problem("http://localhost/hook"), "");
  EXPECT_EQ(webhook_url_problem("https://[2001:db8::1]:443/h"), "");
  for (const std::string bad :
       {"", "ftp://example.org/x", "http://example.org/hook", "http://localhost@evil.example/",
        "https://user:pw@example.org/", "http://127.0.0.1.evil.example/", "https:///path", "https://example.org:0/",
        "https://example.org:99999/", "https://example.org:/", "https://exa mple.org/", "https://example.org/#frag",
        "https://esempio.it/\xC3\xA8", "//example.org/x", "https://[::1/x"})
    EXPECT_NE(webhook_url_problem(bad), "") << bad;
  EXPECT_EQ(webhook_url_problem("https://e.example/" + std::string(1982, 'a')), "");  // 2000 characters
  EXPECT_NE(webhook_url_problem("https://e.example/" + std::string(1983, 'a')), "");
  EXPECT_EQ(practices::event_type_problem("it.umbria.accessounico.pratica.richiesta-integrazione"), "");
  EXPECT_NE(practices::event_type_problem("it.umbria.accessounico.pratica."), "");
  EXPECT_NE(practices::event_type_problem("it.umbria.accessounico.praticax"), "");
  EXPECT_EQ(practices::ente_id_problem("comune-054039"), "");
  EXPECT_NE(practices::ente_id_problem("-comune"), "");
}

TEST_F(WebhooksApiTest, AnotherOwnersSubscriptionsAndDeliveriesAre404) {
  auto owner = application("app-1");
  const std::string id = create(owner)["id"];
  for (const auto& stranger : {application("app-2"), operatore()}) {
    EXPECT_EQ(call(request("GET", "/api/v1/webhooks/" + id), stranger).status, 404);
    EXPECT_EQ(call(request("GET", "/api/v1/webhooks/" + id + "/deliveries"), stranger).status, 404);
    EXPECT_EQ(call(with_csrf(request("DELETE", "/api/v1/webhooks/" + id)), stranger).status, 404);
  }
  EXPECT_EQ(call(request("GET", "/api/v1/webhooks/wh-unknown/deliveries"), owner).status, 404);
  EXPECT_TRUE(store::find_webhook_subscription(*db_, id)->active);
}

TEST_F(WebhooksApiTest, DeliveriesAreListedAndRedeliveredByTheirOwnerOnly) {
  auto op = operatore();
  const std::string id = create(op)["id"];
  const std::int64_t did = delivered_delivery(5);
  auto list = call(request("GET", "/api/v1/webhooks/" + id + "/deliveries?limit=10"), op);
  ASSERT_EQ(list.status, 200) << list.body;
  auto items = body_of(list)["deliveries"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], did);
  EXPECT_EQ(items[0]["event_sequence"], 5);
  EXPECT_EQ(items[0]["status"], "delivered");
  EXPECT_EQ(items[0]["attempts"], 1);
  EXPECT_EQ(call(request("GET", "/api/v1/webhooks/" + id + "/deliveries?limit=0"), op).status, 400);
  EXPECT_EQ(call(request("GET", "/api/v1/webhooks/" + id + "/deliveries?order=asc"), op).status, 400);

  const std::string path = "/api/v1/webhooks/deliveries/" + std::to_string(did) + "/redeliver";
  EXPECT_EQ(call(with_csrf(request("POST", path)), application("app-2")).status, 404);
  EXPECT_EQ(call(with_csrf(request("POST", path)), operatore("comune-055032")).status, 404);
  EXPECT_EQ(call(request("POST", path), op).status, 403);  // session without CSRF token
  auto r = call(with_csrf(request("POST", path)), op);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["status"], "pending");
  EXPECT_EQ(body_of(r)["attempts"], 0);
  EXPECT_EQ(call(with_csrf(request("POST", path)), op).status, 409);  // already pending
  EXPECT_EQ(call(with_csrf(request("POST", "/api/v1/webhooks/deliveries/999999/redeliver")), op).status, 404);
  EXPECT_EQ(call(with_csrf(request("POST", "/api/v1/webhooks/deliveries/abc/redeliver")), op).status, 404);
  EXPECT_EQ(call(request("GET", path), op).status, 405);
}

TEST_F(WebhooksApiTest, DeleteDeactivatesAndEndsThePendingQueue) {
  auto app = application("app-1");
  const std::string id = create(app)["id"];
  auto r = call(request("DELETE", "/api/v1/webhooks/" + id), app);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(body_of(call(request("GET", "/api/v1/webhooks/" + id), app))["active"], false);
  EXPECT_EQ(call(request("DELETE", "/api/v1/webhooks/" + id), app).status, 204);  // idempotent
  auto put = call(request("PUT", "/api/v1/webhooks", "{}"), app);
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers["Allow"], "GET, HEAD, POST");
  EXPECT_EQ(call(request("GET", "/api/v1/webhooks/a/b/c/d"), app).status, 404);
  EXPECT_EQ(call(request("GET", "/api/v1/webhooks?x=1"), app).status, 400);
}

TEST_F(WebhooksApiTest, AtMostTwentyActiveSubscriptionsPerOwner) {
  auto app = application("app-1");
  std::string first;
  for (int i = 0; i < 20; ++i) {
    auto c = create(app);
    if (i == 0) first = c["id"];
  }
  auto r = call(request("POST", "/api/v1/webhooks", json{{"url", kHook}}.dump()), app);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(call(request("DELETE", "/api/v1/webhooks/" + first), app).status, 204);
  EXPECT_EQ(call(request("POST", "/api/v1/webhooks", json{{"url", kHook}}.dump()), app).status, 201);
}

}  // namespace
}  // namespace au::api
