// The API store's credentials on the engine under test: registration, the client-credentials
// token endpoint (secrets in Basic or in the form, private_key_jwt assertions), bearer-token
// checks and per-application throttling. Requests are built by hand as the server would hand
// them over.
#include "identity/api_access.h"

#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <string>

#include "../support/db_fixture.h"
#include "identity/crypto.h"
#include "identity/jose.h"
#include "store/identity_repository.h"
#include "web/http.h"

namespace au::identity {
namespace {

using nlohmann::json;

const std::string kBase = "https://accesso.example.it";
const std::string kOwner = "RSSMRA85T10A562S";
const std::string kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

web::Request token_request(const std::string& body, const std::string& content_type = "application/x-www-form-urlencoded") {
  web::Request r;
  r.method = "POST";
  r.target = r.path = "/oauth/token";
  if (!content_type.empty()) r.headers["Content-Type"] = content_type;
  r.body = body;
  r.remote_addr = "192.0.2.10";
  return r;
}

web::Request with_basic(web::Request r, const std::string& id, const std::string& secret) {
  r.headers["Authorization"] = "Basic " + base64_encode(web::percent_encode(id) + ":" + web::percent_encode(secret));
  return r;
}

class ApiAccessTest : public testing_support::DatabaseTest {
 protected:
  static void SetUpTestSuite() {
    ec_ = Key::generate_ec_p256()->with_kid("app-key-1");
    other_ec_ = Key::generate_ec_p256()->with_kid("app-key-1");
    rsa_ = Key::generate_rsa(2048)->with_kid("app-rsa");
    foreign_rsa_ = Key::generate_rsa(2048);
  }
  static void TearDownTestSuite() {
    ec_.reset();
    other_ec_.reset();
    rsa_.reset();
    foreign_rsa_.reset();
  }

  ApiAccessSettings settings() const {
    ApiAccessSettings s;
    s.issuer = kBase;
    s.audience = kBase + "/api/v1";
    s.token_endpoint = kBase + "/oauth/token";
    return s;
  }

  NewApplication app(std::vector<std::string> scopes = {"catalogo:lettura", "pratiche:lettura"}) const {
    NewApplication a;
    a.owner = kOwner;
    a.name = "Gestionale CAF";
    a.description = "Consultazione del catalogo";
    a.environment = "test";
    a.scopes = std::move(scopes);
    return a;
  }

  Registration registered(ApiAccess& api, NewApplication a) {
    Registration r = api.register_application(a);
    EXPECT_EQ(r.error, "");
    EXPECT_FALSE(r.client_id.empty());
    return r;
  }

  static std::string client_credentials(const std::string& extra = "") {
    return "grant_type=client_credentials" + extra;
  }

  json assertion_claims(const std::string& client_id) const {
    const std::int64_t now = now_s();
    return {{"iss", client_id},
            {"sub", client_id},
            {"aud", kBase + "/oauth/token"},
            {"iat", now},
            {"exp", now + 120},
            {"jti", random_token(24)}};
  }
  static std::string assertion_body(const std::string& assertion, const std::string& extra = "") {
    return "grant_type=client_credentials&client_assertion_type=" + web::percent_encode(kAssertionType) +
           "&client_assertion=" + web::percent_encode(assertion) + extra;
  }

  // The signing key the API uses, read the way every node reads it.
  KeyPtr our_signing_key() {
    auto [kid, pem] = store::current_signing_key(*db_, []() -> std::pair<std::string, std::string> {
      throw std::logic_error("the API should have created its key already");
    });
    std::string error;
    auto key = Key::from_pem(pem, error);
    EXPECT_TRUE(key) << error;
    return key->with_kid(kid);
  }

