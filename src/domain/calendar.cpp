#include "domain/calendar.h"

#include <chrono>
#include <cstdio>

namespace au::domain {

namespace {

std::chrono::year_month_day to_ymd(Date date) {
  using namespace std::chrono;
  return year_month_day{year{date.y}, month{static_cast<unsigned>(date.m)},
                        day{static_cast<unsigned>(date.d)}};
}

Date from_ymd(std::chrono::year_month_day ymd) {
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

bool is_valid(Date date) {
  if (date.y < 1 || date.y > 9999 || date.m < 1 || date.m > 12 || date.d < 1 || date.d > 31) {
    return false;
  }
  return to_ymd(date).ok();
}

std::int64_t to_days(Date date) {
  return std::chrono::sys_days{to_ymd(date)}.time_since_epoch().count();
}

Date from_days(std::int64_t days) {
  using namespace std::chrono;
  return from_ymd(year_month_day{sys_days{std::chrono::days{days}}});
}

std::optional<Date> parse_civil_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  Date date;
  if (!digits(text, 0, 4, date.y) || !digits(text, 5, 2, date.m) || !digits(text, 8, 2, date.d)) {
    return std::nullopt;
  }
  if (!is_valid(date)) return std::nullopt;
  return date;
}

std::string format_date(Date date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.y, date.m, date.d);
  return buf;
}

Date add_days(Date date, std::int64_t days) { return from_days(to_days(date) + days); }

std::int64_t days_between(Date from, Date to) { return to_days(to) - to_days(from); }

unsigned weekday(Date date) {
  return std::chrono::weekday{std::chrono::sys_days{to_ymd(date)}}.c_encoding();
}

bool is_sunday(Date date) { return weekday(date) == 0; }
bool is_saturday(Date date) { return weekday(date) == 6; }

Date easter_sunday(int year) {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return Date{year, month, day};
}

bool is_national_holiday(Date date) {
  struct MonthDay {
    int m, d;
  };
  // Fixed-date national holidays: L. 260/1949 art. 2 as amended by L. 54/1977 (which removed
  // several religious days), DPR 792/1985 (6 Jan back) and L. 336/2000 (2 Jun back).
  static constexpr MonthDay kFixed[] = {{1, 1},  {1, 6},  {4, 25}, {5, 1},   {6, 2},   {8, 15},
                                        {11, 1}, {12, 8}, {12, 25}, {12, 26}};
  for (const auto& md : kFixed) {
    if (date.m == md.m && date.d == md.d) return true;
  }
  // 4 October, San Francesco d'Assisi patron of Italy: a national holiday again from 2026 by
  // L. 151/2025 (it had been removed by L. 54/1977). Not a holiday in 2025 or earlier.
  if (date.m == 10 && date.d == 4 && date.y >= 2026) return true;
  // Easter Sunday and Easter Monday (Lunedì dell'Angelo).
  const Date easter = easter_sunday(date.y);
  if (date == easter || date == add_days(easter, 1)) return true;
  return false;
}

bool is_holiday(Date date, bool saturday_as_holiday) {
  return is_sunday(date) || is_national_holiday(date) || (saturday_as_holiday && is_saturday(date));
}

Date next_working_day_if_needed(Date date, bool saturday_as_holiday) {
  // At most a few iterations (e.g. Sat 24 Dec -> Sun 25 -> Mon 26 -> Tue 27 with the flag on).
  while (is_holiday(date, saturday_as_holiday)) date = add_days(date, 1);
  return date;
}

}  // namespace au::domain
