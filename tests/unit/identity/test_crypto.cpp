#include "identity/crypto.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace au::identity {
namespace {

TEST(RandomTokenTest, HasRequestedLengthAndAlphabet) {
  for (std::size_t len : {0u, 1u, 16u, 43u, 200u}) {
    const std::string t = random_token(len);
    ASSERT_EQ(t.size(), len);
    for (char c : t) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
          << "unexpected character " << c;
    }
  }
}

TEST(RandomTokenTest, TokensDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_token(22));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomCodeTest, UsesOnlyUnambiguousUpperCase) {
  const std::string code = random_code(20000);
  ASSERT_EQ(code.size(), 20000u);
  for (char c : code) {
    EXPECT_EQ(std::string("0O1IL").find(c), std::string::npos) << c;
    EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '9')) << c;
  }
}

// 31 characters do not divide 256: without rejection sampling 8 characters would come up 9/8
// as often as the others. With 310,000 draws each count is 10000 ± 98 (1 sigma), while the
// bias would put eight of them near 10900; the bounds are 5 sigma.
TEST(RandomCodeTest, DistributionIsUnbiased) {
  const std::string code = random_code(310000);
  std::map<char, int> counts;
  for (char c : code) ++counts[c];
  ASSERT_EQ(counts.size(), 31u);
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 9500) << c;
    EXPECT_LT(n, 10500) << c;
  }
}

// 62 characters: the bias would be 5/4 for eight of them (about 12100 of an expected 10000).
TEST(RandomTokenTest, DistributionIsUnbiased) {
  const std::string token = random_token(620000);
  std::map<char, int> counts;
  for (char c : token) ++counts[c];
  ASSERT_EQ(counts.size(), 62u);
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 9500) << c;
    EXPECT_LT(n, 10500) << c;
  }
}

TEST(RandomBytesTest, Length) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(HashTest, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_raw("abc").size(), 32u);
}

TEST(HashTest, HmacSha256Rfc4231) {
  // RFC 4231 test case 2.
  const std::string mac = hmac_sha256_raw("Jefe", "what do ya want for nothing?");
  std::string hex;
  for (unsigned char c : mac) {
    static const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256_raw("", "").size(), 32u);
}

TEST(ConstantTimeEqualTest, Compares) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(Base64UrlTest, Rfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64url_decode(""), "");
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string bytes = all.substr(all.size() - len);
    const auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << len;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64UrlTest, RejectsAnythingButStrictUnpaddedUrlAlphabet) {
  EXPECT_FALSE(base64url_decode("Zg=="));     // padding
  EXPECT_FALSE(base64url_decode("Zm8="));     // padding
  EXPECT_FALSE(base64url_decode("Zm9v+w"));   // standard alphabet '+'
  EXPECT_FALSE(base64url_decode("Zm9v/w"));   // standard alphabet '/'
  EXPECT_FALSE(base64url_decode(" Zm9v"));    // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Zm9\tv"));
  EXPECT_FALSE(base64url_decode("Z"));        // length % 4 == 1 is impossible
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64url_decode("Zh"));       // non-zero unused bits: a second spelling of "f"
  EXPECT_FALSE(base64url_decode("Zm9"));      // same, for two bytes ("Zm8" is canonical)
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(base64url_decode("Zm9v."));
}

TEST(Base64Test, StandardPadded) {
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
  EXPECT_EQ(base64_decode("Y2xpZW50OnNlY3JldA=="), "client:secret");
  EXPECT_FALSE(base64_decode("Zg"));      // padding required
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zg=A"));
  EXPECT_FALSE(base64_decode("-_8="));    // URL alphabet
  EXPECT_FALSE(base64_decode("Zm9v Zg=="));
}

TEST(PkceTest, Rfc7636AppendixB) {
  EXPECT_EQ(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace au::identity
