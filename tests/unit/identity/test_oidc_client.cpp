// The OpenID Connect relying party against a fake provider: an HttpSender that answers the
// discovery document, the JWKS (one RSA and one EC key) and the token endpoint with ID tokens
// signed here. Each case is named for the attack or the failure it checks.
#include "identity/oidc_client.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "identity/crypto.h"
#include "identity/jose.h"
#include "web/http.h"

namespace au::identity {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1780000000;  // 2026-05-28T20:26:40Z
const std::string kIssuer = "https://login.example.it";
const std::string kClientId = "portale-umbria";
const std::string kClientSecret = "s3cr:et/+ &x";  // characters that need form-encoding
const std::string kRedirect = "https://accesso.example.it/auth/callback";
const std::string kPostLogout = "https://accesso.example.it/?uscita=1";
const std::string kNonce = "n0nceN0nceN0nceN0nceN0nceN0nceN0nceN0nce123";
const std::string kFiscalClaim = "https://attributes.eid.gov.it/fiscal_number";

// Independent of identity/crypto.h, so the PKCE check does not grade its own homework.
std::string b64url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

std::string sha256_bytes(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

// Query parameters of a URL (or a form body), decoded; fails the test on a malformed one.
std::vector<web::QueryParam> params_of(const std::string& query) {
  std::vector<web::QueryParam> out;
  EXPECT_TRUE(web::parse_query(query, out)) << query;
  return out;
}
std::vector<web::QueryParam> url_params(const std::string& url) {
  auto q = url.find('?');
  if (q == std::string::npos) return {};
  return params_of(url.substr(q + 1));
}
int count_of(const std::vector<web::QueryParam>& ps, const std::string& key) {
  int n = 0;
  for (const auto& p : ps) n += p.key == key;
  return n;
}
std::string value_of(const std::vector<web::QueryParam>& ps, const std::string& key) {
  for (const auto& p : ps)
    if (p.key == key) return p.value;
  return "";
}

// The provider: answers by URL, counts every call, remembers token requests.
struct FakeProvider {
  std::string discovery_issuer = kIssuer;
  std::string token_endpoint = kIssuer + "/token";
  bool end_session = true;
  bool down = false;            // every request fails at the transport (status 0)
  bool token_down = false;      // only the token endpoint fails at the transport
  json jwks = json::object();
  long token_status = 200;
  std::string token_body;
  int discovery_calls = 0, jwks_calls = 0, token_calls = 0;
  std::vector<web::OutboundRequest> token_requests;

  web::OutboundResponse handle(const web::OutboundRequest& r) {
    web::OutboundResponse res;
    if (down) {
      res.status = 0;
      res.error = "Couldn't connect to server";
      return res;
    }
    if (r.url == kIssuer + "/.well-known/openid-configuration") {
      ++discovery_calls;
      json doc = {{"issuer", discovery_issuer},
                  {"authorization_endpoint", kIssuer + "/authorize"},
                  {"token_endpoint", token_endpoint},
                  {"jwks_uri", kIssuer + "/jwks"},
                  {"response_types_supported", {"code"}},
                  {"id_token_signing_alg_values_supported", {"RS256", "ES256"}}};
      if (end_session) doc["end_session_endpoint"] = kIssuer + "/logout";
      res.status = 200;
      res.body = doc.dump();
    } else if (r.url == kIssuer + "/jwks") {
      ++jwks_calls;
      res.status = 200;
      res.body = jwks.dump();
    } else if (r.url == token_endpoint) {
      ++token_calls;
      token_requests.push_back(r);
      if (token_down) {
        res.status = 0;
        res.error = "Operation timed out";
        return res;
      }
      res.status = token_status;
      res.body = token_body;
    } else {
      res.status = 404;
      res.body = "{}";
    }
    res.headers["Content-Type"] = "application/json";
    return res;
  }
  HttpSender sender() {
    return [this](const web::OutboundRequest& r) { return handle(r); };
  }
};

class OidcClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = Key::generate_rsa(2048)->with_kid("rsa-1");
    ec_ = Key::generate_ec_p256()->with_kid("ec-1");
    rotated_ = Key::generate_rsa(2048)->with_kid("rsa-2");
    attacker_ = Key::generate_rsa(2048)->with_kid("rsa-1");  // claims the provider's kid
  }
  static void TearDownTestSuite() {
    rsa_.reset();
    ec_.reset();
    rotated_.reset();
    attacker_.reset();
  }

