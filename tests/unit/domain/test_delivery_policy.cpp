#include "domain/delivery_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "domain/utc_time.h"

namespace au::domain {
namespace {

constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;

// "2026-03-29T01:00:00Z" -> epoch ms.
std::int64_t utc(const char* text) {
  const auto s = parse_utc(text);
  EXPECT_TRUE(s.has_value()) << text;
  return s.value_or(0) * 1000;
}

// ---- Retries -------------------------------------------------------------------------------

TEST(DeliveryPolicyRetry, DoublesTheWindowAndDrawsInsideIt) {
  const RetryPolicy p;  // 10 s base, 4 h cap, 72 h give up
  const std::int64_t t0 = utc("2026-05-04T09:00:00Z");
  // random01 = 0.5 -> half of 10 s, 20 s, 40 s, ...
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, 0.5), t0 + 5 * kSecond);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 2, 0.5), t0 + 10 * kSecond);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 3, 0.5), t0 + 20 * kSecond);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 10, 0.5), t0 + 5 * kSecond * 512);
  // The window stops growing at the cap.
  EXPECT_EQ(next_retry_ms(p, t0, t0, 12, 0.5), t0 + 2 * kHour);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 40, 0.5), t0 + 2 * kHour);
  // Full jitter: the whole window, from (almost) 0 to (almost) the window.
  EXPECT_EQ(next_retry_ms(p, t0, t0, 3, 0.999), t0 + 39'960);
}

TEST(DeliveryPolicyRetry, NeverSoonerThanOneSecondNorThanRetryAfter) {
  const RetryPolicy p;
  const std::int64_t t0 = utc("2026-05-04T09:00:00Z");
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, 0.0), t0 + kSecond);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, 0.01), t0 + kSecond);  // 100 ms drawn
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, 0.5, 120 * kSecond), t0 + 120 * kSecond);
  // A Retry-After shorter than the drawn delay changes nothing.
  EXPECT_EQ(next_retry_ms(p, t0, t0, 3, 0.5, 2 * kSecond), t0 + 20 * kSecond);
}

TEST(DeliveryPolicyRetry, GivesUpWhenTheNextAttemptFallsAfterTheLimit) {
  const RetryPolicy p;
  const std::int64_t first = utc("2026-05-01T09:00:00Z");
  const std::int64_t limit = first + 72 * kHour;
  // 3 failures: a 40 s window.
  EXPECT_EQ(next_retry_ms(p, first, limit - 10 * kSecond, 3, 0.125), limit - 5 * kSecond);
  EXPECT_EQ(next_retry_ms(p, first, limit - 10 * kSecond, 3, 0.25), limit);  // exactly at the limit: still tried
  EXPECT_EQ(next_retry_ms(p, first, limit - 10 * kSecond, 3, 0.5), std::nullopt);
  EXPECT_EQ(next_retry_ms(p, first, limit + kHour, 1, 0.0), std::nullopt);
  // A provider asking to wait beyond the limit makes the failure final.
  EXPECT_EQ(next_retry_ms(p, first, first + kHour, 1, 0.0, 72 * kHour), std::nullopt);
}

TEST(DeliveryPolicyRetry, SafeForExtremeInputs) {
  const RetryPolicy p;
  const std::int64_t t0 = utc("2026-05-04T09:00:00Z");
  const auto max = std::numeric_limits<std::int64_t>::max();
  for (int n : {0, -5, 62, 63, 64, 1000, std::numeric_limits<int>::max()}) {
    const auto next = next_retry_ms(p, t0, t0, n, 0.999999);
    ASSERT_TRUE(next.has_value()) << n;
    EXPECT_GE(*next, t0 + kSecond) << n;
    EXPECT_LE(*next, t0 + p.cap_ms) << n;
  }
  EXPECT_EQ(next_retry_ms(p, t0, t0, 0, 0.5), t0 + 5 * kSecond);  // 0 failures counts as 1
  // random01 outside [0, 1) is clamped; NaN counts as 0.
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, -3.0), t0 + kSecond);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, std::nan("")), t0 + kSecond);
  const auto big = next_retry_ms(p, t0, t0, 2, 7.0);
  ASSERT_TRUE(big.has_value());
  EXPECT_LT(*big, t0 + 20 * kSecond);
  // Additions saturate instead of wrapping around.
  EXPECT_EQ(next_retry_ms(p, t0, max - 10, 5, 0.5), std::nullopt);
  EXPECT_EQ(next_retry_ms(p, t0, t0, 1, 0.5, max), std::nullopt);
  RetryPolicy forever{10'000, 4 * 3600'000LL, max};
  EXPECT_EQ(next_retry_ms(forever, t0, t0, 1, 0.5), t0 + 5 * kSecond);
}

// ---- Quiet hours ---------------------------------------------------------------------------

