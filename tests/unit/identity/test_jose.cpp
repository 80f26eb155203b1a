#include "identity/jose.h"

#include "identity/crypto.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace au::identity {
namespace {

using nlohmann::json;

// Known-good vectors made once with the OpenSSL command line, not with this code:
//   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem
//   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem
//   printf '%s' "$header.$payload" | openssl dgst -sha256 -sign ec.pem   (DER, then r||s)
//   printf '%s' "$header.$payload" | openssl dgst -sha256 -sign rsa.pem
// x/y are the last 65 bytes of `openssl pkey -pubout -outform DER`, n from `openssl rsa -modulus`.
// Payload: {"iss":"https://cli.example","sub":"interop","aud":"accesso-unico",
//           "iat":1700000000,"exp":1700003600}
constexpr const char* kCliEcX = "hwZaFWpja-TkT9rhJJlwr4XPY-iD5xpl0Yuw49VgvzY";
constexpr const char* kCliEcY = "dKPnRDTe_d3_T12qVraszDVpp_EvXd7U5SyBuuA_A9E";
constexpr const char* kCliEs256Token =
    "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImNsaS1lYy0xIn0.eyJpc3MiOiJodHRwczovL2NsaS5l"
    "eGFtcGxlIiwic3ViIjoiaW50ZXJvcCIsImF1ZCI6ImFjY2Vzc28tdW5pY28iLCJpYXQiOjE3MDAwMDAwMDAsImV4"
    "cCI6MTcwMDAwMzYwMH0.kNpzw8lDHbN_OY9-WAdnDNdpKbWo0pkYrQ4DL-yutro-iQ1OY_1VuolhrAJ2aRp6YAJG"
    "z_r7YG2edOHp_aAu7g";

constexpr const char* kCliRsaN =
    "1Q7PWtEupQV0LD8sWbe4nfHAsv_Eap1nUGhzOfuYMIhM9x8PL-WEM_-HjgPzxM0uDCVvncc5MWZz1ylnGjwcbsU4"
    "RkluUIJigJqGZSLI1knF1h8gHaWtEjzP62DiOxkgel5kbljxhfWNU9ny1UTSTYZZDgCU03CiIk6eqvxdC70U6W-3"
    "R8qnPI162DYnR1aK5Hu06zf40scnum7y3MPknspcGP_31y2WricoTkMJB5EPX-joiYR324-AjpZRLvKu3af0gWIh"
    "UmFrPWL9KMQb-NlwcT6JqCfex0-W-fo-fAHkDBgUY3HQeikUXhaC3ascVHNrIhr5PirYIAUYTx4Mbw";

constexpr const char* kCliRs256Token =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImNsaS1yc2EtMSJ9.eyJpc3MiOiJodHRwczovL2NsaS5"
    "leGFtcGxlIiwic3ViIjoiaW50ZXJvcCIsImF1ZCI6ImFjY2Vzc28tdW5pY28iLCJpYXQiOjE3MDAwMDAwMDAsImV"
    "4cCI6MTcwMDAwMzYwMH0.k6unweWGNRenhP59efO5QCXvjpsxMiq5mqBU8Bxs91uREKQm_UjXvZ-NSv0kQNJAQtW"
    "Hi0av44TCidOkRLTDkQUBhYIo9KqbBTL10ktZcn-tZCrHo9nR92CBCYxhfGMxKQDLdI1k_8prbkEl6fJ-6gt4TQK"
    "XmqomBOkMEf9Nt4VLDVMwOi0OgLwBsh5hPkatH8Rsd1QIjHauElVQzXQta2VNVN6KBEsrsYnbGb0WBLeQOD4zgEd"
    "pfuVRFm04psSZ_hv50qtZEsh0l4_wim92oiMagkI0UXC4iM9JtekBEetQT3jlh1auKi-qGJw7Xt0Dwm45hWXEub-"
    "kJBfgtH2dFg";


std::string b64json(const json& j) { return base64url_encode(j.dump()); }

std::string compact(const json& header, const json& payload, std::string_view signature) {
  return b64json(header) + "." + b64json(payload) + "." + base64url_encode(signature);
}

// Parse + verify as a caller does: "parse:<reason>" when the structure is refused, otherwise
// the verification result.
std::string check(std::string_view token, const KeySet& keys) {
  std::string error;
  const auto jws = parse_jws(token, error);
  if (!jws) return "parse:" + error;
  return describe(verify_jws(*jws, keys));
}

KeyPtr public_only(const Key& key) {
  std::string error;
  auto pub = Key::from_jwk(key.public_jwk(), error);
  EXPECT_TRUE(pub) << error;
  return pub;
}

// DER ECDSA-Sig-Value from raw r||s, written here rather than with OpenSSL so the test does
// not trust the conversion it is checking.
std::string der_integer(std::string_view be) {
  std::size_t i = 0;
  while (i + 1 < be.size() && be[i] == '\0') ++i;
  std::string v(be.substr(i));
  if (static_cast<std::uint8_t>(v[0]) & 0x80) v.insert(v.begin(), '\0');
  return std::string("\x02", 1) + static_cast<char>(v.size()) + v;
}
std::string raw_to_der(std::string_view raw) {
  const std::string body = der_integer(raw.substr(0, 32)) + der_integer(raw.substr(32, 32));
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

class JoseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = Key::generate_rsa(2048)->with_kid("rsa-1");
    ec_ = Key::generate_ec_p256()->with_kid("ec-1");
    keys_.keys = {public_only(*rsa_), public_only(*ec_)};
  }
  static void TearDownTestSuite() {
    rsa_.reset();
    ec_.reset();
    keys_.keys.clear();
  }
  static json claims() {
    return {{"iss", "https://idp.example"}, {"sub", "user-42"}, {"aud", "client-1"},
            {"iat", 1700000000},           {"exp", 1700000600}};
  }
  static inline KeyPtr rsa_;
  static inline KeyPtr ec_;
  static inline KeySet keys_;
};

