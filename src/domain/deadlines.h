// Legal deadlines of an administrative procedure on application (Legge 241/1990).
//
// Contract
// --------
// Pure: the engine knows no clock, no database and no HTTP; `today` is passed in. It never
// throws on bad data: an input it cannot use is ignored and explained in `warnings`. Dates must
// be valid `Date`s (build them with parse_civil_date); events with impossible dates are ignored.
//
// Counting (art. 2963 c.2 c.c.; art. 155 c.1 c.p.c.: "dies a quo non computatur"): `received`
// (the protocol date of the application) is day 0 and the term counts from the next day, so with
// no suspension the expected conclusion is received + legal_term_days. A last day that falls on a
// Sunday or a national holiday moves to the next working day (art. 2963 c.3 c.c.); Saturday does
// not move unless `saturday_as_holiday` is set (see calendar.h for why).
//
// Rules applied
// - art. 2 c.2: the term is the service's `legal_term_days`, 30 by default. Values outside
//   1..3650 are rejected with a warning and the default 30 is used.
// - art. 2 c.7: an integration request suspends the term ONCE, for at most 30 days. The paused
//   days are end - start (documents received on `end`); with no `end` the suspension runs up to
//   `today` (still in progress, `suspended_now`), capped at 30 (after which the term resumes
//   by itself). A longer suspension is capped (warning); a second integration is ignored
//   (warning).
// - art. 10-bis (as amended by DL 76/2020): the preavviso di rigetto suspends the term from the
//   notice date (`start`); it restarts 10 days after the observations are filed (`end`), or, if
//   none are filed, when the 10-day window expires (start + 10). Paused days = end + 10 - start,
//   or 10. While no observations are filed and the window is still open the term is suspended
//   (`suspended_now`) and the pause is counted up to the window's end. Observations filed after
//   the window do not suspend again: the term had already restarted (warning, paused 10).
//   Several notices are allowed (the law sets no "once only" for 10-bis).
// - Periods that overlap are counted once (union of the paused days), with a warning.
// - An event dated before `received`, after `today`, with `end` before `start`, or starting after
//   the term had already expired (a lapsed term cannot be suspended) is ignored with a warning.
//   An `end` later than `today` is treated as not yet happened (warning).
// - art. 20 (silenzio-assenso): where the service allows it, silence counts as acceptance from
//   the day after the (adjusted) due date. A 10-bis notice does NOT exclude it (it only suspends
//   the term); a communicated denial does (`denial_communicated`). While a suspension is in
//   progress the date is provisional, like `due`.
// - days_remaining = due - today (negative once past); overdue = today > due and not concluded.
//   A concluded practice is never overdue nor suspended_now.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/calendar.h"

namespace au::domain {

struct ProcedureTerms {
  int legal_term_days = 30;        // art. 2 c.2 default
  bool silenzio_assenso = false;   // art. 20 applies to this service
  bool saturday_as_holiday = false;  // opt-in: also move deadlines off Saturdays
};

struct Suspension {
  enum class Kind {
    Integration,       // art. 2 c.7: request for documents/information
    PreavvisoRigetto,  // art. 10-bis: notice of the reasons against the application
  };
  Kind kind = Kind::Integration;
  Date start;               // request sent / notice communicated
  std::optional<Date> end;  // documents received / observations filed; nullopt = not yet
};

struct DeadlineReport {
  Date due;              // after suspensions, moved off Sunday/holiday
  Date due_unadjusted;   // received + term + suspended days, before the holiday move
  int suspended_days = 0;
  bool suspended_now = false;
  std::optional<Date> silence_is_consent_from;  // art. 20
  int days_remaining = 0;  // due - today, may be negative
  bool overdue = false;
  std::vector<std::string> warnings;
};

DeadlineReport compute_deadline(const ProcedureTerms& terms, Date received,
                                const std::vector<Suspension>& suspensions, Date today,
                                bool concluded = false, bool denial_communicated = false);

// Due date of a request to the applicant (e.g. "send the missing document within 15 days"):
// requested_on is day 0, the result is requested_on + days moved off Sunday/holiday as above.
// Negative `days` count as 0.
Date request_due_date(Date requested_on, int days, bool saturday_as_holiday = false);

}  // namespace au::domain
