#include "domain/deadlines.h"

#include <algorithm>

namespace au::domain {

namespace {

constexpr int kDefaultTermDays = 30;      // art. 2 c.2
constexpr int kMaxTermDays = 3650;        // sanity bound on catalogue data
constexpr int kMaxIntegrationDays = 30;   // art. 2 c.7
constexpr int kObservationDays = 10;      // art. 10-bis

const char* label(Suspension::Kind kind) {
  return kind == Suspension::Kind::Integration ? "art. 2 c.7 integration suspension"
                                               : "art. 10-bis preavviso di rigetto";
}

}  // namespace

DeadlineReport compute_deadline(const ProcedureTerms& terms, Date received,
                                const std::vector<Suspension>& suspensions, Date today,
                                bool concluded, bool denial_communicated) {
  DeadlineReport report;
  auto warn = [&](std::string text) { report.warnings.push_back(std::move(text)); };

  int term = terms.legal_term_days;
  if (term < 1 || term > kMaxTermDays) {
    warn("art. 2 c.2: legal term of " + std::to_string(term) +
         " days is out of range 1..3650; the default 30 days is used");
    term = kDefaultTermDays;
  }

  // Keep the events that can be dated, in chronological order of their start.
  std::vector<Suspension> events;
  for (const auto& s : suspensions) {
    if (!is_valid(s.start) || (s.end && !is_valid(*s.end))) {
      warn(std::string(label(s.kind)) + " with an impossible date ignored");
      continue;
    }
    events.push_back(s);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Suspension& a, const Suspension& b) { return a.start < b.start; });

  std::int64_t suspended = 0;
  std::int64_t covered_until = to_days(received);  // paused days are counted after this day
  bool integration_used = false;
  for (const auto& s : events) {
    const std::string what = std::string(label(s.kind)) + " of " + format_date(s.start);
    if (s.start < received) {
      warn(what + " ignored: it starts before the application was received (" +
           format_date(received) + ")");
      continue;
    }
    if (s.start > today) {
      warn(what + " ignored: it starts after today (" + format_date(today) + ")");
      continue;
    }
    if (s.end && *s.end < s.start) {
      warn(what + " ignored: it ends (" + format_date(*s.end) + ") before it starts");
      continue;
    }
    const Date running_due = next_working_day_if_needed(
        add_days(received, term + suspended), terms.saturday_as_holiday);
    if (s.start > running_due) {
      warn(what + " ignored: the term had already expired on " + format_date(running_due) +
           " and a lapsed term cannot be suspended");
      continue;
    }
    std::optional<Date> end = s.end;
    if (end && *end > today) {
      warn(what + ": end date " + format_date(*end) + " is after today, treated as not yet happened");
      end.reset();
    }

    const std::int64_t start_day = to_days(s.start);
    const std::int64_t today_day = to_days(today);
    std::int64_t pause_end = start_day;  // paused days are [start, pause_end)
    bool in_progress = false;
    if (s.kind == Suspension::Kind::Integration) {
      if (integration_used) {
        warn(what + " ignored: art. 2 c.7 allows the term to be suspended only once");
        continue;
      }
      integration_used = true;
      const std::int64_t stop = end ? to_days(*end) : today_day;
      std::int64_t days = stop - start_day;
      if (days > kMaxIntegrationDays) {
        warn(what + ": " + std::to_string(days) +
             " days capped at 30 (art. 2 c.7); the term resumed on " +
             format_date(add_days(s.start, kMaxIntegrationDays)));
        days = kMaxIntegrationDays;
      } else if (!end) {
        in_progress = true;  // still waiting for the documents, within the 30 days
      }
      pause_end = start_day + days;
    } else {
      const std::int64_t window_end = start_day + kObservationDays;
      if (end) {
        const std::int64_t filed = to_days(*end);
        if (filed > window_end) {
          warn(what + ": observations filed on " + format_date(*end) +
               ", after the 10-day window; the term had restarted on " +
               format_date(from_days(window_end)));
          pause_end = window_end;
        } else {
          pause_end = filed + kObservationDays;
        }
      } else {
        pause_end = window_end;
      }
      in_progress = today_day < pause_end;
    }

    const std::int64_t from = std::max(start_day, covered_until);
    if (covered_until > start_day) {
      warn(what + " overlaps an earlier suspension; overlapping days are counted once");
    }
    if (pause_end > from) suspended += pause_end - from;
    covered_until = std::max(covered_until, pause_end);
    if (in_progress) report.suspended_now = true;
  }

  report.suspended_days = static_cast<int>(suspended);
  report.due_unadjusted = add_days(received, term + suspended);
  report.due = next_working_day_if_needed(report.due_unadjusted, terms.saturday_as_holiday);
  report.days_remaining = static_cast<int>(days_between(today, report.due));
  report.overdue = !concluded && today > report.due;
  if (concluded) report.suspended_now = false;
  if (terms.silenzio_assenso && !denial_communicated) {
    report.silence_is_consent_from = add_days(report.due, 1);
  }
  return report;
}

Date request_due_date(Date requested_on, int days, bool saturday_as_holiday) {
  return next_working_day_if_needed(add_days(requested_on, std::max(days, 0)), saturday_as_holiday);
}

}  // namespace au::domain
