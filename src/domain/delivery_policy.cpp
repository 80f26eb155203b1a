#include "domain/delivery_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace au::domain {

namespace {

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerHour = 3'600'000;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kMinRetryDelayMs = 1'000;
constexpr std::size_t kMaxReminders = 5;
constexpr int kMaxReminderDays = 365;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  return r;
}

// Instants are kept inside years 0001..9999 so that every Date computed from them is valid.
std::int64_t clamp_instant(std::int64_t ms) {
  constexpr std::int64_t kMin = -62'135'596'800'000;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253'402'207'200'000;  // 9999-12-30T00:00:00Z (room for a day ahead)
  return std::clamp(ms, kMin, kMax);
}

// 01:00 UTC of the last Sunday of `month` (March or October, both of 31 days) of `year`.
std::int64_t rome_switch_ms(int year, int month) {
  Date last{year, month, 31};
  last = add_days(last, -static_cast<std::int64_t>(weekday(last)));
  return to_days(last) * kMsPerDay + kMsPerHour;
}

std::optional<int> parse_hhmm(std::string_view t) {
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

bool inside(int minute, const QuietHours& q) {
  if (q.start_minute < q.end_minute) return minute >= q.start_minute && minute < q.end_minute;
  return minute >= q.start_minute || minute < q.end_minute;  // across midnight
}

// The first instant after `after` at which the Italian clock shows `minute` on `date`.
std::int64_t rome_wall_time(Date date, int minute, std::int64_t after) {
  const std::int64_t as_utc = to_days(date) * kMsPerDay + minute * kMsPerMinute;
  std::optional<std::int64_t> best;
  for (int offset : {120, 60}) {  // CEST first: in October's repeated hour it comes earlier
    const std::int64_t u = as_utc - offset * kMsPerMinute;
    if (rome_offset_minutes(u) == offset && u > after && (!best || u < *best)) best = u;
  }
  if (best) return *best;
  // The wall time does not exist (March, 02:00-02:59): the clock passes it at the change.
  const std::int64_t change = rome_switch_ms(date.y, 3);
  return change > after ? change : after;
}

std::string reminder_problem_of(const nlohmann::json& j) {
  if (!j.is_array()) return "i giorni di preavviso devono essere un elenco di numeri, ad esempio [7, 1]";
  if (j.size() > kMaxReminders)
    return "i promemoria sono " + std::to_string(j.size()) + ": al massimo se ne possono indicare " +
           std::to_string(kMaxReminders);
  std::vector<std::int64_t> seen;
  for (const auto& v : j) {
    if (!v.is_number_integer())
      return "il valore " + v.dump() + " non è un numero intero di giorni (da 1 a " +
             std::to_string(kMaxReminderDays) + ")";
    // Positive values parse as unsigned (possibly above int64): compare before converting.
    constexpr auto kMax = static_cast<std::uint64_t>(kMaxReminderDays);
    const bool in_range = v.is_number_unsigned() ? v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= kMax
                                                 : v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= kMaxReminderDays;
    if (!in_range)
      return "il valore " + v.dump() + " non è valido: i giorni di preavviso vanno da 1 a " +
             std::to_string(kMaxReminderDays);
    const std::int64_t d = v.get<std::int64_t>();
    if (std::find(seen.begin(), seen.end(), d) != seen.end())
      return "il valore " + std::to_string(d) + " è ripetuto: ogni promemoria va indicato una volta";
    seen.push_back(d);
  }
  return "";
}

}  // namespace

std::optional<std::int64_t> next_retry_ms(const RetryPolicy& policy, std::int64_t first_attempt_ms,
                                          std::int64_t now_ms, int failed_attempts, double random01,
                                          std::int64_t retry_after_ms) {
  const std::int64_t base = std::max<std::int64_t>(policy.base_ms, 0);
  const std::int64_t cap = std::max<std::int64_t>(policy.cap_ms, 0);
  const int shift = std::max(failed_attempts, 1) - 1;
  // base * 2^shift without overflow: once it would pass the cap, the cap is the window.
  std::int64_t window = cap;
  if (shift < 62 && base <= (cap >> shift)) window = base << shift;

  if (!(random01 >= 0.0)) random01 = 0.0;  // also NaN
  if (random01 >= 1.0) random01 = std::nextafter(1.0, 0.0);
  std::int64_t delay = static_cast<std::int64_t>(random01 * static_cast<double>(window));
  delay = std::max({delay, kMinRetryDelayMs, retry_after_ms});

  const std::int64_t next = saturating_add(now_ms, delay);
  const std::int64_t give_up_at = saturating_add(first_attempt_ms, std::max<std::int64_t>(policy.give_up_after_ms, 0));
  if (next > give_up_at) return std::nullopt;
  return next;
}