// --- positive round trips -------------------------------------------------------------------

TEST_F(JoseTest, Rs256RoundTrip) {
  const std::string token = sign_jwt(*rsa_, claims());
  std::string error;
  const auto jws = parse_jws(token, error);
  ASSERT_TRUE(jws) << error;
  EXPECT_EQ(jws->alg(), "RS256");
  EXPECT_EQ(jws->kid(), "rsa-1");
  EXPECT_EQ(jws->header["typ"], "JWT");
  EXPECT_EQ(jws->payload, claims());
  EXPECT_EQ(jws->signature.size(), 256u);
  EXPECT_EQ(verify_jws(*jws, keys_), VerifyResult::Ok);
}

TEST_F(JoseTest, Es256RoundTrip) {
  const std::string token = sign_jwt(*ec_, claims(), "at+jwt");
  std::string error;
  const auto jws = parse_jws(token, error);
  ASSERT_TRUE(jws) << error;
  EXPECT_EQ(jws->alg(), "ES256");
  EXPECT_EQ(jws->header["typ"], "at+jwt");
  EXPECT_EQ(jws->signature.size(), 64u);
  EXPECT_EQ(verify_jws(*jws, keys_), VerifyResult::Ok);
}

TEST_F(JoseTest, SignJwtOmitsEmptyKid) {
  const auto key = Key::generate_ec_p256();
  const std::string token = sign_jwt(*key, claims());
  std::string error;
  const auto jws = parse_jws(token, error);
  ASSERT_TRUE(jws) << error;
  EXPECT_FALSE(jws->header.contains("kid"));
  EXPECT_EQ(jws->header, json({{"alg", "ES256"}, {"typ", "JWT"}}));
  // No kid, exactly one EC key in the set: that key is used.
  KeySet set;
  set.keys = {public_only(*key), keys_.keys[0]};
  EXPECT_EQ(verify_jws(*jws, set), VerifyResult::Ok);
}