  static inline KeyPtr ec_, other_ec_, rsa_, foreign_rsa_;
};

// --- registration ---------------------------------------------------------------------------

TEST_F(ApiAccessTest, RegistrationValidatesNameEnvironmentScopesAndKey) {
  ApiAccess api(*db_, settings());
  auto expect_error = [&](const NewApplication& a, const char* why) {
    Registration r = api.register_application(a);
    EXPECT_NE(r.error, "") << why;
    EXPECT_EQ(r.client_id, "") << why;
    EXPECT_EQ(r.client_secret, "") << why;
  };
  NewApplication a = app();
  a.name = "ab";
  expect_error(a, "name of 2 characters");
  a.name = std::string(81, 'x');
  expect_error(a, "name of 81 characters");
  a = app();
  a.description = std::string(501, 'd');
  expect_error(a, "description of 501 characters");
  a = app();
  a.environment = "produzione";
  expect_error(a, "unknown environment");
  a.environment = "";
  expect_error(a, "empty environment");
  expect_error(app({}), "no scope");
  expect_error(app({"catalogo:lettura", "amministrazione:tutto"}), "unknown scope");

  auto with_jwk = [&](const std::string& jwk) {
    NewApplication k = app();
    k.public_jwk = jwk;
    return k;
  };
  expect_error(with_jwk("{not json"), "JWK not JSON");
  expect_error(with_jwk("[1,2]"), "JWK not an object");
  expect_error(with_jwk(R"({"kty":"oct","k":"c2VjcmV0"})"), "symmetric key");
  json short_rsa = {{"kty", "RSA"}, {"n", base64url_encode(std::string(1, '\xC1') + random_bytes(127))}, {"e", "AQAB"}};
  expect_error(with_jwk(short_rsa.dump()), "RSA key of 1024 bits");
  json enc = ec_->public_jwk();
  enc["use"] = "enc";
  expect_error(with_jwk(enc.dump()), "encryption key");
  json other_curve = ec_->public_jwk();
  other_curve["crv"] = "P-384";
  expect_error(with_jwk(other_curve.dump()), "curve P-384");
  json off_curve = ec_->public_jwk();
  off_curve["y"] = base64url_encode(std::string(32, '\x01'));
  expect_error(with_jwk(off_curve.dump()), "point off the curve");
  json with_private = ec_->public_jwk();
  with_private["d"] = base64url_encode(random_bytes(32));
  expect_error(with_jwk(with_private.dump()), "JWK with private part d");
  json rsa_private = rsa_->public_jwk();
  rsa_private["d"] = base64url_encode(random_bytes(256));
  expect_error(with_jwk(rsa_private.dump()), "RSA JWK with private part d");

  EXPECT_TRUE(store::all_applications(*db_).empty());  // nothing stored by refused registrations

  // The boundaries are accepted.
  a = app();
  a.name = "App";
  EXPECT_EQ(api.register_application(a).error, "");
  a.name = std::string(80, 'n');
  a.environment = "live";
  EXPECT_EQ(api.register_application(a).error, "");
  EXPECT_EQ(store::all_applications(*db_).size(), 2u);
}

TEST_F(ApiAccessTest, RegistrationStoresTheApplicationAndShowsTheSecretOnce) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app({"pratiche:lettura", "catalogo:lettura", "catalogo:lettura"}));
  EXPECT_EQ(r.client_id.rfind("au-", 0), 0u);
  EXPECT_GE(r.client_secret.size(), 32u);
  auto rec = store::find_application(*db_, r.client_id);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->owner, kOwner);
  EXPECT_EQ(rec->environment, "test");
  EXPECT_EQ(rec->auth_method, "client_secret");
  EXPECT_EQ(rec->status, "attiva");
  EXPECT_EQ(rec->scopes, "catalogo:lettura pratiche:lettura");  // de-duplicated
  auto secrets = store::valid_secrets(*db_, r.client_id, store::now_iso8601());
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_EQ(secrets[0].secret_hash, sha256_hex(r.client_secret));  // never in clear
  EXPECT_NE(secrets[0].secret_hash, r.client_secret);

  NewApplication k = app();
  k.public_jwk = ec_->public_jwk().dump();
  Registration rk = registered(api, k);
  EXPECT_EQ(rk.client_secret, "");  // a key-based application has no secret
  auto reck = store::find_application(*db_, rk.client_id);
  ASSERT_TRUE(reck.has_value());
  EXPECT_EQ(reck->auth_method, "private_key_jwt");
  EXPECT_TRUE(store::valid_secrets(*db_, rk.client_id, store::now_iso8601()).empty());
}

// --- client credentials with a secret -----------------------------------------------------

