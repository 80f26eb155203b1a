// Civil dates and the Italian calendar of national holidays, for counting legal terms.
//
// Pure: no clock, no time zone. A `Date` is a day of the proleptic Gregorian calendar; the
// conversions go through std::chrono::year_month_day / sys_days. "Today" is always passed in
// by the caller (see docs/ARCHITECTURE.md, dependency rule).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace au::domain {

struct Date {
  int y = 1970;
  int m = 1;
  int d = 1;
  // Field order y, m, d makes the defaulted comparison chronological for valid dates.
  auto operator<=>(const Date&) const = default;
};

// True when y-m-d is a real day (y in 1..9999, month and day in range, leap years included).
bool is_valid(Date date);

// Days since 1970-01-01 (negative before it) and back. `date` must be valid.
std::int64_t to_days(Date date);
Date from_days(std::int64_t days);

// Strict "YYYY-MM-DD"; nullopt for any other shape or for an impossible day (2026-02-29).
std::optional<Date> parse_civil_date(std::string_view text);
// "YYYY-MM-DD" (years zero-padded to four digits).
std::string format_date(Date date);

Date add_days(Date date, std::int64_t days);
// to - from, in days (negative when `to` comes first).
std::int64_t days_between(Date from, Date to);

// 0 = Sunday, 1 = Monday, ... 6 = Saturday (C encoding, as std::chrono::weekday::c_encoding).
unsigned weekday(Date date);
bool is_sunday(Date date);
bool is_saturday(Date date);

// Easter Sunday of `year` (Gregorian computus, valid from 1583 on).
Date easter_sunday(int year);

// Italian national holidays (L. 260/1949 as amended by L. 54/1977, DPR 792/1985, L. 336/2000,
// L. 151/2025): 1 Jan, 6 Jan, Easter Sunday, Easter Monday, 25 Apr, 1 May, 2 Jun, 15 Aug,
// 1 Nov, 8 Dec, 25 Dec, 26 Dec, and 4 Oct from 2026 on. Sundays are not listed here (see
// is_sunday); local patron-saint days are not national and are not included.
bool is_national_holiday(Date date);

// A term whose last day is a holiday ("giorno festivo": a Sunday or a national holiday) is
// extended to the next day that is not one (art. 2963 c.3 c.c.; art. 155 c.4 c.p.c.).
// Saturday is NOT a holiday: art. 2963 c.c., the rule that governs administrative terms,
// extends only "giorni festivi". The Saturday extension of art. 155 c.5 c.p.c. (L. 263/2005)
// covers only procedural acts of a civil trial done outside the hearing, so it does not apply
// to the terms of L. 241/1990. `saturday_as_holiday` (default false) lets a caller opt in, e.g.
// for an office that wants to treat its closed Saturdays as non-working days.
bool is_holiday(Date date, bool saturday_as_holiday = false);
Date next_working_day_if_needed(Date date, bool saturday_as_holiday = false);

}  // namespace au::domain