TEST_F(JoseTest, RawKeyVerifiesItsOwnSignatures) {
  for (const auto& key : {rsa_, ec_}) {
    const std::string sig = key->sign("data");
    EXPECT_TRUE(key->verify("data", sig));
    EXPECT_FALSE(key->verify("Data", sig));
  }
}

TEST_F(JoseTest, PublicJwkExportImport) {
  for (const auto& key : {rsa_, ec_}) {
    const json jwk = key->public_jwk();
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_EQ(jwk["alg"], key->algorithm());
    std::string error;
    const auto imported = Key::from_jwk(jwk, error);
    ASSERT_TRUE(imported) << error;
    EXPECT_FALSE(imported->has_private());
    EXPECT_EQ(imported->type(), key->type());
    EXPECT_EQ(imported->kid(), key->kid());
    EXPECT_EQ(imported->thumbprint(), key->thumbprint());
    EXPECT_EQ(imported->public_jwk(), jwk);
    EXPECT_TRUE(imported->verify("abc", key->sign("abc")));
    EXPECT_THROW(imported->sign("abc"), std::logic_error);
  }
  EXPECT_EQ(rsa_->public_jwk()["kty"], "RSA");
  EXPECT_EQ(rsa_->public_jwk()["e"], "AQAB");
  EXPECT_EQ(ec_->public_jwk()["crv"], "P-256");
  EXPECT_EQ(base64url_decode(ec_->public_jwk()["x"].get<std::string>())->size(), 32u);
}

TEST_F(JoseTest, JwkPrivatePartIsIgnored) {
  json jwk = ec_->public_jwk();
  jwk["d"] = base64url_encode(std::string(32, '\x01'));
  std::string error;
  const auto key = Key::from_jwk(jwk, error);
  ASSERT_TRUE(key) << error;
  EXPECT_FALSE(key->has_private());
}

TEST_F(JoseTest, WithKidSharesTheKey) {
  const auto copy = rsa_->with_kid("rotated");
  EXPECT_EQ(copy->kid(), "rotated");
  EXPECT_EQ(rsa_->kid(), "rsa-1");
  EXPECT_TRUE(copy->has_private());
  EXPECT_EQ(copy->thumbprint(), rsa_->thumbprint());
  EXPECT_TRUE(rsa_->verify("x", copy->sign("x")));
}