TEST(DeliveryPolicyQuietHours, ParsesValidWindows) {
  EXPECT_EQ(parse_quiet_hours("22:00", "07:00"), (QuietHours{22 * 60, 7 * 60}));
  EXPECT_EQ(parse_quiet_hours("00:00", "23:59"), (QuietHours{0, 23 * 60 + 59}));
  EXPECT_EQ(parse_quiet_hours("13:30", "15:00"), (QuietHours{13 * 60 + 30, 15 * 60}));
  EXPECT_EQ(parse_quiet_hours("", ""), std::nullopt);
  EXPECT_EQ(quiet_hours_problem("", ""), "");
  EXPECT_EQ(quiet_hours_problem("22:00", "07:00"), "");
}

struct BadQuiet {
  const char* start;
  const char* end;
  const char* fragment;
};

class DeliveryPolicyQuietHoursInvalid : public ::testing::TestWithParam<BadQuiet> {};

TEST_P(DeliveryPolicyQuietHoursInvalid, IsRefusedWithAReason) {
  const BadQuiet& c = GetParam();
  EXPECT_EQ(parse_quiet_hours(c.start, c.end), std::nullopt);
  const std::string problem = quiet_hours_problem(c.start, c.end);
  EXPECT_NE(problem.find(c.fragment), std::string::npos) << problem;
}

INSTANTIATE_TEST_SUITE_P(
    DeliveryPolicy, DeliveryPolicyQuietHoursInvalid,
    ::testing::Values(BadQuiet{"22:00", "", "sia l'inizio sia la fine"}, BadQuiet{"", "07:00", "sia l'inizio sia la fine"},
                      BadQuiet{"24:00", "07:00", "l'inizio delle ore di silenzio \"24:00\""},
                      BadQuiet{"22:60", "07:00", "HH:MM"}, BadQuiet{"7:00", "22:00", "HH:MM"},
                      BadQuiet{"22:00", "7", "la fine delle ore di silenzio \"7\""},
                      BadQuiet{"22.00", "07:00", "non è un orario valido"}, BadQuiet{"ab:cd", "07:00", "HH:MM"},
                      BadQuiet{"22:00 ", "07:00", "HH:MM"}, BadQuiet{"08:00", "08:00", "coincidono"}));

TEST(DeliveryPolicyQuietHours, RomeOffsetFollowsTheEuRule) {
  // 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
  EXPECT_EQ(rome_offset_minutes(utc("2026-01-15T12:00:00Z")), 60);
  EXPECT_EQ(rome_offset_minutes(utc("2026-03-29T01:00:00Z") - 1), 60);
  EXPECT_EQ(rome_offset_minutes(utc("2026-03-29T01:00:00Z")), 120);
  EXPECT_EQ(rome_offset_minutes(utc("2026-07-01T00:00:00Z")), 120);
  EXPECT_EQ(rome_offset_minutes(utc("2026-10-25T01:00:00Z") - 1), 120);
  EXPECT_EQ(rome_offset_minutes(utc("2026-10-25T01:00:00Z")), 60);
  // Another year, where the last Sunday is the 31st (March 2024) and the 27th (October 2024).
  EXPECT_EQ(rome_offset_minutes(utc("2024-03-31T00:59:59Z")), 60);
  EXPECT_EQ(rome_offset_minutes(utc("2024-03-31T01:00:00Z")), 120);
  EXPECT_EQ(rome_offset_minutes(utc("2024-10-27T00:59:59Z")), 120);
  EXPECT_EQ(rome_offset_minutes(utc("2024-10-27T01:00:00Z")), 60);
  // Far outside 0001..9999: still an answer.
  EXPECT_EQ(rome_offset_minutes(std::numeric_limits<std::int64_t>::min()), 60);
  EXPECT_EQ(rome_offset_minutes(std::numeric_limits<std::int64_t>::max()), 60);
}

TEST(DeliveryPolicyQuietHours, OutsideTheWindowIsNow) {
  const QuietHours night{22 * 60, 7 * 60};
  const std::int64_t noon = utc("2026-01-15T11:00:00Z");  // 12:00 CET
  EXPECT_EQ(not_in_quiet_hours(noon, night), noon);
  // 07:00 local is the end: outside. 21:59:59 local is before the start: outside.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-15T06:00:00Z"), night), utc("2026-01-15T06:00:00Z"));
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-15T20:59:59Z"), night), utc("2026-01-15T20:59:59Z"));
  // Summer: 21:30 CEST is 19:30 UTC, outside; 22:00 CEST (20:00 UTC) is inside.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-07-10T19:30:00Z"), night), utc("2026-07-10T19:30:00Z"));
  EXPECT_EQ(not_in_quiet_hours(utc("2026-07-10T20:00:00Z"), night), utc("2026-07-11T05:00:00Z"));
}

