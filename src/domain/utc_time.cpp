#include "domain/utc_time.h"

#include <chrono>
#include <cstdio>

namespace au::domain {

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> civil(int y, int mo, int d, int h, int mi, int s) {
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL + s;
}
}  // namespace

std::string format_utc(std::int64_t t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(sys_seconds{seconds{t}});
  year_month_day ymd{days};
  std::int64_t rest = t - days.time_since_epoch().count() * 86400LL;
  char buf[64];  // room for any int year and the compiler's worst-case field widths
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
  return buf;
}

std::optional<std::int64_t> parse_utc(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
    return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) || !digits(s, 11, 2, h) ||
      !digits(s, 14, 2, mi) || !digits(s, 17, 2, se))
    return std::nullopt;
  return civil(y, mo, d, h, mi, se);
}

std::optional<std::int64_t> parse_date(std::string_view s) {
  int y, mo, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d)) return std::nullopt;
  return civil(y, mo, d, 0, 0, 0);
}

}  // namespace au::domain