TEST_F(JoseTest, PemRoundTrip) {
  for (const auto& key : {rsa_, ec_}) {
    std::string error;
    const auto priv = Key::from_pem(key->private_pem(), error);
    ASSERT_TRUE(priv) << error;
    EXPECT_NE(key->private_pem().find("BEGIN PRIVATE KEY"), std::string::npos);
    EXPECT_TRUE(priv->has_private());
    EXPECT_EQ(priv->type(), key->type());
    EXPECT_TRUE(key->verify("m", priv->sign("m")));
    const auto pub = Key::from_pem(key->public_pem(), error);
    ASSERT_TRUE(pub) << error;
    EXPECT_FALSE(pub->has_private());
    EXPECT_EQ(pub->private_pem(), "");
    EXPECT_EQ(pub->thumbprint(), key->thumbprint());
  }
  std::string error;
  EXPECT_FALSE(
      Key::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", error));
  EXPECT_FALSE(error.empty());
}

TEST(ThumbprintTest, Rfc7638Example) {
  const json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
       "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2"
       "QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh"
       "6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  std::string error;
  const auto key = Key::from_jwk(jwk, error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

// --- interoperability: tokens signed by the openssl command line ----------------------------

TEST(InteropTest, Es256SignedByOpensslCli) {
  const json jwk = {{"kty", "EC"}, {"crv", "P-256"}, {"x", kCliEcX},
                    {"y", kCliEcY}, {"kid", "cli-ec-1"}, {"use", "sig"}};
  const KeySet set = KeySet::from_jwks({{"keys", {jwk}}});
  ASSERT_EQ(set.keys.size(), 1u);
  std::string error;
  const auto jws = parse_jws(kCliEs256Token, error);
  ASSERT_TRUE(jws) << error;
  EXPECT_EQ(jws->payload["sub"], "interop");
  EXPECT_EQ(verify_jws(*jws, set), VerifyResult::Ok);
  // One flipped bit in the payload breaks it: the vector really is checked.
  std::string tampered = kCliEs256Token;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_NE(check(tampered, set), "ok");
}

TEST(InteropTest, Rs256SignedByOpensslCli) {
  const json jwk = {{"kty", "RSA"}, {"n", kCliRsaN}, {"e", "AQAB"},
                    {"kid", "cli-rsa-1"}, {"alg", "RS256"}};
  const KeySet set = KeySet::from_jwks({{"keys", {jwk}}});
  ASSERT_EQ(set.keys.size(), 1u);
  EXPECT_EQ(check(kCliRs256Token, set), "ok");
  std::string tampered = kCliRs256Token;
  tampered.back() = tampered.back() == 'g' ? 'h' : 'g';
  EXPECT_EQ(check(tampered, set), "parse:bad-base64url");  // 'h' sets unused bits
  tampered = kCliRs256Token;
  tampered[tampered.rfind('.') + 3] ^= 1;
  EXPECT_EQ(check(tampered, set), "bad-signature");
}

// --- attacks ---------------------------------------------------------------------------------

TEST_F(JoseTest, AlgNoneIsRejected) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string token = compact({{"alg", alg}, {"typ", "JWT"}}, claims(), "");
    EXPECT_EQ(check(token, keys_), "unsupported-algorithm") << alg;
    const std::string with_kid = compact({{"alg", alg}, {"kid", "rsa-1"}}, claims(), "");
    EXPECT_EQ(check(with_kid, keys_), "unsupported-algorithm") << alg;
  }
  // Even with a single key in the set and no kid.
  KeySet one;
  one.keys = {keys_.keys[0]};
  EXPECT_EQ(check(compact({{"alg", "none"}}, claims(), ""), one), "unsupported-algorithm");
}

TEST_F(JoseTest, Hs256WithThePublicKeyAsSecretIsRejected) {
  const std::string pem = rsa_->public_pem();
  // DER form: the PEM body decoded.
  std::string body;
  for (std::size_t pos = 0; pos < pem.size();) {
    std::size_t end = pem.find('\n', pos);
    if (end == std::string::npos) end = pem.size();
    const std::string line = pem.substr(pos, end - pos);
    if (line.rfind("-----", 0) != 0) body += line;
    pos = end + 1;
  }
  const auto der = base64_decode(body);
  ASSERT_TRUE(der);
  ASSERT_GT(der->size(), 256u);
  for (const std::string& secret : {pem, *der}) {
    for (const json& header : {json{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}},
                               json{{"alg", "HS256"}, {"typ", "JWT"}}}) {
      const std::string input = b64json(header) + "." + b64json(claims());
      const std::string token = input + "." + base64url_encode(hmac_sha256_raw(secret, input));
      EXPECT_EQ(check(token, keys_), "unsupported-algorithm");
    }
    // The same MAC under a header claiming RS256 is just a wrong signature.
    const std::string input =
        b64json({{"alg", "RS256"}, {"kid", "rsa-1"}}) + "." + b64json(claims());
    const std::string token = input + "." + base64url_encode(hmac_sha256_raw(secret, input));
    EXPECT_EQ(check(token, keys_), "bad-signature");
  }
}