  void SetUp() override {
    KeySet published;
    published.keys = {rsa_, ec_};
    provider_.jwks = published.to_jwks();
  }

  OidcSettings settings() const {
    OidcSettings s;
    s.issuer = kIssuer;
    s.client_id = kClientId;
    s.client_secret = kClientSecret;
    s.redirect_uri = kRedirect;
    s.post_logout_redirect_uri = kPostLogout;
    return s;
  }
  std::unique_ptr<OidcClient> client(OidcSettings s) { return std::make_unique<OidcClient>(std::move(s), provider_.sender()); }
  std::unique_ptr<OidcClient> client() { return client(settings()); }

  static json claims() {
    return {{"iss", kIssuer},
            {"sub", "spid-user-0001"},
            {"aud", kClientId},
            {"exp", kNow + 300},
            {"iat", kNow - 5},
            {"auth_time", kNow - 10},
            {"nonce", kNonce},
            {kFiscalClaim, "TINIT-RSSMRA85T10A562S"},
            {"given_name", "Maria"},
            {"family_name", "Rossi"},
            {"email", "maria.rossi@example.org"},
            {"acr", "https://www.spid.gov.it/SpidL2"}};
  }

  // A compact JWS with the given header, payload and raw signature bytes.
  static std::string raw_jws(const json& header, const json& payload, const std::string& signature) {
    return b64url(header.dump()) + "." + b64url(payload.dump()) + "." + b64url(signature);
  }

  LoginOutcome verify(OidcClient& c, const std::string& token, const std::string& nonce = kNonce) {
    return c.verify_id_token(token, nonce, kNow);
  }
  static void expect_rejected(const LoginOutcome& o, const std::string& reason) {
    EXPECT_FALSE(o.identity.has_value());
    EXPECT_EQ(o.error, reason);
  }

  static inline KeyPtr rsa_, ec_, rotated_, attacker_;
  FakeProvider provider_;
};

// --- valid tokens -------------------------------------------------------------------------

TEST_F(OidcClientTest, ValidRs256IdTokenIsAcceptedAndFillsTheIdentity) {
  auto c = client();
  const std::string token = sign_jwt(*rsa_, claims());
  auto o = verify(*c, token);
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.identity->fiscal_code, "RSSMRA85T10A562S");  // TINIT- removed
  EXPECT_EQ(o.identity->given_name, "Maria");
  EXPECT_EQ(o.identity->family_name, "Rossi");
  EXPECT_EQ(o.identity->email, "maria.rossi@example.org");
  EXPECT_EQ(o.identity->spid_level, "https://www.spid.gov.it/SpidL2");
  EXPECT_EQ(o.identity->id_token, token);
}

TEST_F(OidcClientTest, ValidEs256IdTokenIsAccepted) {
  auto c = client();
  json cl = claims();
  cl[kFiscalClaim] = "rssmra85t10a562s";  // no prefix, lower case: normalised
  cl["acr"] = "https://www.spid.gov.it/SpidL3";
  auto o = verify(*c, sign_jwt(*ec_, cl));
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(o.identity->fiscal_code, "RSSMRA85T10A562S");
  EXPECT_EQ(o.identity->spid_level, "https://www.spid.gov.it/SpidL3");
}

TEST_F(OidcClientTest, FullLoginThroughTheTokenEndpoint) {
  auto c = client();
  auto a = c->begin();
  provider_.token_body = json{{"access_token", "at-1"}, {"token_type", "Bearer"}, {"id_token", sign_jwt(*rsa_, claims())}}.dump();
  auto o = c->finish("code-1", a.code_verifier, kNonce, kNow);
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(o.identity->fiscal_code, "RSSMRA85T10A562S");
  // Discovery and keys are fetched once and cached.
  auto o2 = c->finish("code-2", a.code_verifier, kNonce, kNow);
  ASSERT_TRUE(o2.identity.has_value()) << o2.error;
  EXPECT_EQ(provider_.discovery_calls, 1);
  EXPECT_EQ(provider_.jwks_calls, 1);
  EXPECT_EQ(provider_.token_calls, 2);
}

// --- forged signatures --------------------------------------------------------------------