TEST_F(ApiAccessTest, ClientCredentialsWithBasicAuthIssuesABearerTokenThatAuthenticates) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  TokenResponse t = api.issue_token(with_basic(token_request(client_credentials()), r.client_id, r.client_secret));
  ASSERT_EQ(t.status, 200) << t.body.dump();
  ASSERT_TRUE(t.body.is_object());
  ASSERT_TRUE(t.body["access_token"].is_string());
  EXPECT_EQ(t.body["token_type"], "Bearer");
  EXPECT_EQ(t.body["expires_in"], 600);
  EXPECT_EQ(t.body["scope"], "catalogo:lettura pratiche:lettura");

  const std::string token = t.body["access_token"].get<std::string>();
  // An RFC 9068-style access token, verifiable with our published JWKS.
  std::string perr;
  auto jws = parse_jws(token, perr);
  ASSERT_TRUE(jws.has_value()) << perr;
  EXPECT_EQ(jws->header["typ"], "at+jwt");
  EXPECT_EQ(jws->alg(), "RS256");
  EXPECT_EQ(verify_jws(*jws, KeySet::from_jwks(api.jwks())), VerifyResult::Ok);
  EXPECT_EQ(jws->payload["iss"], kBase);
  EXPECT_EQ(jws->payload["aud"], kBase + "/api/v1");
  EXPECT_EQ(jws->payload["client_id"], r.client_id);
  EXPECT_EQ(jws->payload["env"], "test");
  const std::int64_t exp = jws->payload["exp"].get<std::int64_t>();
  EXPECT_NEAR(static_cast<double>(exp - now_s()), 600.0, 5.0);

  BearerCheck b = api.authenticate(token);
  ASSERT_TRUE(b.principal.has_value()) << b.error;
  EXPECT_EQ(b.error, "");
  EXPECT_EQ(b.principal->kind, domain::Principal::Kind::Application);
  EXPECT_EQ(b.principal->subject, r.client_id);
  EXPECT_EQ(b.principal->scopes, (std::set<std::string>{"catalogo:lettura", "pratiche:lettura"}));
  EXPECT_EQ(b.principal->environment, "test");
  EXPECT_EQ(b.principal->application_owner, kOwner);
  EXPECT_TRUE(b.principal->roles.empty());
  ASSERT_TRUE(b.application.has_value());
  EXPECT_EQ(b.application->client_id, r.client_id);
}

TEST_F(ApiAccessTest, LiveApplicationTokenCarriesTheLiveEnvironment) {
  ApiAccess api(*db_, settings());
  NewApplication a = app();
  a.environment = "live";
  Registration r = registered(api, a);
  TokenResponse t = api.issue_token(with_basic(token_request(client_credentials()), r.client_id, r.client_secret));
  ASSERT_EQ(t.status, 200);
  BearerCheck b = api.authenticate(t.body["access_token"].get<std::string>());
  ASSERT_TRUE(b.principal.has_value()) << b.error;
  EXPECT_EQ(b.principal->environment, "live");
}

TEST_F(ApiAccessTest, ClientSecretPostInTheFormIsAccepted) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  TokenResponse t = api.issue_token(token_request(client_credentials("&client_id=" + r.client_id + "&client_secret=" +
                                                                     web::percent_encode(r.client_secret))));
  ASSERT_EQ(t.status, 200) << t.body.dump();
  EXPECT_TRUE(api.authenticate(t.body["access_token"].get<std::string>()).principal.has_value());
  // Content-Type parameters are allowed.
  TokenResponse t2 = api.issue_token(token_request(
      client_credentials("&client_id=" + r.client_id + "&client_secret=" + r.client_secret),
      "application/x-www-form-urlencoded; charset=UTF-8"));
  EXPECT_EQ(t2.status, 200) << t2.body.dump();
}