std::string quiet_hours_problem(std::string_view start_hhmm, std::string_view end_hhmm) {
  if (start_hhmm.empty() && end_hhmm.empty()) return "";
  if (start_hhmm.empty() || end_hhmm.empty())
    return "indica sia l'inizio sia la fine delle ore di silenzio, oppure lasciali entrambi vuoti";
  const auto start = parse_hhmm(start_hhmm);
  if (!start)
    return "l'inizio delle ore di silenzio \"" + std::string(start_hhmm) +
           "\" non è un orario valido: usa il formato HH:MM, da 00:00 a 23:59";
  const auto end = parse_hhmm(end_hhmm);
  if (!end)
    return "la fine delle ore di silenzio \"" + std::string(end_hhmm) +
           "\" non è un orario valido: usa il formato HH:MM, da 00:00 a 23:59";
  if (*start == *end) return "l'inizio e la fine delle ore di silenzio coincidono: indica due orari diversi";
  return "";
}

std::optional<QuietHours> parse_quiet_hours(std::string_view start_hhmm, std::string_view end_hhmm) {
  const auto start = parse_hhmm(start_hhmm);
  const auto end = parse_hhmm(end_hhmm);
  if (!start || !end || *start == *end) return std::nullopt;
  return QuietHours{*start, *end};
}

int rome_offset_minutes(std::int64_t epoch_ms) {
  const std::int64_t ms = clamp_instant(epoch_ms);
  const int year = from_days(floor_div(ms, kMsPerDay)).y;
  // The changes happen at 01:00 UTC, far from New Year, so the UTC year decides.
  return (ms >= rome_switch_ms(year, 3) && ms < rome_switch_ms(year, 10)) ? 120 : 60;
}

std::int64_t not_in_quiet_hours(std::int64_t at_ms, const QuietHours& quiet) {
  if (quiet.start_minute == quiet.end_minute) return at_ms;  // not a window (parse refuses it)
  const std::int64_t at = clamp_instant(at_ms);
  const std::int64_t local = at + rome_offset_minutes(at) * kMsPerMinute;
  const std::int64_t local_day = floor_div(local, kMsPerDay);
  const int minute = static_cast<int>((local - local_day * kMsPerDay) / kMsPerMinute);
  if (!inside(minute, quiet)) return at_ms;
  // Across midnight, a period entered in the evening ends tomorrow; otherwise it ends today.
  const bool ends_tomorrow = quiet.start_minute > quiet.end_minute && minute >= quiet.start_minute;
  const Date end_date = from_days(local_day + (ends_tomorrow ? 1 : 0));
  return rome_wall_time(end_date, quiet.end_minute, at);
}

std::vector<ReminderBand> reminder_bands(std::vector<int> days_before, Date today) {
  std::erase_if(days_before, [](int d) { return d < 1 || d > kMaxReminderDays; });
  std::sort(days_before.begin(), days_before.end());
  days_before.erase(std::unique(days_before.begin(), days_before.end()), days_before.end());
  std::vector<ReminderBand> bands;
  bands.reserve(days_before.size());
  int previous = 0;
  for (int d : days_before) {
    bands.push_back({d, add_days(today, previous + 1), add_days(today, d)});
    previous = d;
  }
  return bands;
}

std::string reminder_days_problem(std::string_view json_array) {
  const auto j = nlohmann::json::parse(json_array, nullptr, false);
  if (j.is_discarded()) return "i giorni di preavviso non sono un elenco valido: scrivili come [7, 1]";
  return reminder_problem_of(j);
}

std::optional<std::vector<int>> parse_reminder_days(std::string_view json_array) {
  const auto j = nlohmann::json::parse(json_array, nullptr, false);
  if (j.is_discarded() || !reminder_problem_of(j).empty()) return std::nullopt;
  std::vector<int> days;
  for (const auto& v : j) days.push_back(static_cast<int>(v.get<std::int64_t>()));
  std::sort(days.begin(), days.end());
  return days;
}

}  // namespace au::domain
