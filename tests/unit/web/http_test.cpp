// Table-driven tests of the protocol helpers in web/http.h and web/gzip.h.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "web/gzip.h"
#include "web/http.h"

namespace au::web {
namespace {

std::string gunzip(const std::string& in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error("inflate failed");
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

struct QueryCase {
  std::string raw;
  bool ok;
  std::vector<std::pair<std::string, std::string>> params;
};

TEST(ParseQuery, Table) {
  const std::vector<QueryCase> cases = {
      {"", true, {}},
      {"a=1&b=2", true, {{"a", "1"}, {"b", "2"}}},
      {"a=1&a=2", true, {{"a", "1"}, {"a", "2"}}},
      {"q=caf%C3%A8+latte", true, {{"q", "caf\xC3\xA8 latte"}}},
      {"flag", true, {{"flag", ""}}},
      {"flag&x=", true, {{"flag", ""}, {"x", ""}}},
      {"=v", true, {{"", "v"}}},
      {"a=1&&b=2&", true, {{"a", "1"}, {"b", "2"}}},
      {"&", true, {}},
      {"a%3Db=c", true, {{"a=b", "c"}}},
      {"a=b=c", true, {{"a", "b=c"}}},
      {"x=%2B&y=+", true, {{"x", "+"}, {"y", " "}}},
      {"comune=Citt%C3%A0%20di%20Castello", true, {{"comune", "Citt\xC3\xA0 di Castello"}}},
      {"a=%zz", false, {}},
      {"a=%4", false, {}},
      {"%", false, {}},
      {"ok=1&bad%G0=2", false, {}},
      {"q=%FF%FE", false, {}},          // decoded bytes that are not UTF-8
      {"q=%C3%28", false, {}},          // truncated sequence
      {"%C0%AF=1", false, {}},          // overlong encoding in a key
  };
  for (const auto& c : cases) {
    std::vector<QueryParam> out{{"stale", "value"}};
    EXPECT_EQ(parse_query(c.raw, out), c.ok) << c.raw;
    if (!c.ok) {
      EXPECT_TRUE(out.empty()) << c.raw;
      continue;
    }
    ASSERT_EQ(out.size(), c.params.size()) << c.raw;
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].key, c.params[i].first) << c.raw;
      EXPECT_EQ(out[i].value, c.params[i].second) << c.raw;
    }
  }
}

struct DecodeCase {
  std::string in;
  bool form;
  bool ok;
  std::string out;
};

TEST(PercentDecode, Table) {
  const std::vector<DecodeCase> cases = {
      {"", false, true, ""},
      {"plain", false, true, "plain"},
      {"a%20b", false, true, "a b"},
      {"a+b", false, true, "a+b"},
      {"a+b", true, true, "a b"},
      {"%41%4a%4A", false, true, "AJJ"},
      {"%2F%3f", false, true, "/?"},
      {"%C3%A8", false, true, "\xC3\xA8"},
      {"%00", false, true, std::string(1, '\0')},
      {"%", false, false, ""},
      {"%4", false, false, ""},
      {"abc%2", false, false, ""},
      {"%G1", false, false, ""},
      {"%1G", false, false, ""},
      {"100%", true, false, ""},
  };
  for (const auto& c : cases) {
    std::string out = "stale";
    EXPECT_EQ(percent_decode(c.in, out, c.form), c.ok) << c.in;
    if (c.ok) {
      EXPECT_EQ(out, c.out) << c.in;
    }
  }
}

TEST(PercentEncode, KeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode(""), "");
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c?d=e&f+g"), "a%20b%2Fc%3Fd%3De%26f%2Bg");
  EXPECT_EQ(percent_encode("Citt\xC3\xA0"), "Citt%C3%A0");
  EXPECT_EQ(percent_encode(std::string(1, '\0')), "%00");
  EXPECT_EQ(percent_encode("%"), "%25");
}

TEST(PercentEncode, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string back;
  ASSERT_TRUE(percent_decode(percent_encode(all), back, false));
  EXPECT_EQ(back, all);
}

struct Utf8Case {
  std::string text;
  bool valid;
  const char* why;
};

