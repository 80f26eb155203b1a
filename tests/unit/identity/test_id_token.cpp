#include "identity/id_token.h"

#include <gtest/gtest.h>

#include <string>

namespace au::identity {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1700000000;

class ClaimsTest : public ::testing::Test {
 protected:
  json claims = {{"iss", "https://idp.example"},
                 {"sub", "user-42"},
                 {"aud", "client-1"},
                 {"exp", kNow + 300},
                 {"iat", kNow - 10},
                 {"nonce", "n-0S6_WzA2Mj"},
                 {"jti", "a1b2c3"}};
  ClaimExpectations expect = [] {
    ClaimExpectations e;
    e.issuer = "https://idp.example";
    e.audience = "client-1";
    e.nonce = "n-0S6_WzA2Mj";
    e.now = kNow;
    e.skew_seconds = 60;
    return e;
  }();
};

TEST_F(ClaimsTest, ValidClaimsPass) { EXPECT_EQ(check_claims(claims, expect), ""); }

TEST_F(ClaimsTest, Expired) {
  claims["exp"] = kNow - 61;
  EXPECT_EQ(check_claims(claims, expect), "expired");
  claims["exp"] = kNow - 60;  // now < exp + skew is false at the boundary
  EXPECT_EQ(check_claims(claims, expect), "expired");
}

TEST_F(ClaimsTest, ExpiredWithinSkewIsAccepted) {
  claims["exp"] = kNow - 59;
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["exp"] = kNow - 30.5;  // NumericDate may be fractional
  EXPECT_EQ(check_claims(claims, expect), "");
  expect.skew_seconds = 0;
  claims["exp"] = kNow;
  EXPECT_EQ(check_claims(claims, expect), "expired");
  claims["exp"] = kNow + 1;
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, NotYetValid) {
  claims["nbf"] = kNow + 61;
  EXPECT_EQ(check_claims(claims, expect), "not-yet-valid");
  claims["nbf"] = kNow + 60;  // within skew
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["nbf"] = kNow - 1000;
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, WrongIssuer) {
  claims["iss"] = "https://idp.example/";  // exact match only
  EXPECT_EQ(check_claims(claims, expect), "wrong-issuer");
  claims["iss"] = "https://IDP.example";
  EXPECT_EQ(check_claims(claims, expect), "wrong-issuer");
  claims["iss"] = json::array({"https://idp.example"});
  EXPECT_EQ(check_claims(claims, expect), "wrong-issuer");
  claims.erase("iss");
  EXPECT_EQ(check_claims(claims, expect), "wrong-issuer");
}

TEST_F(ClaimsTest, EmptyExpectationsMatchNothing) {
  claims["iss"] = "";
  claims["aud"] = "";
  expect.issuer = "";
  EXPECT_EQ(check_claims(claims, expect), "wrong-issuer");
  expect.issuer = "";
  claims["iss"] = "https://idp.example";
  expect.issuer = "https://idp.example";
  expect.audience = "";
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
}

TEST_F(ClaimsTest, WrongAudience) {
  claims["aud"] = "client-2";
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
  claims["aud"] = "CLIENT-1";
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
  claims["aud"] = json::array({"client-2", "client-3"});
  claims["azp"] = "client-1";
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
  claims["aud"] = json::array();
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
  claims["aud"] = 42;
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
  claims.erase("aud");
  EXPECT_EQ(check_claims(claims, expect), "wrong-audience");
}

TEST_F(ClaimsTest, AudienceArray) {
  claims["aud"] = json::array({"client-1"});
  EXPECT_EQ(check_claims(claims, expect), "") << "single entry: azp not needed";
  claims["aud"] = json::array({"client-1", "api.example"});
  EXPECT_EQ(check_claims(claims, expect), "wrong-azp") << "several entries without azp";
  claims["azp"] = "api.example";
  EXPECT_EQ(check_claims(claims, expect), "wrong-azp");
  claims["azp"] = json::array({"client-1"});
  EXPECT_EQ(check_claims(claims, expect), "wrong-azp");
  claims["azp"] = "client-1";
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["aud"] = json::array({"api.example", 7, "client-1"});
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, Nonce) {
  claims.erase("nonce");
  EXPECT_EQ(check_claims(claims, expect), "missing-nonce");
  claims["nonce"] = "n-0S6_WzA2Mk";
  EXPECT_EQ(check_claims(claims, expect), "wrong-nonce");
  claims["nonce"] = "";
  EXPECT_EQ(check_claims(claims, expect), "wrong-nonce");
  claims["nonce"] = 12;
  EXPECT_EQ(check_claims(claims, expect), "wrong-nonce");
  // No nonce expected (access tokens, client assertions): any or none is fine.
  expect.nonce = "";
  EXPECT_EQ(check_claims(claims, expect), "");
  claims.erase("nonce");
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, IssuedInFuture) {
  claims["iat"] = kNow + 61;
  EXPECT_EQ(check_claims(claims, expect), "issued-in-future");
  claims["iat"] = kNow + 60;
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, TooOld) {
  expect.max_age_seconds = 300;
  claims["iat"] = kNow - 361;
  EXPECT_EQ(check_claims(claims, expect), "too-old");
  claims["iat"] = kNow - 360;  // max_age + skew
  EXPECT_EQ(check_claims(claims, expect), "");
  expect.max_age_seconds = 0;  // no limit
  claims["iat"] = kNow - 86400;
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, Jti) {
  expect.require_jti = true;
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["jti"] = "";
  EXPECT_EQ(check_claims(claims, expect), "missing-jti");
  claims["jti"] = 5;
  EXPECT_EQ(check_claims(claims, expect), "missing-jti");
  claims.erase("jti");
  EXPECT_EQ(check_claims(claims, expect), "missing-jti");
  expect.require_jti = false;
  EXPECT_EQ(check_claims(claims, expect), "");
}

TEST_F(ClaimsTest, MalformedClaims) {
  for (const char* name : {"exp", "iat", "nbf"}) {
    for (const json& bad : {json("1700000300"), json(nullptr), json(true), json::array({1}),
                            json::object()}) {
      json c = claims;
      c[name] = bad;
      EXPECT_EQ(check_claims(c, expect), "malformed-claims") << name << "=" << bad.dump();
    }
  }
  json c = claims;
  c.erase("exp");
  EXPECT_EQ(check_claims(c, expect), "malformed-claims");
  c = claims;
  c.erase("iat");
  EXPECT_EQ(check_claims(c, expect), "malformed-claims");
  EXPECT_EQ(check_claims(json::array(), expect), "malformed-claims");
  EXPECT_EQ(check_claims(json("x"), expect), "malformed-claims");
}

TEST_F(ClaimsTest, ExtremeNumbersDoNotOverflow) {
  claims["exp"] = 9223372036854775807LL;
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["exp"] = 18446744073709551615ULL;
  EXPECT_EQ(check_claims(claims, expect), "");
  claims["exp"] = -9223372036854775807LL - 1;
  EXPECT_EQ(check_claims(claims, expect), "expired");
  claims["exp"] = kNow + 300;
  claims["iat"] = -1e308;
  expect.max_age_seconds = 10;
  EXPECT_EQ(check_claims(claims, expect), "too-old");
}

}  // namespace
}  // namespace au::identity