TEST_F(JoseTest, OnlyExactRs256AndEs256AreAccepted) {
  for (const char* alg : {"HS256", "HS512", "RS384", "RS512", "PS256", "ES384", "ES512", "EdDSA",
                          "rs256", "es256", "RS256 ", ""}) {
    const std::string token = compact({{"alg", alg}, {"kid", "rsa-1"}}, claims(),
                                      std::string(256, 'x'));
    EXPECT_EQ(check(token, keys_), "unsupported-algorithm") << alg;
  }
  EXPECT_EQ(check(compact({{"typ", "JWT"}}, claims(), "x"), keys_), "parse:missing-alg");
  EXPECT_EQ(check(compact({{"alg", 256}}, claims(), "x"), keys_), "parse:missing-alg");
  EXPECT_EQ(check(compact({{"alg", nullptr}}, claims(), "x"), keys_), "parse:missing-alg");
}

TEST_F(JoseTest, UnknownKid) {
  const auto other = Key::generate_ec_p256()->with_kid("not-published");
  EXPECT_EQ(check(sign_jwt(*other, claims()), keys_), "unknown-kid");
  // Right key, wrong kid.
  EXPECT_EQ(check(sign_jwt(*ec_->with_kid("ec-2"), claims()), keys_), "unknown-kid");
  // No kid and two candidate keys of the type: no guessing.
  KeySet two = keys_;
  two.keys.push_back(public_only(*Key::generate_ec_p256()->with_kid("ec-3")));
  EXPECT_EQ(check(sign_jwt(*ec_->with_kid(""), claims()), two), "unknown-kid");
  // No kid and no key of the type.
  KeySet rsa_only;
  rsa_only.keys = {keys_.keys[0]};
  EXPECT_EQ(check(sign_jwt(*ec_->with_kid(""), claims()), rsa_only), "unknown-kid");
  // A kid that is not a string is malformed; an empty one names no key.
  const std::string input_sig = std::string(64, 'x');
  EXPECT_EQ(check(compact({{"alg", "ES256"}, {"kid", 1}}, claims(), input_sig), keys_),
            "malformed");
  EXPECT_EQ(check(compact({{"alg", "ES256"}, {"kid", ""}}, claims(), input_sig), keys_),
            "unknown-kid");
  EXPECT_EQ(keys_.find(""), nullptr);
  EXPECT_EQ(keys_.find("ec-1")->type(), KeyType::Ec);
}

TEST_F(JoseTest, PayloadAlteredAfterSigning) {
  const std::string token = sign_jwt(*rsa_, claims());
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  json forged = claims();
  forged["sub"] = "admin";
  const std::string altered =
      token.substr(0, dot1 + 1) + b64json(forged) + token.substr(dot2);
  EXPECT_EQ(check(altered, keys_), "bad-signature");
  // Header altered too (typ changed): also covered by the signature.
  json header = {{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "at+jwt"}};
  EXPECT_EQ(check(b64json(header) + token.substr(dot1), keys_), "bad-signature");
  // Same for ES256.
  const std::string es = sign_jwt(*ec_, claims());
  EXPECT_EQ(check(es.substr(0, es.find('.') + 1) + b64json(forged) + es.substr(es.rfind('.')),
                  keys_),
            "bad-signature");
}

TEST_F(JoseTest, Es256DerSignatureIsRejected) {
  const std::string input = b64json({{"alg", "ES256"}, {"kid", "ec-1"}}) + "." + b64json(claims());
  std::string raw, der;
  do {  // a DER encoding is 64 bytes long only for tiny r and s; re-sign in that case
    raw = ec_->sign(input);
    der = raw_to_der(raw);
  } while (der.size() == 64);
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_EQ(check(input + "." + base64url_encode(raw), keys_), "ok");
  EXPECT_EQ(check(input + "." + base64url_encode(der), keys_), "bad-signature");
  EXPECT_FALSE(ec_->verify(input, der));
}