TEST_F(ApiAccessTest, WrongSecretOrUnknownClientIsInvalidClient) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  Registration other = registered(api, app());
  auto expect_invalid_client = [&](const web::Request& req, const char* why) {
    TokenResponse t = api.issue_token(req);
    EXPECT_EQ(t.status, 401) << why;
    EXPECT_EQ(t.body.value("error", ""), "invalid_client") << why;
    EXPECT_FALSE(t.body.contains("access_token")) << why;
  };
  expect_invalid_client(with_basic(token_request(client_credentials()), r.client_id, r.client_secret + "x"), "wrong secret");
  expect_invalid_client(with_basic(token_request(client_credentials()), r.client_id, other.client_secret),
                        "another application's secret");
  expect_invalid_client(with_basic(token_request(client_credentials()), r.client_id, ""), "empty secret");
  expect_invalid_client(with_basic(token_request(client_credentials()), "au-nessuno", r.client_secret), "unknown client");
  expect_invalid_client(with_basic(token_request(client_credentials()), "", ""), "empty credentials");
  web::Request garbage = token_request(client_credentials());
  garbage.headers["Authorization"] = "Basic !!!notbase64";
  expect_invalid_client(garbage, "Basic not base64");
  web::Request no_colon = token_request(client_credentials());
  no_colon.headers["Authorization"] = "Basic " + base64_encode(r.client_id + r.client_secret);
  expect_invalid_client(no_colon, "Basic without colon");
  expect_invalid_client(token_request(client_credentials("&client_id=" + r.client_id + "&client_secret=sbagliato")),
                        "client_secret_post with a wrong secret");
  expect_invalid_client(token_request(client_credentials("&client_id=" + r.client_id)), "client_id without secret");
  expect_invalid_client(token_request(client_credentials()), "no client authentication at all");
}

TEST_F(ApiAccessTest, OtherGrantTypesAreUnsupported) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  for (const std::string grant : {"password", "authorization_code", "refresh_token", "CLIENT_CREDENTIALS", ""}) {
    TokenResponse t = api.issue_token(with_basic(token_request("grant_type=" + grant), r.client_id, r.client_secret));
    EXPECT_EQ(t.status, 400) << grant;
    EXPECT_EQ(t.body.value("error", ""), "unsupported_grant_type") << grant;
  }
}

TEST_F(ApiAccessTest, MalformedTokenRequestsAreInvalidRequest) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  auto expect_invalid_request = [&](const web::Request& req, const char* why) {
    TokenResponse t = api.issue_token(req);
    EXPECT_EQ(t.status, 400) << why;
    EXPECT_EQ(t.body.value("error", ""), "invalid_request") << why;
  };
  auto basic = [&](web::Request req) { return with_basic(std::move(req), r.client_id, r.client_secret); };
  expect_invalid_request(basic(token_request("scope=catalogo%3Alettura")), "missing grant_type");
  expect_invalid_request(basic(token_request("")), "empty body");
  expect_invalid_request(basic(token_request("grant_type=client_credentials&grant_type=client_credentials")),
                         "repeated grant_type");
  expect_invalid_request(basic(token_request("grant_type=client_credentials&scope=catalogo%3Alettura&scope=pratiche%3Alettura")),
                         "repeated scope");
  expect_invalid_request(token_request("grant_type=client_credentials&client_id=" + r.client_id + "&client_id=" + r.client_id +
                                       "&client_secret=" + r.client_secret),
                         "repeated client_id");
  expect_invalid_request(basic(token_request(R"({"grant_type":"client_credentials"})", "application/json")),
                         "JSON body");
  expect_invalid_request(basic(token_request("grant_type=client_credentials", "text/plain")), "text/plain");
  expect_invalid_request(basic(token_request("grant_type=client_credentials", "")), "no Content-Type");
  expect_invalid_request(basic(token_request("grant_type=client_credentials&x=%ZZ")), "bad percent escape");
  expect_invalid_request(basic(token_request("grant_type=client_credentials&pad=" + std::string(17000, 'a'))),
                         "body over 16 KiB");
}

TEST_F(ApiAccessTest, ScopesBeyondTheGrantedOnesAreRefusedAndSubsetsHonoured) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  TokenResponse bad = api.issue_token(
      with_basic(token_request(client_credentials("&scope=catalogo%3Alettura+notifiche%3Ainvio")), r.client_id, r.client_secret));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.value("error", ""), "invalid_scope");
  EXPECT_FALSE(bad.body.contains("access_token"));

  TokenResponse sub = api.issue_token(
      with_basic(token_request(client_credentials("&scope=catalogo%3Alettura")), r.client_id, r.client_secret));
  ASSERT_EQ(sub.status, 200) << sub.body.dump();
  EXPECT_EQ(sub.body["scope"], "catalogo:lettura");
  BearerCheck b = api.authenticate(sub.body["access_token"].get<std::string>());
  ASSERT_TRUE(b.principal.has_value()) << b.error;
  EXPECT_EQ(b.principal->scopes, std::set<std::string>{"catalogo:lettura"});
}