TEST_F(OidcClientTest, AlgNoneIsRejected) {
  auto c = client();
  for (const std::string alg : {"none", "None", "NONE"}) {
    for (const bool with_kid : {false, true}) {
      json header = {{"alg", alg}, {"typ", "JWT"}};
      if (with_kid) header["kid"] = "rsa-1";
      auto o = verify(*c, raw_jws(header, claims(), ""));
      EXPECT_FALSE(o.identity.has_value()) << alg;
      EXPECT_TRUE(o.error == "unsupported-algorithm" || o.error == "malformed-token") << o.error;
    }
  }
  // "none" with a copied RS256 signature does not help either.
  const std::string genuine = sign_jwt(*rsa_, claims());
  const std::string sig = genuine.substr(genuine.rfind('.') + 1);
  const std::string forged = b64url(json{{"alg", "none"}, {"kid", "rsa-1"}}.dump()) + "." + b64url(claims().dump()) + "." + sig;
  expect_rejected(verify(*c, forged), "unsupported-algorithm");
}

TEST_F(OidcClientTest, Hs256SignedWithThePublicKeyPemAsHmacSecretIsRejected) {
  auto c = client();
  const std::string pem = rsa_->public_pem();
  for (const bool with_kid : {false, true}) {
    json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    if (with_kid) header["kid"] = "rsa-1";
    const std::string input = b64url(header.dump()) + "." + b64url(claims().dump());
    const std::string token = input + "." + b64url(hmac_sha256_raw(pem, input));
    expect_rejected(verify(*c, token), "unsupported-algorithm");
  }
  // The JWK form of the key as HMAC secret, for good measure.
  json header = {{"alg", "HS256"}, {"kid", "rsa-1"}};
  const std::string input = b64url(header.dump()) + "." + b64url(claims().dump());
  expect_rejected(verify(*c, input + "." + b64url(hmac_sha256_raw(rsa_->public_jwk().dump(), input))),
                  "unsupported-algorithm");
}

TEST_F(OidcClientTest, AlgorithmNotMatchingTheKeyTypeIsRejected) {
  auto c = client();
  // An ES256 header naming the RSA key's kid (key confusion across types).
  json header = {{"alg", "ES256"}, {"kid", "rsa-1"}};
  const std::string input = b64url(header.dump()) + "." + b64url(claims().dump());
  expect_rejected(verify(*c, input + "." + b64url(ec_->sign(input))), "unsupported-algorithm");
}

TEST_F(OidcClientTest, TokenSignedByAnotherKeyWithTheProvidersKidIsRejected) {
  auto c = client();
  expect_rejected(verify(*c, sign_jwt(*attacker_, claims())), "bad-signature");
}

TEST_F(OidcClientTest, TamperedPayloadIsRejected) {
  auto c = client();
  const std::string genuine = sign_jwt(*rsa_, claims());
  json changed = claims();
  changed[kFiscalClaim] = "TINIT-VRDGPP70A01H501S";
  const auto d1 = genuine.find('.'), d2 = genuine.rfind('.');
  const std::string tampered = genuine.substr(0, d1) + "." + b64url(changed.dump()) + genuine.substr(d2);
  expect_rejected(verify(*c, tampered), "bad-signature");
}

TEST_F(OidcClientTest, MalformedTokensAreRejected) {
  auto c = client();
  for (const std::string t : {"", "abc", "a.b", "a.b.c.d", "!!!.???.***"}) {
    auto o = verify(*c, t);
    EXPECT_FALSE(o.identity.has_value()) << t;
    EXPECT_EQ(o.error, "malformed-token") << t;
  }
}

// --- unknown kids and key rotation -----------------------------------------------------------

TEST_F(OidcClientTest, UnknownKidRefetchesTheJwksOnceThenIsRejected) {
  auto c = client();
  ASSERT_TRUE(verify(*c, sign_jwt(*rsa_, claims())).identity.has_value());
  ASSERT_EQ(provider_.jwks_calls, 1);
  // A kid the provider does not publish: the JWKS is fetched once more, the kid is still
  // unknown, the token is rejected.
  auto ghost = rotated_->with_kid("ghost");
  expect_rejected(verify(*c, sign_jwt(*ghost, claims())), "unknown-kid");
  EXPECT_EQ(provider_.jwks_calls, 2);
  // Known keys still work, from the cache.
  EXPECT_TRUE(verify(*c, sign_jwt(*ec_, claims())).identity.has_value());
  EXPECT_EQ(provider_.jwks_calls, 2);
}