TEST(DeliveryPolicyQuietHours, InsideAcrossMidnightWaitsForTheMorning) {
  const QuietHours night{22 * 60, 7 * 60};
  // 22:00 CET exactly -> 07:00 CET next day.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-15T21:00:00Z"), night), utc("2026-01-16T06:00:00Z"));
  // 23:30 CET -> next day.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-15T22:30:00Z"), night), utc("2026-01-16T06:00:00Z"));
  // 00:30 CET (still 15 January in UTC) -> the same local morning.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-15T23:30:00Z"), night), utc("2026-01-16T06:00:00Z"));
  // 06:59 CET -> one minute later.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-16T05:59:00Z"), night), utc("2026-01-16T06:00:00Z"));
  // New Year's Eve, 23:00 CET -> 1 January 07:00 CET.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-12-31T22:00:00Z"), night), utc("2027-01-01T06:00:00Z"));
}

TEST(DeliveryPolicyQuietHours, NightThatContainsADstChange) {
  const QuietHours night{22 * 60, 7 * 60};
  // Saturday 28 March 2026, 23:00 CET; the night loses an hour: 07:00 CEST is 05:00 UTC.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-03-28T22:00:00Z"), night), utc("2026-03-29T05:00:00Z"));
  // Same night, after the change (04:00 CEST).
  EXPECT_EQ(not_in_quiet_hours(utc("2026-03-29T02:00:00Z"), night), utc("2026-03-29T05:00:00Z"));
  // Saturday 24 October 2026, 23:00 CEST; the night gains an hour: 07:00 CET is 06:00 UTC.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-10-24T21:00:00Z"), night), utc("2026-10-25T06:00:00Z"));
  // Same night, in the repeated hour (02:30 CET, second time).
  EXPECT_EQ(not_in_quiet_hours(utc("2026-10-25T01:30:00Z"), night), utc("2026-10-25T06:00:00Z"));
  // The window starts on the evening of the change day itself.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-03-29T20:00:00Z"), night), utc("2026-03-30T05:00:00Z"));
  EXPECT_EQ(not_in_quiet_hours(utc("2026-10-25T21:00:00Z"), night), utc("2026-10-26T06:00:00Z"));
}

TEST(DeliveryPolicyQuietHours, WindowInsideOneDay) {
  const QuietHours lunch{13 * 60, 15 * 60};
  EXPECT_EQ(not_in_quiet_hours(utc("2026-07-10T11:30:00Z"), lunch), utc("2026-07-10T13:00:00Z"));  // 13:30 CEST
  EXPECT_EQ(not_in_quiet_hours(utc("2026-07-10T10:59:59Z"), lunch), utc("2026-07-10T10:59:59Z"));  // 12:59:59
  EXPECT_EQ(not_in_quiet_hours(utc("2026-07-10T13:00:00Z"), lunch), utc("2026-07-10T13:00:00Z"));  // 15:00
  EXPECT_EQ(not_in_quiet_hours(utc("2026-01-10T12:30:00Z"), lunch), utc("2026-01-10T14:00:00Z"));  // 13:30 CET
}

TEST(DeliveryPolicyQuietHours, EndInTheSkippedOrRepeatedHour) {
  const QuietHours q{60, 2 * 60 + 30};  // 01:00-02:30
  // 29 March 2026, 01:30 CET: 02:30 does not exist that night; the clock passes it at the change.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-03-29T00:30:00Z"), q), utc("2026-03-29T01:00:00Z"));
  // 25 October 2026, 01:30 CEST: the first 02:30 (CEST) comes at 00:30 UTC.
  EXPECT_EQ(not_in_quiet_hours(utc("2026-10-24T23:30:00Z"), q), utc("2026-10-25T00:30:00Z"));
  // 02:15 CET, after the first 02:30 has passed: the second 02:30 (CET, 01:30 UTC).
  EXPECT_EQ(not_in_quiet_hours(utc("2026-10-25T01:15:00Z"), q), utc("2026-10-25T01:30:00Z"));
}

TEST(DeliveryPolicyQuietHours, TheResultIsNeverInsideTheWindow) {
  // Every 10 minutes across both 2026 changes, for two windows: the answer is never earlier than
  // asked and is itself outside the window.
  for (const QuietHours q : {QuietHours{22 * 60, 7 * 60}, QuietHours{60, 3 * 60}, QuietHours{2 * 60, 2 * 60 + 30}}) {
    for (const char* day : {"2026-03-27T00:00:00Z", "2026-10-23T00:00:00Z"}) {
      for (std::int64_t t = utc(day); t < utc(day) + 4 * 24 * kHour; t += 10 * kMinute) {
        const std::int64_t r = not_in_quiet_hours(t, q);
        ASSERT_GE(r, t);
        ASSERT_LE(r - t, 10 * kHour) << t;
        EXPECT_EQ(not_in_quiet_hours(r, q), r) << "from " << t;
      }
    }
  }
}