// --- secret rotation and revocation --------------------------------------------------------

TEST_F(ApiAccessTest, RotationKeepsTheOldSecretDuringTheOverlapAndAtMostTwoValid) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  auto works = [&](const std::string& secret) {
    return api.issue_token(with_basic(token_request(client_credentials()), r.client_id, secret)).status == 200;
  };
  const std::string first = r.client_secret;
  const std::string second = api.rotate_secret(r.client_id);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  EXPECT_TRUE(works(first));
  EXPECT_TRUE(works(second));
  EXPECT_EQ(store::valid_secrets(*db_, r.client_id, store::now_iso8601()).size(), 2u);

  const std::string third = api.rotate_secret(r.client_id);
  ASSERT_FALSE(third.empty());
  EXPECT_FALSE(works(first));  // the oldest is revoked
  EXPECT_TRUE(works(second));
  EXPECT_TRUE(works(third));
  auto valid = store::valid_secrets(*db_, r.client_id, store::now_iso8601());
  ASSERT_EQ(valid.size(), 2u);
  EXPECT_EQ(valid[0].secret_hash, sha256_hex(third));
  EXPECT_EQ(valid[1].secret_hash, sha256_hex(second));
  EXPECT_NE(valid[1].expires_at, "");  // the previous one only for the overlap

  EXPECT_EQ(api.rotate_secret("au-nessuno"), "");
}

TEST_F(ApiAccessTest, RevocationRejectsIssuedTokensAtOnceAndRefusesNewOnes) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  Registration bystander = registered(api, app());
  TokenResponse t = api.issue_token(with_basic(token_request(client_credentials()), r.client_id, r.client_secret));
  TokenResponse tb = api.issue_token(with_basic(token_request(client_credentials()), bystander.client_id, bystander.client_secret));
  ASSERT_EQ(t.status, 200);
  ASSERT_EQ(tb.status, 200);
  const std::string token = t.body["access_token"].get<std::string>();
  ASSERT_TRUE(api.authenticate(token).principal.has_value());

  EXPECT_TRUE(api.revoke(r.client_id));
  BearerCheck b = api.authenticate(token);
  EXPECT_FALSE(b.principal.has_value());
  EXPECT_EQ(b.error, "application-revoked");
  TokenResponse again = api.issue_token(with_basic(token_request(client_credentials()), r.client_id, r.client_secret));
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.body.value("error", ""), "invalid_client");
  EXPECT_EQ(api.rotate_secret(r.client_id), "");  // no new secret for a revoked application
  EXPECT_FALSE(api.revoke(r.client_id));           // already revoked
  EXPECT_FALSE(api.revoke("au-nessuno"));
  // Other applications are unaffected.
  EXPECT_TRUE(api.authenticate(tb.body["access_token"].get<std::string>()).principal.has_value());
}

// --- private_key_jwt -----------------------------------------------------------------------

TEST_F(ApiAccessTest, ClientAssertionSignedWithTheRegisteredKeyIsAccepted) {
  ApiAccess api(*db_, settings());
  NewApplication k = app();
  k.public_jwk = ec_->public_jwk().dump();
  Registration r = registered(api, k);
  TokenResponse t = api.issue_token(token_request(assertion_body(sign_jwt(*ec_, assertion_claims(r.client_id)),
                                                                 "&scope=catalogo%3Alettura")));
  ASSERT_EQ(t.status, 200) << t.body.dump();
  EXPECT_EQ(t.body["scope"], "catalogo:lettura");
  BearerCheck b = api.authenticate(t.body["access_token"].get<std::string>());
  ASSERT_TRUE(b.principal.has_value()) << b.error;
  EXPECT_EQ(b.principal->subject, r.client_id);

  // The same works with an RSA key, and a kid in the header is not required.
  NewApplication kr = app();
  kr.public_jwk = rsa_->public_jwk().dump();
  Registration rr = registered(api, kr);
  auto no_kid = rsa_->with_kid("");
  TokenResponse tr = api.issue_token(token_request(assertion_body(sign_jwt(*no_kid, assertion_claims(rr.client_id)))));
  EXPECT_EQ(tr.status, 200) << tr.body.dump();
}