TEST_F(OidcClientTest, FloodOfUnknownKidsDoesNotFloodTheJwksEndpoint) {
  auto c = client();
  for (int i = 0; i < 25; ++i) {
    auto key = rotated_->with_kid("invented-" + std::to_string(i));
    expect_rejected(verify(*c, sign_jwt(*key, claims())), "unknown-kid");
  }
  // The first fetch, and at most one refetch caused by an unknown kid within 10 seconds.
  EXPECT_EQ(provider_.jwks_calls, 2);
  ASSERT_TRUE(verify(*c, sign_jwt(*rsa_, claims())).identity.has_value());
  EXPECT_EQ(provider_.jwks_calls, 2);
}

TEST_F(OidcClientTest, RotatedKeyIsPickedUpByOneRefresh) {
  auto c = client();
  ASSERT_TRUE(verify(*c, sign_jwt(*rsa_, claims())).identity.has_value());
  ASSERT_EQ(provider_.jwks_calls, 1);
  // The provider rotates right after our first fetch: the new kid is unknown to the cache,
  // found after one refresh, and accepted.
  KeySet rotated_set;
  rotated_set.keys = {rotated_, ec_};
  provider_.jwks = rotated_set.to_jwks();
  auto o = verify(*c, sign_jwt(*rotated_, claims()));
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(provider_.jwks_calls, 2);
  // Repeated unknown kids right after the refresh do not fetch again.
  auto ghost = rotated_->with_kid("ghost");
  for (int i = 0; i < 5; ++i) expect_rejected(verify(*c, sign_jwt(*ghost, claims())), "unknown-kid");
  EXPECT_EQ(provider_.jwks_calls, 2);
  // The retired key went away with the old set.
  expect_rejected(verify(*c, sign_jwt(*rsa_, claims())), "unknown-kid");
  EXPECT_EQ(provider_.jwks_calls, 2);
}

// Needs a little more than 10 seconds of real time: the refetch limit is on the steady clock.
TEST_F(OidcClientTest, AnotherRotationAfterTheTenSecondWindowIsPickedUpToo) {
  auto c = client();
  ASSERT_TRUE(verify(*c, sign_jwt(*rsa_, claims())).identity.has_value());
  auto ghost = rotated_->with_kid("ghost");
  expect_rejected(verify(*c, sign_jwt(*ghost, claims())), "unknown-kid");
  ASSERT_EQ(provider_.jwks_calls, 2);
  // Within the window, a genuinely new key is not fetched yet (the price of the limit)...
  KeySet rotated_set;
  rotated_set.keys = {rotated_, ec_};
  provider_.jwks = rotated_set.to_jwks();
  expect_rejected(verify(*c, sign_jwt(*rotated_, claims())), "unknown-kid");
  EXPECT_EQ(provider_.jwks_calls, 2);
  // ...but once the window has passed, it is.
  std::this_thread::sleep_for(std::chrono::milliseconds(10300));
  auto o = verify(*c, sign_jwt(*rotated_, claims()));
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(provider_.jwks_calls, 3);
}

// --- claims ------------------------------------------------------------------------------------

TEST_F(OidcClientTest, ExpiredTokenIsRejected) {
  auto c = client();
  json cl = claims();
  cl["iat"] = kNow - 400;
  cl["exp"] = kNow - 61;  // beyond the 60 s skew
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "expired");
}

TEST_F(OidcClientTest, TokenNotYetValidIsRejected) {
  auto c = client();
  json cl = claims();
  cl["nbf"] = kNow + 300;
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "not-yet-valid");
}

TEST_F(OidcClientTest, TokenIssuedInTheFutureIsRejected) {
  auto c = client();
  json cl = claims();
  cl["iat"] = kNow + 120;
  cl["exp"] = kNow + 600;
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "issued-in-future");
}

TEST_F(OidcClientTest, OldTokenReplayedWhileStillUnexpiredIsRejected) {
  auto c = client();
  json cl = claims();
  cl["iat"] = kNow - 700;  // more than 600 s + skew ago
  cl["exp"] = kNow + 3600;
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "too-old");
}

TEST_F(OidcClientTest, TokenForAnotherClientIsRejected) {
  auto c = client();
  json cl = claims();
  cl["aud"] = "another-relying-party";
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-audience");
  cl["aud"] = json::array({"another-relying-party", "third"});
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-audience");
  cl.erase("aud");
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-audience");
}