// ---- Reminder bands ------------------------------------------------------------------------

TEST(DeliveryPolicyReminders, BandsCoverEachDayOnce) {
  const Date today{2026, 3, 10};
  const auto bands = reminder_bands({7, 1, 30, 1, 0, 400, -3}, today);
  ASSERT_EQ(bands.size(), 3u);
  EXPECT_EQ(bands[0], (ReminderBand{1, Date{2026, 3, 11}, Date{2026, 3, 11}}));
  EXPECT_EQ(bands[1], (ReminderBand{7, Date{2026, 3, 12}, Date{2026, 3, 17}}));
  EXPECT_EQ(bands[2], (ReminderBand{30, Date{2026, 3, 18}, Date{2026, 4, 9}}));
  // Each deadline 1..30 days ahead is in exactly one band; today and beyond 30 in none.
  for (int ahead = 0; ahead <= 40; ++ahead) {
    const Date deadline = add_days(today, ahead);
    int hits = 0;
    for (const auto& b : bands)
      if (b.first_date <= deadline && deadline <= b.last_date) ++hits;
    EXPECT_EQ(hits, (ahead >= 1 && ahead <= 30) ? 1 : 0) << ahead;
  }
}

TEST(DeliveryPolicyReminders, LateDeadlineGetsOnlyTheCurrentBand) {
  // A request due in 5 days with reminders at 1 and 7: the 7-day reminder is due now, the 1-day
  // one only when 1 day is left.
  const Date today{2026, 12, 28};
  const auto bands = reminder_bands({1, 7}, today);
  const Date due = add_days(today, 5);
  ASSERT_EQ(bands.size(), 2u);
  EXPECT_FALSE(bands[0].first_date <= due && due <= bands[0].last_date);
  EXPECT_TRUE(bands[1].first_date <= due && due <= bands[1].last_date);
  EXPECT_EQ(bands[1].last_date, (Date{2027, 1, 4}));  // across the year end
  EXPECT_TRUE(reminder_bands({}, today).empty());
  EXPECT_TRUE(reminder_bands({0, 366, -1}, today).empty());
  const auto max = reminder_bands({365}, today);
  ASSERT_EQ(max.size(), 1u);
  EXPECT_EQ(max[0].first_date, (Date{2026, 12, 29}));
  EXPECT_EQ(max[0].last_date, add_days(today, 365));
}

TEST(DeliveryPolicyReminders, ParsesDayLists) {
  EXPECT_EQ(parse_reminder_days("[7, 1]"), (std::vector<int>{1, 7}));
  EXPECT_EQ(parse_reminder_days(" [30,7,3,1,365] "), (std::vector<int>{1, 3, 7, 30, 365}));
  EXPECT_EQ(parse_reminder_days("[]"), (std::vector<int>{}));
  EXPECT_EQ(reminder_days_problem("[7, 1]"), "");
  EXPECT_EQ(reminder_days_problem("[]"), "");
}

struct BadDays {
  const char* json;
  const char* fragment;
};

class DeliveryPolicyRemindersInvalid : public ::testing::TestWithParam<BadDays> {};

TEST_P(DeliveryPolicyRemindersInvalid, IsRefusedWithAReason) {
  EXPECT_EQ(parse_reminder_days(GetParam().json), std::nullopt);
  const std::string problem = reminder_days_problem(GetParam().json);
  EXPECT_NE(problem.find(GetParam().fragment), std::string::npos) << problem;
}

INSTANTIATE_TEST_SUITE_P(
    DeliveryPolicy, DeliveryPolicyRemindersInvalid,
    ::testing::Values(BadDays{"", "non sono un elenco valido"}, BadDays{"[7,", "non sono un elenco valido"},
                      BadDays{"7", "devono essere un elenco"}, BadDays{"{\"giorni\": 7}", "devono essere un elenco"},
                      BadDays{"[0]", "il valore 0 non è valido"}, BadDays{"[-1]", "il valore -1 non è valido"},
                      BadDays{"[366]", "da 1 a 365"}, BadDays{"[18446744073709551615]", "non è valido"},
                      BadDays{"[1.5]", "non è un numero intero"}, BadDays{"[7.0]", "non è un numero intero"},
                      BadDays{"[\"7\"]", "non è un numero intero"}, BadDays{"[true]", "non è un numero intero"},
                      BadDays{"[null]", "non è un numero intero"}, BadDays{"[1, 7, 1]", "il valore 1 è ripetuto"},
                      BadDays{"[1, 2, 3, 4, 5, 6]", "al massimo se ne possono indicare 5"}));

}  // namespace
}  // namespace au::domain