TEST(ValidUtf8, Table) {
  const std::vector<Utf8Case> cases = {
      {"", true, "empty"},
      {"Accesso Unico", true, "ascii"},
      {"caff\xC3\xA8", true, "2-byte"},
      {"\xE2\x82\xAC", true, "euro sign, 3-byte"},
      {"\xF0\x9F\x98\x80", true, "emoji, 4-byte"},
      {"\xF4\x8F\xBF\xBF", true, "U+10FFFF, the last code point"},
      {"\xED\x9F\xBF", true, "U+D7FF, just below the surrogates"},
      {"\xEE\x80\x80", true, "U+E000, just above the surrogates"},
      {"\xEF\xBF\xBF", true, "U+FFFF, a noncharacter but valid"},
      {std::string("a\0b", 3), true, "NUL is a valid code point"},
      {"\xC0\xAF", false, "overlong '/'"},
      {"\xC1\xBF", false, "overlong 2-byte"},
      {"\xE0\x80\xAF", false, "overlong 3-byte"},
      {"\xE0\x9F\xBF", false, "overlong 3-byte, upper edge"},
      {"\xF0\x80\x80\xAF", false, "overlong 4-byte"},
      {"\xF0\x8F\xBF\xBF", false, "overlong 4-byte, upper edge"},
      {"\xED\xA0\x80", false, "high surrogate U+D800"},
      {"\xED\xBF\xBF", false, "low surrogate U+DFFF"},
      {"\xF4\x90\x80\x80", false, "U+110000, beyond Unicode"},
      {"\xF5\x80\x80\x80", false, "F5 lead byte"},
      {"\xFF", false, "FF byte"},
      {"\x80", false, "stray continuation"},
      {"\xC3", false, "truncated 2-byte"},
      {"\xE2\x82", false, "truncated 3-byte"},
      {"\xF0\x9F\x98", false, "truncated 4-byte"},
      {"a\xC3(", false, "bad continuation"},
      {"\xE2\x28\xA1", false, "bad second byte of 3"},
      {"\xF0\x9F\x98\x28", false, "bad last byte of 4"},
  };
  for (const auto& c : cases) EXPECT_EQ(valid_utf8(c.text), c.valid) << c.why;
}

TEST(Headers, CaseInsensitiveLookup) {
  Request r;
  r.headers["Content-Type"] = "text/html";
  r.headers["accept-encoding"] = "gzip";
  EXPECT_EQ(r.header("content-type"), "text/html");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/html");
  EXPECT_EQ(r.header("Accept-Encoding"), "gzip");
  EXPECT_EQ(r.header("Missing"), "");
  r.headers["CONTENT-type"] = "application/json";
  EXPECT_EQ(r.headers.size(), 2u) << "same name in another case is the same header";
  CaseInsensitiveLess less;
  EXPECT_TRUE(less("a", "B"));
  EXPECT_FALSE(less("B", "a"));
  EXPECT_FALSE(less("abc", "ABC"));
  EXPECT_TRUE(less("ab", "ABC"));
}

struct AcceptCase {
  std::string header;
  bool gzip;
};

TEST(AcceptsGzip, Table) {
  const std::vector<AcceptCase> cases = {
      {"", false},
      {"gzip", true},
      {"GZip", true},
      {"gzip, deflate, br", true},
      {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
      {"deflate", false},
      {"identity", false},
      {"x-gzip", true},
      {"gzip;q=0", false},
      {"gzip; q=0.000", false},
      {"gzip;Q=0", false},
      {"gzip;q=0.001", true},
      {"gzip;q=1", true},
      {"gzip;q=1.5", false},
      {"gzip;q=abc", false},
      {"*", true},
      {"*;q=0", false},
      {"gzip;q=0, *", false},
      {"*, gzip;q=0", false},
      {"deflate, *;q=0.5", true},
      {" , ,gzip", true},
  };
  for (const auto& c : cases) EXPECT_EQ(accepts_gzip(c.header), c.gzip) << c.header;
}

TEST(CompressibleType, Table) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"text/html; charset=utf-8", true},
      {"text/css", true},
      {"TEXT/PLAIN", true},
      {"application/json", true},
      {"application/problem+json", true},
      {"application/ld+json", true},
      {"application/geo+json", true},
      {"application/xml", true},
      {"image/svg+xml", true},
      {"application/javascript", true},
      {"application/yaml", true},
      {"image/png", false},
      {"application/octet-stream", false},
      {"application/pdf", false},
      {"font/woff2", false},
      {"", false},
      {"text/", false},
      {"+json", false},
  };
  for (const auto& [type, expected] : cases) EXPECT_EQ(compressible_type(type), expected) << type;
}

TEST(GzipCompress, RoundTripsAndHasGzipMagic) {
  std::mt19937 rng(42);
  std::string binary(70000, '\0');
  for (auto& c : binary) c = static_cast<char>(rng());
  std::string page;
  while (page.size() < 20000) page += "<li class=\"servizio\">Certificato di residenza</li>\n";
  for (const std::string& input : {std::string(), std::string("x"), page, binary}) {
    const std::string z = gzip_compress(input);
    ASSERT_GE(z.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
    EXPECT_EQ(gunzip(z), input);
  }
  EXPECT_LT(gzip_compress(page).size(), page.size() / 5);
}

TEST(GzipCompress, LevelsAndErrors) {
  const std::string text(5000, 'a');
  EXPECT_EQ(gunzip(gzip_compress(text, 0)), text);
  EXPECT_EQ(gunzip(gzip_compress(text, 9)), text);
  EXPECT_EQ(gunzip(gzip_compress(text, 1)), text);
  EXPECT_EQ(gunzip(gzip_compress(text)), text);
  EXPECT_THROW(gzip_compress(text, 10), std::invalid_argument);
  EXPECT_THROW(gzip_compress(text, -2), std::invalid_argument);
}

}  // namespace
}  // namespace au::web