TEST_F(ApiAccessTest, ReplayedClientAssertionIsRejected) {
  ApiAccess api(*db_, settings());
  NewApplication k = app();
  k.public_jwk = ec_->public_jwk().dump();
  Registration r = registered(api, k);
  const std::string assertion = sign_jwt(*ec_, assertion_claims(r.client_id));
  ASSERT_EQ(api.issue_token(token_request(assertion_body(assertion))).status, 200);
  TokenResponse replay = api.issue_token(token_request(assertion_body(assertion)));
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.body.value("error", ""), "invalid_client");
  // A new assertion re-using the jti is a replay as well.
  json same_jti = assertion_claims(r.client_id);
  std::string perr;
  same_jti["jti"] = parse_jws(assertion, perr)->payload["jti"];
  EXPECT_EQ(api.issue_token(token_request(assertion_body(sign_jwt(*ec_, same_jti)))).status, 401);
}

TEST_F(ApiAccessTest, ClientAssertionsWithWrongClaimsOrKeysAreRejected) {
  ApiAccess api(*db_, settings());
  NewApplication k = app();
  k.public_jwk = ec_->public_jwk().dump();
  Registration r = registered(api, k);
  Registration secret_app = registered(api, app());
  auto expect_rejected = [&](const std::string& body, const char* why) {
    TokenResponse t = api.issue_token(token_request(body));
    EXPECT_EQ(t.status, 401) << why << ": " << t.body.dump();
    EXPECT_EQ(t.body.value("error", ""), "invalid_client") << why;
  };
  json c = assertion_claims(r.client_id);
  c["aud"] = kBase + "/api/v1";
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "audience is the API, not the token endpoint");
  c = assertion_claims(r.client_id);
  c["aud"] = "https://altro.example.it/oauth/token";
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "another server's token endpoint");
  c = assertion_claims(r.client_id);
  c["iat"] = now_s() - 400;
  c["exp"] = now_s() - 200;
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "expired");
  c = assertion_claims(r.client_id);
  c["iat"] = now_s() - 3600;
  c["exp"] = now_s() + 3600;
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "issued too long ago");
  c = assertion_claims(r.client_id);
  c.erase("jti");
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "no jti");
  c = assertion_claims(r.client_id);
  c["sub"] = "someone-else";
  expect_rejected(assertion_body(sign_jwt(*ec_, c)), "sub is not the client");
  expect_rejected(assertion_body(sign_jwt(*other_ec_, assertion_claims(r.client_id))), "signed by another key");
  expect_rejected(assertion_body(sign_jwt(*rsa_, assertion_claims(r.client_id))), "signed by a key of another type");
  // alg none.
  const std::string none = base64url_encode(json{{"alg", "none"}, {"typ", "JWT"}}.dump()) + "." +
                           base64url_encode(assertion_claims(r.client_id).dump()) + ".";
  expect_rejected(assertion_body(none), "alg none");
  // A wrong assertion type.
  std::string body = "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Asaml2-bearer"
                     "&client_assertion=" + sign_jwt(*ec_, assertion_claims(r.client_id));
  expect_rejected(body, "SAML assertion type");
  expect_rejected("grant_type=client_credentials&client_assertion=" + sign_jwt(*ec_, assertion_claims(r.client_id)),
                  "no assertion type");
  expect_rejected(assertion_body("not.a.jwt"), "garbage assertion");
  // An application registered with a secret cannot switch to assertions, and vice versa.
  expect_rejected(assertion_body(sign_jwt(*ec_, assertion_claims(secret_app.client_id))), "secret application with an assertion");
  expect_rejected(client_credentials("&client_id=" + r.client_id + "&client_secret="), "key application with an empty secret");
  // The assertion signed by the registered key but naming another client.
  expect_rejected(assertion_body(sign_jwt(*ec_, assertion_claims("au-nessuno"))), "unknown client");
}

// --- bearer tokens ----------------------------------------------------------------------------

