#include "identity/modi.h"

#include "identity/crypto.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace au::identity {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'750'000'000;
constexpr const char* kAud = "https://accesso-unico.example/rest/backoffice/v1/pratiche";
constexpr const char* kBody = R"({"pratica":"2025-0042","stato":"accolta"})";
constexpr const char* kJson = "application/json";

class ModiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_old_ = Key::generate_rsa()->with_kid("a-rsa-2024");
    a_new_ = Key::generate_rsa()->with_kid("a-rsa-2025");
    e_ec_ = Key::generate_ec_p256()->with_kid("e-ec-1");
    b_ec_ = Key::generate_ec_p256()->with_kid("b-ec-1");
  }
  static void TearDownTestSuite() {
    a_old_.reset();
    a_new_.reset();
    e_ec_.reset();
    b_ec_.reset();
  }

  void SetUp() override {
    clients_["client-a"] = ModiClient{"client-a", "ente-a", KeySet{{a_old_, a_new_}}};
    clients_["client-e"] = ModiClient{"client-e", "ente-e", KeySet{{e_ec_}}};
    clients_["client-b"] = ModiClient{"client-b", "ente-b", KeySet{{b_ec_}}};
    expect_.audience = kAud;
    expect_.now = kNow;
  }

  ModiResult verify(const web::Request& req) {
    return verify_modi_request(
        req,
        [this](const std::string& id) -> const ModiClient* {
          const auto it = clients_.find(id);
          return it == clients_.end() ? nullptr : &it->second;
        },
        expect_,
        [this](const std::string& ns, const std::string& jti, std::int64_t expires_at) {
          last_expires_at_ = expires_at;
          return seen_.insert({ns, jti}).second;
        });
  }

  static web::Request post(const ModiSigned& s, std::string body = kBody,
                           std::string content_type = kJson) {
    web::Request req;
    req.method = "POST";
    req.target = req.path = "/rest/backoffice/v1/pratiche";
    req.body = std::move(body);
    if (!content_type.empty()) req.headers["Content-Type"] = content_type;
    if (!s.authorization.empty()) req.headers["Authorization"] = s.authorization;
    if (!s.digest.empty()) req.headers["Digest"] = s.digest;
    if (!s.agid_jwt_signature.empty()) req.headers["Agid-JWT-Signature"] = s.agid_jwt_signature;
    return req;
  }

  static ModiSigned signed_a(std::int64_t now = kNow) {
    return sign_modi_request(*a_new_, "client-a", kAud, kBody, kJson, now);
  }

  static json auth_claims(const std::string& client) {
    return {{"iss", client},     {"sub", client},       {"aud", kAud},
            {"iat", kNow},       {"exp", kNow + 300},   {"jti", random_token(24)}};
  }

  static void expect_fail(const ModiResult& r, int status, const std::string& reason) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.reason, reason);
    EXPECT_TRUE(r.client_id.empty());
  }

  static inline KeyPtr a_old_, a_new_, e_ec_, b_ec_;
  std::map<std::string, ModiClient> clients_;
  std::set<std::pair<std::string, std::string>> seen_;
  std::int64_t last_expires_at_ = 0;
  ModiExpectations expect_;
};

TEST_F(ModiTest, ValidSignedPostRs256) {
  const auto r = verify(post(signed_a()));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.client_id, "client-a");
  EXPECT_EQ(r.ente_id, "ente-a");
  // Both jtis recorded, in distinct namespaces.
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_.begin()->first, "client-a");
  EXPECT_EQ(std::next(seen_.begin())->first, "client-a:sig");
  // Kept until the token can no longer be accepted: min(exp, iat + max_age) + skew.
  EXPECT_GE(last_expires_at_, kNow + 300 + 60);
}

TEST_F(ModiTest, ValidSignedPostEs256) {
  const auto s = sign_modi_request(*e_ec_, "client-e", kAud, kBody, kJson, kNow);
  const auto r = verify(post(s));
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.ente_id, "ente-e");
}

TEST_F(ModiTest, SecondKeyDuringRotationAccepted) {
  const auto old_key = sign_modi_request(*a_old_, "client-a", kAud, kBody, kJson, kNow);
  const auto new_key = sign_modi_request(*a_new_, "client-a", kAud, kBody, kJson, kNow);
  EXPECT_TRUE(verify(post(old_key)).ok);
  EXPECT_TRUE(verify(post(new_key)).ok);
}

