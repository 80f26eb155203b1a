// When to try a delivery (email, App IO, SMS, webhook) again, when not to disturb a person, and
// which reminder applies to a deadline.
//
// Contract
// --------
// Pure: "now", the random draw and "today" are passed in; every function gives the same answer
// for the same input.
//
// Retries: exponential backoff with full jitter (delay = random01 * min(cap, base * 2^(n-1))
// after the n-th failed attempt), never sooner than 1 s nor sooner than the provider's own
// Retry-After. When the next attempt would fall after first_attempt + give_up_after the answer is
// nullopt: the temporary failure becomes final. Full jitter spreads the retries of many
// deliveries that failed together (a provider outage) instead of retrying them in waves.
//
// Quiet hours: a daily window in Italian civil time (Europe/Rome: CET, CEST from the last Sunday
// of March 01:00 UTC to the last Sunday of October 01:00 UTC), possibly across midnight (22:00 to
// 07:00). A delivery due inside the window waits for its end. The end is a wall-clock time of the
// day, so it is found again after a DST change; an end that falls in the hour skipped in March
// is reached at the change itself, one that falls in the hour repeated in October at its first
// occurrence still to come.
//
// Reminder bands: with reminders at d1 < d2 < ... days before a deadline, the reminder dk
// applies to deadlines D with d(k-1) < D - today <= dk (d0 = 0). The bands do not overlap and
// have no holes, so each run of the scheduler finds at most one reminder due per deadline: a
// scheduler that was down for days, or a deadline that appeared late (a request due in 5 days
// with reminders at 1 and 7), catches up with the one reminder of the current band instead of
// sending the 7-day and the 1-day reminders at once. The caller records (deadline, dk) as sent so
// that a band is reminded once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"

namespace au::domain {

struct RetryPolicy {
  std::int64_t base_ms = 10'000;
  std::int64_t cap_ms = 4 * 3600'000LL;
  std::int64_t give_up_after_ms = 72 * 3600'000LL;
};

// The instant of the next attempt after `failed_attempts` (>= 1; smaller counts as 1) failures,
// or nullopt to give up. random01 is a uniform draw in [0, 1) (clamped into it); retry_after_ms
// is the provider's minimum wait (0 when it said nothing). Safe for any attempt count.
std::optional<std::int64_t> next_retry_ms(const RetryPolicy& policy, std::int64_t first_attempt_ms,
                                          std::int64_t now_ms, int failed_attempts, double random01,
                                          std::int64_t retry_after_ms = 0);

// Minutes after local midnight, 0..1439; start != end; start > end wraps midnight.
struct QuietHours {
  int start_minute = 0;
  int end_minute = 0;
  auto operator<=>(const QuietHours&) const = default;
};

// Both "HH:MM" (24 h, two digits each) -> the window; nullopt when both are empty (no quiet
// hours) and when the input is not valid (see quiet_hours_problem for the reason).
std::optional<QuietHours> parse_quiet_hours(std::string_view start_hhmm, std::string_view end_hhmm);
// "" when parse_quiet_hours accepts the input or both are empty; otherwise an Italian reason.
std::string quiet_hours_problem(std::string_view start_hhmm, std::string_view end_hhmm);

// at_ms itself when it is outside the window, else the end of the current quiet period.
std::int64_t not_in_quiet_hours(std::int64_t at_ms, const QuietHours& quiet);

// Offset of Italian civil time from UTC at an instant: 60 (CET) or 120 (CEST).
int rome_offset_minutes(std::int64_t epoch_ms);

struct ReminderBand {
  int days = 0;      // the configured offset dk
  Date first_date;   // today + d(k-1) + 1
  Date last_date;    // today + dk
  auto operator<=>(const ReminderBand&) const = default;
};

// One band per distinct offset in 1..365, ascending; other values are ignored.
std::vector<ReminderBand> reminder_bands(std::vector<int> days_before, Date today);

// A JSON array of at most 5 distinct integers in 1..365 ("[7, 1]") -> sorted ascending; "[]" is
// valid (no reminders). nullopt otherwise; reminder_days_problem says why, in Italian ("" = ok).
std::optional<std::vector<int>> parse_reminder_days(std::string_view json_array);
std::string reminder_days_problem(std::string_view json_array);

}  // namespace au::domain