TEST_F(ApiAccessTest, OnlyOurAccessTokensAuthenticate) {
  ApiAccess api(*db_, settings());
  Registration r = registered(api, app());
  TokenResponse t = api.issue_token(with_basic(token_request(client_credentials()), r.client_id, r.client_secret));
  ASSERT_EQ(t.status, 200);
  const std::string token = t.body["access_token"].get<std::string>();
  std::string perr;
  const json claims = parse_jws(token, perr)->payload;
  KeyPtr ours = our_signing_key();

  // Same claims, signed with our own key, but typed as an ID token (typ JWT): not an access token.
  BearerCheck id_like = api.authenticate(sign_jwt(*ours, claims, "JWT"));
  EXPECT_FALSE(id_like.principal.has_value());
  EXPECT_EQ(id_like.error, "wrong-token-type");
  // No typ at all is not an access token either.
  {
    json header = {{"alg", "RS256"}, {"kid", ours->kid()}};
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    EXPECT_FALSE(api.authenticate(input + "." + base64url_encode(ours->sign(input))).principal.has_value());
  }
  // Same claims and kid, signed by another key.
  BearerCheck forged = api.authenticate(sign_jwt(*foreign_rsa_->with_kid(ours->kid()), claims, "at+jwt"));
  EXPECT_FALSE(forged.principal.has_value());
  EXPECT_EQ(forged.error, "bad-signature");
  BearerCheck other_kid = api.authenticate(sign_jwt(*foreign_rsa_->with_kid("altra"), claims, "at+jwt"));
  EXPECT_FALSE(other_kid.principal.has_value());
  EXPECT_NE(other_kid.error, "");
  // Our key, but claims that do not hold.
  json c = claims;
  c["aud"] = kBase + "/altro";
  EXPECT_EQ(api.authenticate(sign_jwt(*ours, c, "at+jwt")).error, "wrong-audience");
  c = claims;
  c["iss"] = "https://altro.example.it";
  EXPECT_EQ(api.authenticate(sign_jwt(*ours, c, "at+jwt")).error, "wrong-issuer");
  c = claims;
  c["exp"] = now_s() - 120;
  EXPECT_EQ(api.authenticate(sign_jwt(*ours, c, "at+jwt")).error, "expired");
  c = claims;
  c["client_id"] = "au-nessuno";
  EXPECT_EQ(api.authenticate(sign_jwt(*ours, c, "at+jwt")).error, "application-revoked");
  // alg none with the at+jwt type.
  const std::string none = base64url_encode(json{{"alg", "none"}, {"typ", "at+jwt"}}.dump()) + "." +
                           base64url_encode(claims.dump()) + ".";
  EXPECT_FALSE(api.authenticate(none).principal.has_value());
  // Garbage.
  EXPECT_EQ(api.authenticate("").error, "malformed-token");
  EXPECT_EQ(api.authenticate("abc.def").error, "malformed-token");
  // The genuine one still works.
  EXPECT_TRUE(api.authenticate(token).principal.has_value());
}

TEST_F(ApiAccessTest, HostileTokenHeaderDoesNotThrow) {
  ApiAccess api(*db_, settings());
  // Anyone can send any header: a non-string typ must be a rejection, not an exception.
  for (const json& typ : {json(1), json::array({"at+jwt"}), json(nullptr), json::object()}) {
    const std::string token = base64url_encode(json{{"alg", "RS256"}, {"typ", typ}}.dump()) + "." +
                              base64url_encode(json{{"iss", kBase}}.dump()) + "." + base64url_encode("sig");
    BearerCheck b;
    EXPECT_NO_THROW(b = api.authenticate(token)) << typ.dump();
    EXPECT_FALSE(b.principal.has_value());
    EXPECT_NE(b.error, "");
  }
}

TEST_F(ApiAccessTest, ClientAssertionWithNonStringSubIsRejectedNotThrown) {
  ApiAccess api(*db_, settings());
  NewApplication k = app();
  k.public_jwk = ec_->public_jwk().dump();
  Registration r = registered(api, k);
  for (const json& sub : {json(123), json::array({r.client_id}), json(nullptr)}) {
    json c = assertion_claims(r.client_id);
    c["sub"] = sub;
    TokenResponse t{0, json()};
    EXPECT_NO_THROW(t = api.issue_token(token_request(assertion_body(sign_jwt(*ec_, c))))) << sub.dump();
    EXPECT_EQ(t.status, 401) << sub.dump();
    EXPECT_EQ(t.body.is_object() ? t.body.value("error", "") : "", "invalid_client") << sub.dump();
  }
}