TEST_F(ModiTest, GetWithoutBodyNeedsNoIntegrityHeaders) {
  const auto s = sign_modi_request(*a_new_, "client-a", kAud, "", "", kNow);
  EXPECT_TRUE(s.digest.empty());
  EXPECT_TRUE(s.agid_jwt_signature.empty());
  auto req = post(s, "", "");
  req.method = "GET";
  const auto r = verify(req);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(seen_.size(), 1u);
}

TEST_F(ModiTest, LowercaseSha256TokenAccepted) {
  auto s = signed_a();
  // The signed Digest value must be the one sent: sign again by hand with the lowercase token.
  s.digest = "sha-256=" + base64_encode(sha256_raw(kBody));
  json claims = auth_claims("client-a");
  claims["signed_headers"] = json::array({{{"digest", s.digest}}, {{"content-type", kJson}}});
  s.agid_jwt_signature = sign_jwt(*a_new_, claims);
  const auto r = verify(post(s));
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(ModiTest, MissingAuthorizationRejected) {
  auto s = signed_a();
  s.authorization.clear();
  expect_fail(verify(post(s)), 401, "missing-authorization");
  auto req = post(signed_a());
  req.headers["Authorization"] = "Basic dXNlcjpwYXNz";
  expect_fail(verify(req), 401, "missing-authorization");
}

TEST_F(ModiTest, ReplayedAuthorizationJtiRejected) {
  const auto s = signed_a();
  ASSERT_TRUE(verify(post(s)).ok);
  expect_fail(verify(post(s)), 401, "replayed-jti");
}

TEST_F(ModiTest, ReplayedSignatureJtiRejected) {
  const auto first = signed_a();
  ASSERT_TRUE(verify(post(first)).ok);
  // A fresh Authorization token, but the integrity JWS of the first request replayed.
  auto second = signed_a();
  second.agid_jwt_signature = first.agid_jwt_signature;
  expect_fail(verify(post(second)), 401, "replayed-signature-jti");
}

TEST_F(ModiTest, RejectedRequestDoesNotBurnJti) {
  const auto s = signed_a();
  expect_fail(verify(post(s, std::string(kBody) + " ")), 401, "digest-mismatch");
  EXPECT_TRUE(seen_.empty());
  EXPECT_TRUE(verify(post(s)).ok);
}

TEST_F(ModiTest, ExpiredTokenRejected) {
  expect_fail(verify(post(signed_a(kNow - 1000))), 401, "expired");
}

TEST_F(ModiTest, IatTooOldRejected) {
  json claims = auth_claims("client-a");
  claims["iat"] = kNow - 1000;  // still within exp, but older than max_age + skew
  claims["exp"] = kNow + 1000;
  auto s = signed_a();
  s.authorization = "Bearer " + sign_jwt(*a_new_, claims);
  expect_fail(verify(post(s)), 401, "too-old");
}

TEST_F(ModiTest, IntegrityTokenTooOldRejected) {
  auto s = signed_a();
  json claims = auth_claims("client-a");
  claims["iat"] = kNow - 1000;
  claims["exp"] = kNow + 1000;
  claims["signed_headers"] = json::array({{{"digest", s.digest}}, {{"content-type", kJson}}});
  s.agid_jwt_signature = sign_jwt(*a_new_, claims);
  expect_fail(verify(post(s)), 401, "signature-too-old");
}

TEST_F(ModiTest, WrongAudienceRejected) {
  const auto s =
      sign_modi_request(*a_new_, "client-a", "https://altro-ente.example/api", kBody, kJson, kNow);
  expect_fail(verify(post(s)), 401, "wrong-audience");
}

TEST_F(ModiTest, MissingJtiRejected) {
  json claims = auth_claims("client-a");
  claims.erase("jti");
  auto s = signed_a();
  s.authorization = "Bearer " + sign_jwt(*a_new_, claims);
  expect_fail(verify(post(s)), 401, "missing-jti");
}

TEST_F(ModiTest, TokenSignedByAnotherEnteKeyRejected) {
  // Another ente's key, its own kid: not among client-a's keys.
  auto s = signed_a();
  s.authorization = "Bearer " + sign_jwt(*b_ec_, auth_claims("client-a"));
  expect_fail(verify(post(s)), 401, "unknown-kid");
  // Another ente's key presented under client-e's kid: the signature does not verify.
  auto e = sign_modi_request(*e_ec_, "client-e", kAud, kBody, kJson, kNow);
  e.authorization = "Bearer " + sign_jwt(*b_ec_->with_kid("e-ec-1"), auth_claims("client-e"));
  expect_fail(verify(post(e)), 401, "bad-signature");
}

TEST_F(ModiTest, UnknownClientRejected) {
  const auto s = sign_modi_request(*a_new_, "client-z", kAud, kBody, kJson, kNow);
  expect_fail(verify(post(s)), 401, "unknown-client");
}

TEST_F(ModiTest, SubjectOtherThanIssuerRejected) {
  json claims = auth_claims("client-a");
  claims["sub"] = "client-b";
  auto s = signed_a();
  s.authorization = "Bearer " + sign_jwt(*a_new_, claims);
  expect_fail(verify(post(s)), 401, "wrong-subject");
}

TEST_F(ModiTest, BodyAlteredAfterSigningRejected) {
  const auto s = signed_a();
  expect_fail(verify(post(s, R"({"pratica":"2025-0042","stato":"respinta"})")), 401,
              "digest-mismatch");
}

TEST_F(ModiTest, DigestRecomputedForAlteredBodyRejected) {
  const std::string altered = R"({"pratica":"2025-0042","stato":"respinta"})";
  auto s = signed_a();
  s.digest = "SHA-256=" + base64_encode(sha256_raw(altered));
  expect_fail(verify(post(s, altered)), 401, "signed-headers-mismatch");
}

TEST_F(ModiTest, ContentTypeChangedRejected) {
  const auto s = signed_a();
  expect_fail(verify(post(s, kBody, "application/x-www-form-urlencoded")), 401,
              "signed-headers-mismatch");
}

TEST_F(ModiTest, UnsignedContentEncodingRejected) {
  auto req = post(signed_a());
  req.headers["Content-Encoding"] = "identity";
  expect_fail(verify(req), 401, "signed-headers-mismatch");
}

TEST_F(ModiTest, DigestMissingOnPostRejected) {
  auto s = signed_a();
  s.digest.clear();
  expect_fail(verify(post(s)), 401, "missing-digest");
}

TEST_F(ModiTest, SignatureMissingOnPostRejected) {
  auto s = signed_a();
  s.agid_jwt_signature.clear();
  expect_fail(verify(post(s)), 401, "missing-signature");
}

TEST_F(ModiTest, DigestWithMd5Is400) {
  auto s = signed_a();
  s.digest = "MD5=HUXZLQLMuI/KZ5KDcJPcOA==";
  expect_fail(verify(post(s)), 400, "unsupported-digest-algorithm");
}

TEST_F(ModiTest, MalformedBase64InDigestIs400) {
  auto s = signed_a();
  for (const std::string bad : {"SHA-256=not*base64!", "SHA-256=", "SHA-256=YWJj",
                                "SHA-256", "=abcd", ","}) {
    s.digest = bad;
    expect_fail(verify(post(s)), 400, "malformed-digest");
  }
}

TEST_F(ModiTest, AlgNoneIntegrityJwsRejected) {
  auto s = signed_a();
  json claims = auth_claims("client-a");
  claims["signed_headers"] = json::array({{{"digest", s.digest}}, {{"content-type", kJson}}});
  const std::string unsigned_jws = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                                   base64url_encode(claims.dump()) + ".";
  for (const auto& jws : {unsigned_jws, unsigned_jws + base64url_encode("x")}) {
    s.agid_jwt_signature = jws;
    const auto r = verify(post(s));
    expect_fail(r, 401, "signature-unsupported-algorithm");
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ModiTest, IntegrityJwsFromDifferentClientRejected) {
  auto s = signed_a();
  // client-b signs its own, perfectly valid integrity token for the same body.
  const auto b = sign_modi_request(*b_ec_, "client-b", kAud, kBody, kJson, kNow);
  s.agid_jwt_signature = b.agid_jwt_signature;
  expect_fail(verify(post(s)), 401, "signature-wrong-issuer");
  // Without an iss claim it still has to verify with client-a's keys.
  json claims = auth_claims("client-b");
  claims.erase("iss");
  claims.erase("sub");
  claims["signed_headers"] = json::array({{{"digest", s.digest}}, {{"content-type", kJson}}});
  s.agid_jwt_signature = sign_jwt(*b_ec_, claims);
  expect_fail(verify(post(s)), 401, "signature-unknown-kid");
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ModiTest, NoReplayStoreFailsClosed) {
  const auto r = verify_modi_request(
      post(signed_a()), [this](const std::string& id) { return &clients_.at(id); }, expect_,
      JtiSeen{});
  expect_fail(r, 500, "no-replay-store");
}

}  // namespace
}  // namespace au::identity
