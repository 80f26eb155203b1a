// UTC instants as the ISO 8601 text stored in every *_at column ("2026-11-27T10:15:00Z"),
// converted to and from seconds since the Unix epoch. Pure: the clock is read elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace au::domain {

std::string format_utc(std::int64_t epoch_seconds);
// Accepts exactly "YYYY-MM-DDTHH:MM:SSZ" with valid ranges; nullopt otherwise.
std::optional<std::int64_t> parse_utc(std::string_view text);
// Accepts "YYYY-MM-DD" (a calendar date, taken at 00:00 UTC); nullopt otherwise.
std::optional<std::int64_t> parse_date(std::string_view text);

}  // namespace au::domain