TEST_F(OidcClientTest, AudienceArrayWithoutAzpIsRejected) {
  auto c = client();
  json cl = claims();
  cl["aud"] = json::array({kClientId, "another-relying-party"});
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-azp");
  cl["azp"] = "another-relying-party";
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-azp");
  cl["azp"] = kClientId;
  EXPECT_TRUE(verify(*c, sign_jwt(*rsa_, cl)).identity.has_value());
  // A one-element array naming us is fine without azp.
  cl.erase("azp");
  cl["aud"] = json::array({kClientId});
  EXPECT_TRUE(verify(*c, sign_jwt(*rsa_, cl)).identity.has_value());
}

TEST_F(OidcClientTest, TokenFromAnotherIssuerIsRejected) {
  auto c = client();
  json cl = claims();
  cl["iss"] = "https://evil.example.org";
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-issuer");
  cl["iss"] = kIssuer + "/";
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-issuer");
}

TEST_F(OidcClientTest, TokenWithAnotherLoginsNonceIsRejected) {
  auto c = client();
  auto o = verify(*c, sign_jwt(*rsa_, claims()), "someOtherNonceSomeOtherNonceSomeOtherNonce1");
  expect_rejected(o, "wrong-nonce");
  json cl = claims();
  cl["nonce"] = 12345;
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "wrong-nonce");
}

TEST_F(OidcClientTest, TokenWithoutNonceIsRejected) {
  auto c = client();
  json cl = claims();
  cl.erase("nonce");
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "missing-nonce");
}

TEST_F(OidcClientTest, TokenWithoutExpOrIatIsRejected) {
  auto c = client();
  json cl = claims();
  cl.erase("exp");
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "malformed-claims");
  cl = claims();
  cl["iat"] = "yesterday";
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "malformed-claims");
}

// --- the fiscal code ---------------------------------------------------------------------------

TEST_F(OidcClientTest, FiscalCodeWithBadCheckCharacterIsRejected) {
  auto c = client();
  json cl = claims();
  cl[kFiscalClaim] = "TINIT-RSSMRA85T10A562T";  // check letter should be S
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "invalid-fiscal-code");
  cl[kFiscalClaim] = "TINIT-12345678901";  // a business's number is not a person
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "invalid-fiscal-code");
  cl[kFiscalClaim] = 42;
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "invalid-fiscal-code");
}

TEST_F(OidcClientTest, MissingFiscalCodeClaimIsRejected) {
  auto c = client();
  json cl = claims();
  cl.erase(kFiscalClaim);
  cl["fiscalNumber"] = "TINIT-RSSMRA85T10A562S";  // another claim name is not looked at
  expect_rejected(verify(*c, sign_jwt(*rsa_, cl)), "invalid-fiscal-code");
}

TEST_F(OidcClientTest, ConfiguredFiscalCodeClaimIsTheOneRead) {
  OidcSettings s = settings();
  s.fiscal_code_claim = "fiscalNumber";
  auto c = client(s);
  json cl = claims();
  cl.erase(kFiscalClaim);
  cl["fiscalNumber"] = "TINIT-VRDGPP70A01H501S";
  auto o = verify(*c, sign_jwt(*rsa_, cl));
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  EXPECT_EQ(o.identity->fiscal_code, "VRDGPP70A01H501S");
  // The default claim is ignored once another one is configured.
  json only_default = claims();
  expect_rejected(verify(*c, sign_jwt(*rsa_, only_default)), "invalid-fiscal-code");
}

TEST(FiscalCodeFromClaims, PrefixRemovedAndNormalised) {
  EXPECT_EQ(fiscal_code_from_claims(json{{"cf", "TINIT-RSSMRA85T10A562S"}}, "cf"), "RSSMRA85T10A562S");
  EXPECT_EQ(fiscal_code_from_claims(json{{"cf", " rssmra85t10a562s "}}, "cf"), "RSSMRA85T10A562S");
  EXPECT_EQ(fiscal_code_from_claims(json{{"cf", "TINIT-RSSMRA85T10A562T"}}, "cf"), "");
  EXPECT_EQ(fiscal_code_from_claims(json{{"other", "RSSMRA85T10A562S"}}, "cf"), "");
  EXPECT_EQ(fiscal_code_from_claims(json::object(), "cf"), "");
}