TEST_F(JoseTest, TruncatedOrPaddedSignatureIsRejected) {
  for (const auto& key : {rsa_, ec_}) {
    const std::string token = sign_jwt(*key, claims());
    const std::size_t dot2 = token.rfind('.');
    const std::string input = token.substr(0, dot2);
    const std::string sig = *base64url_decode(token.substr(dot2 + 1));
    EXPECT_EQ(check(input + "." + base64url_encode(sig.substr(0, sig.size() - 1)), keys_),
              "bad-signature");
    EXPECT_EQ(check(input + "." + base64url_encode(sig.substr(0, sig.size() / 2)), keys_),
              "bad-signature");
    EXPECT_EQ(check(input + "." + base64url_encode(sig + std::string(1, '\0')), keys_),
              "bad-signature");
    EXPECT_EQ(check(input + ".", keys_), "bad-signature");
  }
  // ES256 with r or s zero.
  const std::string input = b64json({{"alg", "ES256"}, {"kid", "ec-1"}}) + "." + b64json(claims());
  EXPECT_EQ(check(input + "." + base64url_encode(std::string(64, '\0')), keys_), "bad-signature");
}

TEST_F(JoseTest, AlgorithmMustMatchKeyType) {
  // Signed by the EC key, header claims RS256 with the EC key's kid.
  const std::string input = b64json({{"alg", "RS256"}, {"kid", "ec-1"}}) + "." + b64json(claims());
  const std::string token = input + "." + base64url_encode(ec_->sign(input));
  EXPECT_NE(check(token, keys_), "ok");
  EXPECT_EQ(check(token, keys_), "unsupported-algorithm");
  // And the other way round.
  const std::string input2 =
      b64json({{"alg", "ES256"}, {"kid", "rsa-1"}}) + "." + b64json(claims());
  const std::string token2 = input2 + "." + base64url_encode(rsa_->sign(input2));
  EXPECT_EQ(check(token2, keys_), "unsupported-algorithm");
  // RS256 without kid against a set holding only an EC key.
  KeySet ec_only;
  ec_only.keys = {keys_.keys[1]};
  const std::string input3 = b64json({{"alg", "RS256"}}) + "." + b64json(claims());
  EXPECT_EQ(check(input3 + "." + base64url_encode(ec_->sign(input3)), ec_only), "unknown-kid");
  // A kid shared by an RSA and an EC key resolves by algorithm.
  KeySet shared;
  shared.keys = {public_only(*rsa_->with_kid("same")), public_only(*ec_->with_kid("same"))};
  EXPECT_EQ(check(sign_jwt(*ec_->with_kid("same"), claims()), shared), "ok");
  EXPECT_EQ(check(sign_jwt(*rsa_->with_kid("same"), claims()), shared), "ok");
}

