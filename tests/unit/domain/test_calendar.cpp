#include "domain/calendar.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Weekdays and day counts below were checked with GNU `date -d`.
namespace au::domain {
namespace {

Date D(const char* text) {
  auto parsed = parse_civil_date(text);
  if (!parsed) ADD_FAILURE() << "bad date literal in test: " << text;
  return parsed.value_or(Date{});
}

// --- parsing, formatting, day numbers ---------------------------------------------------------

struct ParseCase {
  std::string text;
  bool ok;
  std::string rule;
};

TEST(CalendarTest, ParseAcceptsOnlyRealDaysInStrictFormat) {
  const std::vector<ParseCase> cases = {
      {"2026-03-02", true, "plain date"},
      {"2028-02-29", true, "2028 is a leap year"},
      {"2000-02-29", true, "2000 is a leap year (divisible by 400)"},
      {"1900-02-29", false, "1900 is not a leap year (divisible by 100)"},
      {"2026-02-29", false, "2026 is not a leap year"},
      {"2026-04-31", false, "April has 30 days"},
      {"2026-13-01", false, "no month 13"},
      {"2026-00-10", false, "no month 0"},
      {"2026-01-00", false, "no day 0"},
      {"2026-1-01", false, "month must have two digits"},
      {"2026/01/01", false, "separators must be '-'"},
      {"2026-01-01T00:00:00Z", false, "a timestamp is not a date"},
      {"abcd-ef-gh", false, "digits only"},
      {"", false, "empty"},
      {"0000-01-01", false, "year 0 is out of range"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_civil_date(c.text).has_value(), c.ok) << c.rule << " (" << c.text << ")";
    if (c.ok) {
      EXPECT_EQ(format_date(*parse_civil_date(c.text)), c.text) << "round trip: " << c.rule;
    }
  }
}

TEST(CalendarTest, FormatPadsFields) {
  EXPECT_EQ(format_date(Date{987, 1, 2}), "0987-01-02");
  EXPECT_EQ(format_date(Date{2026, 12, 31}), "2026-12-31");
}

struct DaysCase {
  std::string date;
  std::int64_t days;
  std::string rule;
};

TEST(CalendarTest, DaysSinceEpochRoundTrip) {
  const std::vector<DaysCase> cases = {
      {"1970-01-01", 0, "the epoch is day 0"},
      {"1969-12-31", -1, "days before the epoch are negative"},
      {"2000-03-01", 11017, "after a leap day of a year divisible by 400"},
      {"2026-11-27", 20784, "matches date -d +%s / 86400"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_days(D(c.date.c_str())), c.days) << c.rule;
    EXPECT_EQ(format_date(from_days(c.days)), c.date) << c.rule;
  }
}

struct AddCase {
  std::string from;
  std::int64_t days;
  std::string to;
  std::string rule;
};

TEST(CalendarTest, AddDaysAndDaysBetween) {
  const std::vector<AddCase> cases = {
      {"2026-03-02", 30, "2026-04-01", "within a year"},
      {"2026-12-15", 30, "2027-01-14", "year boundary"},
      {"2028-01-30", 30, "2028-02-29", "lands on a leap day"},
      {"2028-02-15", 30, "2028-03-16", "crosses a leap February (29 days)"},
      {"2027-02-15", 30, "2027-03-17", "crosses a common February (28 days)"},
      {"2026-04-01", -30, "2026-03-02", "negative offsets go back"},
      {"2026-01-15", 180, "2026-07-14", "half a year"},
      {"2026-05-05", 0, "2026-05-05", "zero days"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_date(add_days(D(c.from.c_str()), c.days)), c.to) << c.rule;
    EXPECT_EQ(days_between(D(c.from.c_str()), D(c.to.c_str())), c.days) << c.rule;
  }
}

TEST(CalendarTest, ComparisonIsChronological) {
  EXPECT_LT(D("2026-12-31"), D("2027-01-01"));
  EXPECT_LT(D("2026-01-31"), D("2026-02-01"));
  EXPECT_EQ(D("2026-02-01"), (Date{2026, 2, 1}));
}

struct WeekdayCase {
  std::string date;
  unsigned weekday;
  std::string rule;
};

TEST(CalendarTest, Weekday) {
  const std::vector<WeekdayCase> cases = {
      {"1970-01-01", 4, "the epoch was a Thursday"},
      {"2026-03-01", 0, "Sunday"},
      {"2026-03-02", 1, "Monday"},
      {"2026-01-09", 5, "Friday"},
      {"2026-01-10", 6, "Saturday"},
      {"2028-02-29", 2, "leap day 2028 is a Tuesday"},
      {"2026-10-04", 0, "4 Oct 2026 is a Sunday"},
      {"2025-10-04", 6, "4 Oct 2025 is a Saturday"},
  };
  for (const auto& c : cases) {
    const Date d = D(c.date.c_str());
    EXPECT_EQ(weekday(d), c.weekday) << c.rule;
    EXPECT_EQ(is_sunday(d), c.weekday == 0) << c.rule;
    EXPECT_EQ(is_saturday(d), c.weekday == 6) << c.rule;
  }
}

// --- Easter and national holidays -------------------------------------------------------------

struct EasterCase {
  int year;
  std::string easter;
  std::string rule;
};

TEST(CalendarTest, EasterSundayGregorianComputus) {
  const std::vector<EasterCase> cases = {
      {2024, "2024-03-31", "known Easter 2024"},
      {2025, "2025-04-20", "known Easter 2025"},
      {2026, "2026-04-05", "known Easter 2026"},
      {2027, "2027-03-28", "known Easter 2027"},
      {2028, "2028-04-16", "known Easter 2028"},
      {2029, "2029-04-01", "known Easter 2029"},
      {2030, "2030-04-21", "known Easter 2030"},
      {2000, "2000-04-23", "known Easter 2000"},
      {1818, "1818-03-22", "earliest possible date (22 March)"},
      {2285, "2285-03-22", "earliest possible date (22 March)"},
      {1943, "1943-04-25", "latest possible date (25 April)"},
      {2038, "2038-04-25", "latest possible date (25 April)"},
  };
  for (const auto& c : cases) {
    const Date e = easter_sunday(c.year);
    EXPECT_EQ(format_date(e), c.easter) << c.rule;
    EXPECT_TRUE(is_sunday(e)) << c.rule << ": Easter is a Sunday";
  }
}

struct HolidayCase {
  std::string date;
  bool holiday;
  std::string rule;
};

TEST(CalendarTest, NationalHolidaysOfItaly) {
  const std::vector<HolidayCase> cases = {
      {"2026-01-01", true, "L. 260/1949: Capodanno"},
      {"2026-01-06", true, "DPR 792/1985: Epifania"},
      {"2026-04-05", true, "Easter Sunday 2026"},
      {"2026-04-06", true, "Easter Monday 2026 (Lunedì dell'Angelo)"},
      {"2027-03-29", true, "Easter Monday 2027"},
      {"2026-04-07", false, "Easter Tuesday is a working day"},
      {"2026-04-25", true, "L. 260/1949: Liberazione"},
      {"2026-05-01", true, "L. 260/1949: Festa del Lavoro"},
      {"2026-06-02", true, "L. 336/2000: Festa della Repubblica"},
      {"2026-08-15", true, "Ferragosto"},
      {"2026-11-01", true, "Ognissanti"},
      {"2026-12-08", true, "Immacolata"},
      {"2026-12-25", true, "Natale"},
      {"2026-12-26", true, "Santo Stefano"},
      {"2026-10-04", true, "L. 151/2025: San Francesco, a holiday from 2026"},
      {"2027-10-04", true, "L. 151/2025: San Francesco every year from 2026"},
      {"2025-10-04", false, "L. 151/2025: 4 Oct was not a holiday before 2026"},
      {"2026-03-19", false, "San Giuseppe is not a national holiday (L. 54/1977)"},
      {"2026-11-02", false, "2 Nov is not a holiday"},
      {"2026-08-14", false, "14 Aug is not a holiday"},
      {"2026-12-24", false, "Christmas Eve is not a holiday"},
      {"2026-12-31", false, "31 Dec is not a holiday"},
      {"2026-06-29", false, "patron-saint days (Rome: 29 Jun) are local, not national"},
      {"2026-03-01", false, "a Sunday is festivo but not a listed national holiday"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_national_holiday(D(c.date.c_str())), c.holiday) << c.rule << " (" << c.date << ")";
  }
}

// --- moving a deadline off a holiday ----------------------------------------------------------

struct MoveCase {
  std::string date;
  bool saturday_as_holiday;
  std::string expected;
  std::string rule;
};

TEST(CalendarTest, NextWorkingDayIfNeeded) {
  const std::vector<MoveCase> cases = {
      {"2026-04-01", false, "2026-04-01", "art. 2963 c.3 c.c.: a working Wednesday stays"},
      {"2026-02-08", false, "2026-02-09", "art. 2963 c.3 c.c.: Sunday -> Monday"},
      {"2025-12-25", false, "2025-12-27", "25 Dec 2025 (Thu) -> 26 is a holiday too -> Sat 27"},
      {"2026-12-25", false, "2026-12-28", "25 Dec 2026 (Fri) -> 26 holiday, 27 Sunday -> Mon 28"},
      {"2026-04-05", false, "2026-04-07", "Easter Sunday -> Easter Monday is a holiday -> Tuesday"},
      {"2026-04-06", false, "2026-04-07", "Easter Monday 2026 -> Tuesday"},
      {"2027-03-29", false, "2027-03-30", "Easter Monday 2027 -> Tuesday"},
      {"2026-11-01", false, "2026-11-02", "1 Nov 2026 is a Sunday and a holiday -> Monday 2 Nov"},
      {"2026-06-02", false, "2026-06-03", "2 Jun (Tue) -> Wednesday"},
      {"2026-10-04", false, "2026-10-05", "4 Oct 2026 (Sunday, holiday by L. 151/2025) -> Monday"},
      {"2027-10-04", false, "2027-10-05", "L. 151/2025: 4 Oct 2027 (Monday) -> Tuesday"},
      {"2025-10-04", false, "2025-10-04", "4 Oct 2025: no holiday yet, and Saturday is not moved"},
      {"2026-12-31", false, "2026-12-31", "31 Dec is a working day"},
      {"2027-01-01", false, "2027-01-02", "1 Jan 2027 (Fri) -> Saturday 2 Jan, not moved further"},
      {"2026-01-06", false, "2026-01-07", "Epifania (Tue) -> Wednesday"},
      {"2027-04-25", false, "2027-04-26", "25 Apr 2027 is a Sunday -> Monday"},
      {"2028-02-29", false, "2028-02-29", "leap day 2028 is a working Tuesday"},
      {"2026-01-03", false, "2026-01-03",
       "Saturday is not festivo: art. 2963 c.c. extends only holidays"},
      {"2026-01-03", true, "2026-01-05", "flag: Saturday -> Sunday -> Monday 5 Jan"},
      {"2025-10-04", true, "2025-10-06", "flag: Saturday 4 Oct 2025 -> Monday"},
      {"2027-01-01", true, "2027-01-04", "flag: Fri holiday, Sat, Sun -> Monday 4 Jan"},
      {"2027-12-25", true, "2027-12-27", "flag: Sat 25, Sun 26 -> Monday 27"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_date(next_working_day_if_needed(D(c.date.c_str()), c.saturday_as_holiday)),
              c.expected)
        << c.rule;
  }
}

}  // namespace
}  // namespace au::domain