// --- the provider's configuration and availability ---------------------------------------

TEST_F(OidcClientTest, DiscoveryNamingAnotherIssuerIsRefused) {
  provider_.discovery_issuer = "https://evil.example.org";
  auto c = client();
  EXPECT_THROW(c->begin(), std::runtime_error);
  // And no ID token is accepted on the strength of that document.
  auto o = verify(*c, sign_jwt(*rsa_, claims()));
  EXPECT_FALSE(o.identity.has_value());
  EXPECT_EQ(provider_.jwks_calls, 0);
}

TEST_F(OidcClientTest, DiscoveryDowngradingTheTokenEndpointToPlainHttpIsRefused) {
  // The client secret travels to the token endpoint: an https provider must not send it to
  // a plain-http one (oidc_client.cpp: "only http(s) URLs on the provider's own scheme").
  provider_.token_endpoint = "http://login.example.it/token";
  auto c = client();
  EXPECT_THROW(c->begin(), std::runtime_error);
}

TEST_F(OidcClientTest, UnreachableProviderMakesBeginThrow) {
  provider_.down = true;
  auto c = client();
  EXPECT_THROW(c->begin(), std::runtime_error);
  // Once it is back, the client recovers (a failure is not cached).
  provider_.down = false;
  EXPECT_NO_THROW(c->begin());
}

TEST_F(OidcClientTest, UnreachableTokenEndpointIsReportedAsAValue) {
  auto c = client();
  auto a = c->begin();
  provider_.token_down = true;
  LoginOutcome o;
  ASSERT_NO_THROW(o = c->finish("code-1", a.code_verifier, kNonce, kNow));
  expect_rejected(o, "provider-unreachable");
}

TEST_F(OidcClientTest, UnreachableProviderOnTheCallbackIsReportedAsAValue) {
  // Another node (or a restarted one) handles the callback: nothing cached, provider down.
  // finish() reports errors as values (header contract), it must not throw.
  provider_.down = true;
  auto c = client();
  LoginOutcome o;
  ASSERT_NO_THROW(o = c->finish("code-1", "verifier", kNonce, kNow));
  expect_rejected(o, "provider-unreachable");
}

TEST_F(OidcClientTest, ReplayedAuthorizationCodeReportsTheProvidersError) {
  auto c = client();
  auto a = c->begin();
  provider_.token_status = 400;
  provider_.token_body = json{{"error", "invalid_grant"}, {"error_description", "code already used"}}.dump();
  expect_rejected(c->finish("used-code", a.code_verifier, kNonce, kNow), "token-endpoint-invalid_grant");
  // Without a JSON body, the status is the reason.
  provider_.token_status = 502;
  provider_.token_body = "<html>Bad gateway</html>";
  expect_rejected(c->finish("code", a.code_verifier, kNonce, kNow), "token-endpoint-502");
  // A 200 without an ID token is not a login.
  provider_.token_status = 200;
  provider_.token_body = json{{"access_token", "x"}, {"token_type", "Bearer"}}.dump();
  expect_rejected(c->finish("code", a.code_verifier, kNonce, kNow), "no-id-token");
}

// --- the authorization request and the token request -------------------------------------

TEST_F(OidcClientTest, AuthorizationRequestCarriesStateNonceAndPkceS256) {
  auto c = client();
  auto a = c->begin();
  ASSERT_EQ(a.url.rfind(kIssuer + "/authorize?", 0), 0u) << a.url;
  auto ps = url_params(a.url);
  for (const char* k : {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
                        "code_challenge_method"})
    EXPECT_EQ(count_of(ps, k), 1) << k;
  EXPECT_EQ(value_of(ps, "response_type"), "code");
  EXPECT_EQ(value_of(ps, "client_id"), kClientId);
  EXPECT_EQ(value_of(ps, "redirect_uri"), kRedirect);
  EXPECT_EQ(value_of(ps, "scope"), "openid profile email");
  const std::regex token43("^[A-Za-z0-9]{43}$");
  EXPECT_TRUE(std::regex_match(a.state, token43)) << a.state;
  EXPECT_TRUE(std::regex_match(a.nonce, token43)) << a.nonce;
  EXPECT_EQ(value_of(ps, "state"), a.state);
  EXPECT_EQ(value_of(ps, "nonce"), a.nonce);
  // RFC 7636 §4.1: 43-128 unreserved characters; §4.2: S256 = BASE64URL(SHA256(verifier)).
  EXPECT_TRUE(std::regex_match(a.code_verifier, std::regex("^[A-Za-z0-9._~-]{43,128}$"))) << a.code_verifier;
  EXPECT_EQ(value_of(ps, "code_challenge"), b64url(sha256_bytes(a.code_verifier)));
  EXPECT_EQ(value_of(ps, "code_challenge_method"), "S256");
  EXPECT_EQ(a.url.find(a.code_verifier), std::string::npos);  // the verifier never leaves the RP here
  // Every request is fresh.
  auto b = c->begin();
  EXPECT_NE(a.state, b.state);
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_NE(a.code_verifier, b.code_verifier);
  EXPECT_NE(a.state, a.nonce);
}

