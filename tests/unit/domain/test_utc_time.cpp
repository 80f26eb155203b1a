// UTC instants as stored text: formatting, strict parsing, calendar rules.
#include "domain/utc_time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace au::domain {
namespace {

struct Known {
  std::int64_t epoch;
  const char* text;
};

// Values computed independently (Python calendar.timegm).
constexpr Known kKnown[] = {
    {0, "1970-01-01T00:00:00Z"},
    {-1, "1969-12-31T23:59:59Z"},
    {951782400, "2000-02-29T00:00:00Z"},
    {1709251199, "2024-02-29T23:59:59Z"},
    {1795774500, "2026-11-27T10:15:00Z"},
    {2147483648, "2038-01-19T03:14:08Z"},  // past 32 bits
    {4107542400, "2100-03-01T00:00:00Z"},
    {253402300799, "9999-12-31T23:59:59Z"},
    {-2208988800, "1900-01-01T00:00:00Z"},
};

TEST(UtcTime, FormatsKnownInstants) {
  for (const auto& k : kKnown) EXPECT_EQ(format_utc(k.epoch), k.text) << k.epoch;
}

TEST(UtcTime, ParsesKnownInstants) {
  for (const auto& k : kKnown) EXPECT_EQ(parse_utc(k.text), std::optional<std::int64_t>(k.epoch)) << k.text;
}

TEST(UtcTime, RoundTripsOverManyInstants) {
  // A stride that is prime and not a multiple of a day visits every second-of-day pattern.
  for (std::int64_t t = -2208988800; t < 4200000000; t += 7919 * 1013) {
    const std::string s = format_utc(t);
    ASSERT_EQ(s.size(), 20u) << t;
    ASSERT_EQ(parse_utc(s), std::optional<std::int64_t>(t)) << s;
  }
  // Every second around a leap day and a year change.
  for (std::int64_t t = 951782400 - 3700; t < 951782400 + 3700; ++t) ASSERT_EQ(parse_utc(format_utc(t)), t);
  for (std::int64_t t = 1767225600 - 100; t < 1767225600 + 100; ++t) ASSERT_EQ(parse_utc(format_utc(t)), t);
}

TEST(UtcTime, FormattedTextSortsLikeTime) {
  // Stored *_at columns are compared as strings: order must follow the instants.
  std::int64_t prev = 0;
  std::string prev_text = format_utc(prev);
  for (std::int64_t t = 1; t < 4000000000; t = t * 3 + 17) {
    const std::string text = format_utc(t);
    EXPECT_LT(prev_text, text) << prev << " " << t;
    prev_text = text;
    prev = t;
  }
}

TEST(UtcTime, LeapYearsFollowTheGregorianRules) {
  EXPECT_TRUE(parse_utc("2024-02-29T12:00:00Z").has_value());   // divisible by 4
  EXPECT_TRUE(parse_utc("2000-02-29T12:00:00Z").has_value());   // divisible by 400
  EXPECT_FALSE(parse_utc("1900-02-29T12:00:00Z").has_value());  // by 100, not 400
  EXPECT_FALSE(parse_utc("2100-02-29T12:00:00Z").has_value());
  EXPECT_FALSE(parse_utc("2026-02-29T12:00:00Z").has_value());
  EXPECT_FALSE(parse_utc("2024-02-30T00:00:00Z").has_value());
  EXPECT_EQ(*parse_utc("2024-03-01T00:00:00Z") - *parse_utc("2024-02-28T00:00:00Z"), 2 * 86400);
  EXPECT_EQ(*parse_utc("2026-03-01T00:00:00Z") - *parse_utc("2026-02-28T00:00:00Z"), 86400);
  EXPECT_EQ(*parse_utc("2025-01-01T00:00:00Z") - *parse_utc("2024-01-01T00:00:00Z"), 366 * 86400);
  EXPECT_EQ(format_utc(*parse_utc("2024-02-28T23:59:59Z") + 1), "2024-02-29T00:00:00Z");
  EXPECT_EQ(format_utc(*parse_utc("2026-02-28T23:59:59Z") + 1), "2026-03-01T00:00:00Z");
}

TEST(UtcTime, MonthLengths) {
  for (const char* ok : {"2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z",
                         "2026-12-31T23:59:59Z"})
    EXPECT_TRUE(parse_utc(ok).has_value()) << ok;
  for (const char* bad : {"2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z", "2026-09-31T00:00:00Z",
                          "2026-11-31T00:00:00Z", "2026-01-32T00:00:00Z"})
    EXPECT_FALSE(parse_utc(bad).has_value()) << bad;
}

TEST(UtcTime, InvalidTextIsRefused) {
  for (const char* bad : {
           "2026-13-01T00:00:00Z",       // 13th month
           "2026-00-10T00:00:00Z",       // month 0
           "2026-01-00T00:00:00Z",       // day 0
           "2026-01-01T24:00:00Z",       // 24:00:00
           "2026-01-01T23:60:00Z",       // minute 60
           "2026-01-01T23:59:60Z",       // leap second: not representable
           "2026-01-01T10:00:00",        // missing Z
           "2026-01-01T10:00:00z",       // lower-case z
           "2026-01-01T10:00:00+00:00",  // offset instead of Z
           "2026-01-01 10:00:00Z",       // space instead of T
           "2026-01-01t10:00:00Z",
           "2026-01-01T10:00Z",          // no seconds
           "2026-01-01T10:00:00.000Z",   // fractions are not the stored format
           "2026-1-01T10:00:00Z",
           "26-01-01T10:00:00Z",
           "+026-01-01T10:00:00Z",
           "2026-01-01T-1:00:00Z",
           "2026-0a-01T10:00:00Z",
           "2026/01/01T10:00:00Z",
           " 2026-01-01T10:00:00Z",
           "2026-01-01T10:00:00Z ",
           "2026-01-01",
           "",
       })
    EXPECT_FALSE(parse_utc(bad).has_value()) << '"' << bad << '"';
  // Embedded NUL: same length as a valid stamp, still refused.
  EXPECT_FALSE(parse_utc(std::string_view("2026-01-01T10:00:0\0Z", 20)).has_value());
}

TEST(UtcTime, ParseDateIsMidnightUtc) {
  EXPECT_EQ(parse_date("1970-01-01"), std::optional<std::int64_t>(0));
  EXPECT_EQ(parse_date("2026-03-01"), std::optional<std::int64_t>(1772323200));
  EXPECT_EQ(parse_date("2000-02-29"), std::optional<std::int64_t>(951782400));
  EXPECT_EQ(parse_date("2026-11-27"), parse_utc("2026-11-27T00:00:00Z"));
  EXPECT_EQ(format_utc(*parse_date("2024-12-31")), "2024-12-31T00:00:00Z");
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-01", "2026-01-00", "2026-04-31", "01/03/2026",
                          "2026-3-1", "2026-03-01T00:00:00Z", "2026-03-01 ", "20260301", "", "abcd-ef-gh"})
    EXPECT_FALSE(parse_date(bad).has_value()) << '"' << bad << '"';
}

}  // namespace
}  // namespace au::domain