TEST_F(JoseTest, CritHeaderIsRejected) {
  for (const json& crit : {json::array({"exp"}), json::array({"b64"}), json::array(), json("x")}) {
    json header = {{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", crit}, {"exp", 1}, {"b64", true}};
    const std::string input = b64json(header) + "." + b64json(claims());
    const std::string token = input + "." + base64url_encode(rsa_->sign(input));
    EXPECT_EQ(check(token, keys_), "malformed") << crit.dump();
  }
}

TEST_F(JoseTest, BadBase64urlIsRejected) {
  const std::string token = sign_jwt(*rsa_, claims());
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  const std::string h = token.substr(0, dot1);
  const std::string p = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string s = token.substr(dot2 + 1);
  ASSERT_EQ(check(token, keys_), "ok");
  // 256-byte signature: 342 characters, so standard base64 would end in "==" padding.
  EXPECT_EQ(check(h + "." + p + "." + s + "==", keys_), "parse:bad-base64url");
  EXPECT_EQ(check(h + "=." + p + "." + s, keys_), "parse:bad-base64url");
  auto swap_alphabet = [](std::string x) {
    for (char& c : x) {
      if (c == '-') c = '+';
      if (c == '_') c = '/';
    }
    return x;
  };
  // Standard alphabet: make sure the part contains a '+' or '/' to test.
  std::string std_sig = swap_alphabet(s);
  if (std_sig == s) std_sig = "+" + s.substr(1);
  EXPECT_EQ(check(h + "." + p + "." + std_sig, keys_), "parse:bad-base64url");
  EXPECT_EQ(check("+" + h.substr(1) + "." + p + "." + s, keys_), "parse:bad-base64url");
  EXPECT_EQ(check(h + "." + p + "/." + s, keys_), "parse:bad-base64url");
  EXPECT_EQ(check(h + "." + p + ". " + s, keys_), "parse:bad-base64url");
  EXPECT_EQ(check(h + "\n." + p + "." + s, keys_), "parse:bad-base64url");
  EXPECT_EQ(check(h + "." + p + "A." + s, keys_).rfind("parse:", 0), 0u);
}

TEST_F(JoseTest, WrongNumberOfParts) {
  const std::string token = sign_jwt(*rsa_, claims());
  const std::string two = token.substr(0, token.rfind('.'));
  EXPECT_EQ(check(two, keys_), "parse:not-three-parts");
  EXPECT_EQ(check(token + ".", keys_), "parse:not-three-parts");
  EXPECT_EQ(check(token + ".AAAA", keys_), "parse:not-three-parts");
  EXPECT_EQ(check(token + ".AAAA.AAAA", keys_), "parse:not-three-parts");  // JWE shape
  EXPECT_EQ(check("", keys_), "parse:not-three-parts");
  EXPECT_EQ(check("..", keys_).rfind("parse:", 0), 0u);
}

TEST_F(JoseTest, HeaderAndPayloadMustBeJsonObjects) {
  const std::string sig = base64url_encode(std::string(256, 'x'));
  const std::string p = b64json(claims());
  EXPECT_EQ(check(base64url_encode("not json") + "." + p + "." + sig, keys_),
            "parse:header-not-json-object");
  EXPECT_EQ(check(base64url_encode(R"(["alg","RS256"])") + "." + p + "." + sig, keys_),
            "parse:header-not-json-object");
  EXPECT_EQ(check(base64url_encode(R"({"alg":"RS256")") + "." + p + "." + sig, keys_),
            "parse:header-not-json-object");
  EXPECT_EQ(check("." + p + "." + sig, keys_), "parse:header-not-json-object");
  const std::string h = b64json({{"alg", "RS256"}, {"kid", "rsa-1"}});
  EXPECT_EQ(check(h + "." + base64url_encode("123") + "." + sig, keys_),
            "parse:payload-not-json-object");
  EXPECT_EQ(check(h + "." + base64url_encode("plain text") + "." + sig, keys_),
            "parse:payload-not-json-object");
  EXPECT_EQ(check(h + ".." + sig, keys_), "parse:payload-not-json-object");
}

TEST_F(JoseTest, OversizedTokenIsRejected) {
  json big = claims();
  big["pad"] = std::string(12500, 'a');
  const std::string token = sign_jwt(*ec_, big);
  ASSERT_GT(token.size(), 16384u);
  EXPECT_EQ(check(token, keys_), "parse:token-too-large");
  // Just below the limit is fine.
  json fits = claims();
  fits["pad"] = std::string(11000, 'a');
  const std::string ok = sign_jwt(*ec_, fits);
  ASSERT_LE(ok.size(), 16384u);
  EXPECT_EQ(check(ok, keys_), "ok");
  EXPECT_EQ(check(std::string(1 << 20, 'A'), keys_), "parse:token-too-large");
}

// --- JWK import rejections --------------------------------------------------------------------

TEST_F(JoseTest, JwkRejections) {
  std::string error;
  json ec = ec_->public_jwk();
  json rsa = rsa_->public_jwk();

  json j = ec;
  j["crv"] = "P-384";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = ec;
  j["crv"] = "secp256k1";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = ec;
  j["x"] = base64url_encode(base64url_decode(ec["x"].get<std::string>())->substr(1));
  EXPECT_FALSE(Key::from_jwk(j, error)) << "31-byte x";
  j = ec;
  {  // one bit flipped in y: no longer on the curve
    std::string y = *base64url_decode(ec["y"].get<std::string>());
    y[31] ^= 1;
    j["y"] = base64url_encode(y);
  }
  error.clear();
  EXPECT_FALSE(Key::from_jwk(j, error));
  EXPECT_FALSE(error.empty());
  j = ec;
  j["x"] = base64url_encode(std::string(32, '\0'));
  j["y"] = base64url_encode(std::string(32, '\0'));
  EXPECT_FALSE(Key::from_jwk(j, error)) << "point at infinity / (0,0)";
  j = ec;
  j["x"] = ec["x"].get<std::string>() + "=";
  EXPECT_FALSE(Key::from_jwk(j, error)) << "padded base64url";
  j = ec;
  j.erase("y");
  EXPECT_FALSE(Key::from_jwk(j, error));

  j = rsa;
  j["n"] = base64url_encode("\xC3" + std::string(126, '\x5A') + "\x01");  // 1024 bits
  error.clear();
  EXPECT_FALSE(Key::from_jwk(j, error));
  EXPECT_NE(error.find("1024"), std::string::npos) << error;
  j = rsa;
  j["e"] = "AA";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = rsa;
  j["n"] = 12345;
  EXPECT_FALSE(Key::from_jwk(j, error));

  j = rsa;
  j["use"] = "enc";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = rsa;
  j["alg"] = "ES256";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = ec;
  j["alg"] = "RS256";
  EXPECT_FALSE(Key::from_jwk(j, error));
  j = rsa;
  j["alg"] = "RSA-OAEP";
  EXPECT_FALSE(Key::from_jwk(j, error));
  EXPECT_FALSE(Key::from_jwk(json{{"kty", "oct"}, {"k", "c2VjcmV0"}}, error));
  EXPECT_FALSE(Key::from_jwk(json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}, error));
  EXPECT_FALSE(Key::from_jwk(json::array(), error));
  EXPECT_FALSE(Key::from_jwk(json{{"n", rsa["n"]}, {"e", "AQAB"}}, error));
}

TEST_F(JoseTest, KeySetSkipsUnusableKeys) {
  json enc = rsa_->public_jwk();
  enc["use"] = "enc";
  enc["kid"] = "enc-1";
  json wrong_alg = ec_->public_jwk();
  wrong_alg["alg"] = "ES384";
  const json jwks = {{"keys",
                      {rsa_->public_jwk(), enc, wrong_alg, json{{"kty", "oct"}, {"k", "AAAA"}},
                       ec_->public_jwk(), "garbage"}}};
  const KeySet set = KeySet::from_jwks(jwks);
  ASSERT_EQ(set.keys.size(), 2u);
  EXPECT_EQ(set.find("enc-1"), nullptr);
  EXPECT_NE(set.find("rsa-1"), nullptr);
  EXPECT_NE(set.find("ec-1"), nullptr);
  const json out = set.to_jwks();
  ASSERT_EQ(out["keys"].size(), 2u);
  EXPECT_EQ(out["keys"][0], rsa_->public_jwk());
  EXPECT_EQ(KeySet::from_jwks(out).keys.size(), 2u);
  EXPECT_TRUE(KeySet::from_jwks(json::array()).keys.empty());
  EXPECT_TRUE(KeySet::from_jwks({{"keys", "x"}}).keys.empty());
}

TEST(GenerateTest, RefusesShortRsa) {
  EXPECT_THROW(Key::generate_rsa(1024), std::invalid_argument);
}

TEST(DescribeTest, ReasonCodes) {
  EXPECT_EQ(describe(VerifyResult::Ok), "ok");
  EXPECT_EQ(describe(VerifyResult::UnknownKid), "unknown-kid");
  EXPECT_EQ(describe(VerifyResult::BadSignature), "bad-signature");
  EXPECT_EQ(describe(VerifyResult::Malformed), "malformed");
  EXPECT_EQ(describe(VerifyResult::UnsupportedAlgorithm), "unsupported-algorithm");
}

}  // namespace
}  // namespace au::identity