TEST(BearerToken, IsReadFromTheAuthorizationHeader) {
  web::Request r;
  EXPECT_EQ(bearer_token(r), "");
  r.headers["Authorization"] = "Bearer abc.def.ghi";
  EXPECT_EQ(bearer_token(r), "abc.def.ghi");
  r.headers["Authorization"] = "bearer abc";
  EXPECT_EQ(bearer_token(r), "abc");
  r.headers["Authorization"] = "Basic YWJjOmRlZg==";
  EXPECT_EQ(bearer_token(r), "");
  r.headers["Authorization"] = "Bearer ";
  EXPECT_EQ(bearer_token(r), "");
}

// --- metering ------------------------------------------------------------------------------------

TEST_F(ApiAccessTest, BurstBeyondTheBucketIsThrottled) {
  ApiAccessSettings s = settings();
  s.default_rate = {1, 3};
  ApiAccess api(*db_, s);
  Registration r = registered(api, app());
  auto rec = store::find_application(*db_, r.client_id);
  ASSERT_TRUE(rec.has_value());
  for (int i = 0; i < 3; ++i) {
    MeterResult m = api.meter(*rec);
    EXPECT_TRUE(m.allowed) << i;
    EXPECT_EQ(m.limit, 3) << i;
    EXPECT_EQ(m.remaining, 2 - i) << i;
  }
  MeterResult denied = api.meter(*rec);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.limit, 3);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_GE(denied.retry_after_seconds, 1);
  EXPECT_LE(denied.retry_after_seconds, 1);  // one token a second
  auto usage = store::usage_of(*db_, r.client_id, 1);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].calls, 3);
  EXPECT_EQ(usage[0].throttled, 1);
  // Buckets are per application.
  Registration other = registered(api, app());
  EXPECT_TRUE(api.meter(*store::find_application(*db_, other.client_id)).allowed);
}

TEST_F(ApiAccessTest, DailyQuotaIsEnforcedUntilUtcMidnight) {
  ApiAccessSettings s = settings();
  s.default_rate = {1000, 1000};
  s.default_daily_quota = 5;
  ApiAccess api(*db_, s);
  Registration r = registered(api, app());
  auto rec = store::find_application(*db_, r.client_id);
  ASSERT_TRUE(rec.has_value());
  for (int i = 0; i < 5; ++i) {
    MeterResult m = api.meter(*rec);
    EXPECT_TRUE(m.allowed) << i;
    EXPECT_EQ(m.limit, 5) << i;  // the quota is the nearer limit
    EXPECT_EQ(m.remaining, 4 - i) << i;
  }
  const std::int64_t before = now_s();
  MeterResult denied = api.meter(*rec);
  const std::int64_t after = now_s();
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.limit, 5);
  EXPECT_EQ(denied.remaining, 0);
  EXPECT_GT(denied.retry_after_seconds, 0);
  EXPECT_LE(denied.retry_after_seconds, 86400);
  // Seconds to the next UTC midnight.
  EXPECT_LE(denied.retry_after_seconds, 86400 - before % 86400);
  EXPECT_GE(denied.retry_after_seconds, 86400 - after % 86400);
  EXPECT_EQ(denied.reset_seconds, denied.retry_after_seconds);

  auto usage = store::usage_of(*db_, r.client_id, 7);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].day, store::now_iso8601().substr(0, 10));
  EXPECT_EQ(usage[0].calls, 5);
  EXPECT_EQ(usage[0].throttled, 1);
  // Further calls stay throttled and are counted as such.
  EXPECT_FALSE(api.meter(*rec).allowed);
  usage = store::usage_of(*db_, r.client_id, 7);
  EXPECT_EQ(usage[0].calls, 5);
  EXPECT_EQ(usage[0].throttled, 2);
}

}  // namespace
}  // namespace au::identity