TEST_F(OidcClientTest, TokenRequestAuthenticatesWithBasicAndSendsCodeAndVerifier) {
  auto c = client();
  auto a = c->begin();
  provider_.token_body = json{{"id_token", sign_jwt(*rsa_, claims())}}.dump();
  const std::string code = "SplxlOBeZQQYbYS6WxSbIA/+= &x";
  auto o = c->finish(code, a.code_verifier, kNonce, kNow);
  ASSERT_TRUE(o.identity.has_value()) << o.error;
  ASSERT_EQ(provider_.token_requests.size(), 1u);
  const auto& r = provider_.token_requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kIssuer + "/token");
  std::string authorization, content_type;
  for (const auto& [k, v] : r.headers) {
    if (web::iequals(k, "Authorization")) authorization = v;
    if (web::iequals(k, "Content-Type")) content_type = v;
  }
  EXPECT_EQ(content_type.rfind("application/x-www-form-urlencoded", 0), 0u) << content_type;
  ASSERT_EQ(authorization.rfind("Basic ", 0), 0u) << authorization;
  auto decoded = base64_decode(authorization.substr(6));
  ASSERT_TRUE(decoded.has_value());
  auto colon = decoded->find(':');
  ASSERT_NE(colon, std::string::npos);
  std::string id, secret;
  // RFC 6749 §2.3.1: both halves form-urlencoded before base64.
  ASSERT_TRUE(web::percent_decode(decoded->substr(0, colon), id, true));
  ASSERT_TRUE(web::percent_decode(decoded->substr(colon + 1), secret, true));
  EXPECT_EQ(id, kClientId);
  EXPECT_EQ(secret, kClientSecret);
  auto body = params_of(r.body);
  EXPECT_EQ(value_of(body, "grant_type"), "authorization_code");
  EXPECT_EQ(value_of(body, "code"), code);
  EXPECT_EQ(value_of(body, "code_verifier"), a.code_verifier);
  EXPECT_EQ(value_of(body, "redirect_uri"), kRedirect);
  EXPECT_EQ(count_of(body, "client_secret"), 0);  // never in the body as well
  EXPECT_EQ(r.body.find(kClientSecret), std::string::npos);
}

// --- logout --------------------------------------------------------------------------------------

TEST_F(OidcClientTest, EndSessionUrlCarriesHintAndPostLogoutRedirect) {
  auto c = client();
  const std::string hint = sign_jwt(*rsa_, claims());
  const std::string url = c->end_session_url(hint, "st4te");
  ASSERT_EQ(url.rfind(kIssuer + "/logout?", 0), 0u) << url;
  auto ps = url_params(url);
  EXPECT_EQ(value_of(ps, "id_token_hint"), hint);
  EXPECT_EQ(value_of(ps, "post_logout_redirect_uri"), kPostLogout);
  EXPECT_EQ(value_of(ps, "client_id"), kClientId);
  EXPECT_EQ(value_of(ps, "state"), "st4te");
}

TEST_F(OidcClientTest, EndSessionUrlIsEmptyWithoutAnEndSessionEndpoint) {
  provider_.end_session = false;
  auto c = client();
  EXPECT_EQ(c->end_session_url("token", "state"), "");
}

TEST_F(OidcClientTest, EndSessionUrlIsEmptyWhenTheProviderIsDown) {
  provider_.down = true;
  auto c = client();
  EXPECT_EQ(c->end_session_url("token", "state"), "");
}

}  // namespace
}  // namespace au::identity
