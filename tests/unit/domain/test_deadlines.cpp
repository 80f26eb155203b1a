#include "domain/deadlines.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

// Every row names the rule it checks; weekdays and day sums were checked with GNU `date -d`.
// Most rows use an application received on Monday 2026-03-02: with the default 30 days the
// term ends on Wednesday 2026-04-01 (Easter 2026 is 5 April, Easter Monday 6 April).
namespace au::domain {
namespace {

Date D(const std::string& text) {
  auto parsed = parse_civil_date(text);
  if (!parsed) ADD_FAILURE() << "bad date literal in test: " << text;
  return parsed.value_or(Date{});
}

Suspension integration(const std::string& start, std::optional<std::string> end = std::nullopt) {
  return {Suspension::Kind::Integration, D(start),
          end ? std::optional<Date>(D(*end)) : std::nullopt};
}

Suspension preavviso(const std::string& start, std::optional<std::string> end = std::nullopt) {
  return {Suspension::Kind::PreavvisoRigetto, D(start),
          end ? std::optional<Date>(D(*end)) : std::nullopt};
}

std::string joined(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& w : warnings) out += "\n  - " + w;
  return out;
}

// --- terms and the holiday move, no suspension ------------------------------------------------

struct TermCase {
  std::string rule;
  int term;
  std::string received;
  std::string due_unadjusted;
  std::string due;
};

TEST(DeadlineTest, TermsAndHolidayMove) {
  const std::vector<TermCase> cases = {
      {"art. 2 c.2: default 30 days, received Monday", 30, "2026-03-02", "2026-04-01",
       "2026-04-01"},
      {"art. 2 c.3: regulation term of 60 days", 60, "2026-01-15", "2026-03-16", "2026-03-16"},
      {"art. 2 c.3: regulation term of 90 days", 90, "2026-01-15", "2026-04-15", "2026-04-15"},
      {"art. 2 c.4: complex procedure, 180 days", 180, "2026-01-15", "2026-07-14", "2026-07-14"},
      {"art. 2963 c.3 c.c.: received Friday, due Sunday -> Monday", 30, "2026-01-09",
       "2026-02-08", "2026-02-09"},
      {"art. 2963 c.2 c.c.: received Saturday, day 0 not counted, due Monday", 30, "2026-01-10",
       "2026-02-09", "2026-02-09"},
      {"art. 2963 c.3 c.c.: due 25 Dec 2025, 26 Dec holiday too -> Saturday 27 Dec", 30,
       "2025-11-25", "2025-12-25", "2025-12-27"},
      {"art. 2963 c.3 c.c.: due Easter Monday 2026 -> Tuesday", 30, "2026-03-07", "2026-04-06",
       "2026-04-07"},
      {"art. 2963 c.3 c.c.: due Easter Monday 2027 -> Tuesday", 30, "2027-02-27", "2027-03-29",
       "2027-03-30"},
      {"art. 2963 c.3 c.c.: due 1 Nov 2026, a Sunday -> Monday 2 Nov", 30, "2026-10-02",
       "2026-11-01", "2026-11-02"},
      {"art. 2963 c.3 c.c.: due 2 Jun (Festa della Repubblica) -> 3 Jun", 30, "2026-05-03",
       "2026-06-02", "2026-06-03"},
      {"L. 151/2025: due 4 Oct 2026 (Sunday, San Francesco) -> Monday", 30, "2026-09-04",
       "2026-10-04", "2026-10-05"},
      {"L. 151/2025: due 4 Oct 2027 (Monday, San Francesco) -> Tuesday", 30, "2027-09-04",
       "2027-10-04", "2027-10-05"},
      {"L. 151/2025: 4 Oct 2025 not yet a holiday, and a Saturday stays", 30, "2025-09-04",
       "2025-10-04", "2025-10-04"},
      {"art. 2963 c.3 c.c.: 31 Dec is a working day, not moved", 30, "2026-12-01", "2026-12-31",
       "2026-12-31"},
      {"art. 2963 c.3 c.c.: due 1 Jan 2027 -> Saturday 2 Jan (Saturday not festivo)", 30,
       "2026-12-02", "2027-01-01", "2027-01-02"},
      {"art. 2963 c.3 c.c.: due on Epifania -> 7 Jan", 30, "2025-12-07", "2026-01-06",
       "2026-01-07"},
      {"calendar: leap year, due 29 Feb 2028", 30, "2028-01-30", "2028-02-29", "2028-02-29"},
      {"calendar: term crossing a leap February", 30, "2028-02-15", "2028-03-16", "2028-03-16"},
      {"calendar: year boundary", 30, "2026-12-15", "2027-01-14", "2027-01-14"},
      {"art. 2 c.2: minimal 1-day term", 1, "2026-03-02", "2026-03-03", "2026-03-03"},
  };
  for (const auto& c : cases) {
    ProcedureTerms terms;
    terms.legal_term_days = c.term;
    const auto r = compute_deadline(terms, D(c.received), {}, D(c.received));
    EXPECT_EQ(format_date(r.due_unadjusted), c.due_unadjusted) << c.rule;
    EXPECT_EQ(format_date(r.due), c.due) << c.rule;
    EXPECT_EQ(r.suspended_days, 0) << c.rule;
    EXPECT_FALSE(r.suspended_now) << c.rule;
    EXPECT_TRUE(r.warnings.empty()) << c.rule << joined(r.warnings);
  }
}

TEST(DeadlineTest, SaturdayFlagMovesSaturdayToo) {
  ProcedureTerms terms;
  // received 2025-12-04 + 30 = Saturday 2026-01-03
  auto r = compute_deadline(terms, D("2025-12-04"), {}, D("2025-12-04"));
  EXPECT_EQ(format_date(r.due), "2026-01-03") << "art. 2963 c.c.: Saturday is not moved by default";
  terms.saturday_as_holiday = true;
  r = compute_deadline(terms, D("2025-12-04"), {}, D("2025-12-04"));
  EXPECT_EQ(format_date(r.due), "2026-01-05") << "opt-in flag: Saturday, Sunday -> Monday";
}

struct BadTermCase {
  std::string rule;
  int term;
  std::string due;
  bool warning;
};

TEST(DeadlineTest, TermOutOfRangeFallsBackToDefault) {
  const std::vector<BadTermCase> cases = {
      {"validation: 0 days -> default 30 (art. 2 c.2)", 0, "2026-04-01", true},
      {"validation: negative -> default 30 (art. 2 c.2)", -5, "2026-04-01", true},
      {"validation: 3651 days -> default 30 (art. 2 c.2)", 3651, "2026-04-01", true},
      {"validation: 3650 days is accepted", 3650, "2036-02-28", false},
      {"validation: 1 day is accepted", 1, "2026-03-03", false},
  };
  for (const auto& c : cases) {
    ProcedureTerms terms;
    terms.legal_term_days = c.term;
    const auto r = compute_deadline(terms, D("2026-03-02"), {}, D("2026-03-02"));
    EXPECT_EQ(format_date(r.due), c.due) << c.rule;
    EXPECT_EQ(r.warnings.size(), c.warning ? 1u : 0u) << c.rule << joined(r.warnings);
    if (c.warning && !r.warnings.empty()) {
      EXPECT_NE(r.warnings[0].find("art. 2 c.2"), std::string::npos) << c.rule;
    }
  }
}

// --- suspensions ------------------------------------------------------------------------------

struct SuspensionCase {
  std::string rule;
  std::vector<Suspension> events;
  std::string today;
  int suspended_days;
  bool suspended_now;
  std::string due_unadjusted;
  std::string due;
  std::vector<std::string> warnings;  // one expected substring per expected warning
};

TEST(DeadlineTest, Suspensions) {
  const std::string later = "2026-06-30";
  const std::vector<SuspensionCase> cases = {
      {"art. 2 c.7: integration suspension of 10 days",
       {integration("2026-03-10", "2026-03-20")}, later, 10, false, "2026-04-11", "2026-04-11",
       {}},
      {"art. 2 c.7: integration may start on the day of receipt",
       {integration("2026-03-02", "2026-03-12")}, later, 10, false, "2026-04-11", "2026-04-11",
       {}},
      {"art. 2 c.7: 45 days capped at 30; due 1 May (holiday) -> 2 May",
       {integration("2026-03-10", "2026-04-24")}, later, 30, false, "2026-05-01", "2026-05-02",
       {"capped at 30"}},
      {"art. 2 c.7: exactly 30 days is allowed without warning",
       {integration("2026-03-10", "2026-04-09")}, later, 30, false, "2026-05-01", "2026-05-02",
       {}},
      {"art. 2 c.7: suspended once only, second integration ignored",
       {integration("2026-03-10", "2026-03-20"), integration("2026-03-25", "2026-03-30")}, later,
       10, false, "2026-04-11", "2026-04-11", {"only once"}},
      {"art. 2 c.7: once only is decided by date, not by list order",
       {integration("2026-03-25", "2026-03-30"), integration("2026-03-10", "2026-03-20")}, later,
       10, false, "2026-04-11", "2026-04-11", {"only once"}},
      {"art. 2 c.7: open integration counts up to today and is in progress",
       {integration("2026-03-10")}, "2026-03-18", 8, true, "2026-04-09", "2026-04-09", {}},
      {"art. 2 c.7: open integration requested today: 0 days so far, in progress",
       {integration("2026-03-10")}, "2026-03-10", 0, true, "2026-04-01", "2026-04-01", {}},
      {"art. 2 c.7: open integration past 30 days: capped, the term has resumed",
       {integration("2026-03-10")}, "2026-04-20", 30, false, "2026-05-01", "2026-05-02",
       {"capped at 30"}},
      {"art. 10-bis: observations after 4 days -> paused 4 + 10 = 14",
       {preavviso("2026-03-20", "2026-03-24")}, later, 14, false, "2026-04-15", "2026-04-15", {}},
      {"art. 10-bis: no observations -> paused for the 10-day window",
       {preavviso("2026-03-20")}, later, 10, false, "2026-04-11", "2026-04-11", {}},
      {"art. 10-bis: window still open, no observations -> suspended now, paused to window end",
       {preavviso("2026-03-20")}, "2026-03-25", 10, true, "2026-04-11", "2026-04-11", {}},
      {"art. 10-bis: observations filed, term restarts only 10 days later -> still suspended",
       {preavviso("2026-03-20", "2026-03-24")}, "2026-03-30", 14, true, "2026-04-15",
       "2026-04-15", {}},
      {"art. 10-bis: on the restart day (observations + 10) the term runs again",
       {preavviso("2026-03-20", "2026-03-24")}, "2026-04-03", 14, false, "2026-04-15",
       "2026-04-15", {}},
      {"art. 10-bis: observations on the last day of the window -> paused 20",
       {preavviso("2026-03-20", "2026-03-30")}, later, 20, false, "2026-04-21", "2026-04-21", {}},
      {"art. 10-bis: late observations do not suspend again -> paused 10",
       {preavviso("2026-03-20", "2026-04-05")}, later, 10, false, "2026-04-11", "2026-04-11",
       {"after the 10-day window"}},
      {"art. 10-bis: a second notice suspends again (no once-only rule)",
       {preavviso("2026-03-10"), preavviso("2026-03-25")}, later, 20, false, "2026-04-21",
       "2026-04-21", {}},
      {"art. 2 c.7 + art. 10-bis: 10 + 13 days",
       {integration("2026-03-05", "2026-03-15"), preavviso("2026-03-25", "2026-03-28")}, later,
       23, false, "2026-04-24", "2026-04-24", {}},
      {"art. 2 c.7 + art. 10-bis overlapping: days counted once",
       {integration("2026-03-10", "2026-03-30"), preavviso("2026-03-20")}, later, 20, false,
       "2026-04-21", "2026-04-21", {"overlaps"}},
      {"art. 2 c.7: suspension starting on the last day; due lands on Easter -> Tuesday",
       {integration("2026-04-01", "2026-04-05")}, later, 4, false, "2026-04-05", "2026-04-07",
       {}},
      {"validation: a lapsed term cannot be suspended",
       {integration("2026-04-10", "2026-04-15")}, later, 0, false, "2026-04-01", "2026-04-01",
       {"already expired"}},
      {"validation: event before receipt ignored",
       {integration("2026-02-20", "2026-03-01")}, later, 0, false, "2026-04-01", "2026-04-01",
       {"before the application was received"}},
      {"validation: an ignored integration does not use up the single art. 2 c.7 suspension",
       {integration("2026-02-20", "2026-02-25"), integration("2026-03-10", "2026-03-20")}, later,
       10, false, "2026-04-11", "2026-04-11", {"before the application was received"}},
      {"validation: end before start ignored",
       {integration("2026-03-20", "2026-03-10")}, later, 0, false, "2026-04-01", "2026-04-01",
       {"before it starts"}},
      {"validation: 10-bis with observations before the notice ignored",
       {preavviso("2026-03-20", "2026-03-19")}, later, 0, false, "2026-04-01", "2026-04-01",
       {"before it starts"}},
      {"validation: event starting after today ignored",
       {integration("2026-03-20")}, "2026-03-15", 0, false, "2026-04-01", "2026-04-01",
       {"after today"}},
      {"validation: end after today treated as not happened yet (open, up to today)",
       {integration("2026-03-10", "2026-03-25")}, "2026-03-20", 10, true, "2026-04-11",
       "2026-04-11", {"after today"}},
      {"validation: impossible date ignored",
       {Suspension{Suspension::Kind::Integration, Date{2026, 2, 30}, std::nullopt}}, later, 0,
       false, "2026-04-01", "2026-04-01", {"impossible date"}},
  };
  for (const auto& c : cases) {
    const auto r = compute_deadline(ProcedureTerms{}, D("2026-03-02"), c.events, D(c.today));
    EXPECT_EQ(r.suspended_days, c.suspended_days) << c.rule << joined(r.warnings);
    EXPECT_EQ(r.suspended_now, c.suspended_now) << c.rule;
    EXPECT_EQ(format_date(r.due_unadjusted), c.due_unadjusted) << c.rule;
    EXPECT_EQ(format_date(r.due), c.due) << c.rule;
    ASSERT_EQ(r.warnings.size(), c.warnings.size()) << c.rule << joined(r.warnings);
    for (std::size_t i = 0; i < c.warnings.size(); ++i) {
      EXPECT_NE(r.warnings[i].find(c.warnings[i]), std::string::npos)
          << c.rule << ": expected '" << c.warnings[i] << "' in '" << r.warnings[i] << "'";
    }
  }
}

// --- silenzio-assenso (art. 20) ---------------------------------------------------------------

struct SilenceCase {
  std::string rule;
  bool service_allows;
  std::string received;
  std::vector<Suspension> events;
  bool denial_communicated;
  std::optional<std::string> silence_from;
};

TEST(DeadlineTest, SilenzioAssenso) {
  const std::vector<SilenceCase> cases = {
      {"art. 20: silence is consent from the day after the due date", true, "2026-03-02", {},
       false, "2026-04-02"},
      {"art. 20 + art. 2963 c.3 c.c.: day after the ADJUSTED due date (Easter Monday -> Tue)",
       true, "2026-03-07", {}, false, "2026-04-08"},
      {"art. 20 + art. 2 c.7: day after the suspended due date", true, "2026-03-02",
       {integration("2026-03-10", "2026-03-20")}, false, "2026-04-12"},
      {"art. 20: a 10-bis notice only suspends, it does not exclude silenzio-assenso", true,
       "2026-03-02", {preavviso("2026-03-20")}, false, "2026-04-12"},
      {"art. 20: excluded where the service does not allow it", false, "2026-03-02", {}, false,
       std::nullopt},
      {"art. 20: excluded once a denial was communicated", true, "2026-03-02", {}, true,
       std::nullopt},
      {"art. 20: a 10-bis notice followed by a denial excludes it", true, "2026-03-02",
       {preavviso("2026-03-20")}, true, std::nullopt},
      {"art. 20: neither allowed nor relevant with a denial", false, "2026-03-02", {}, true,
       std::nullopt},
  };
  for (const auto& c : cases) {
    ProcedureTerms terms;
    terms.silenzio_assenso = c.service_allows;
    const auto r = compute_deadline(terms, D(c.received), c.events, D("2026-06-30"), false,
                                    c.denial_communicated);
    ASSERT_EQ(r.silence_is_consent_from.has_value(), c.silence_from.has_value()) << c.rule;
    if (c.silence_from) {
      EXPECT_EQ(format_date(*r.silence_is_consent_from), *c.silence_from) << c.rule;
    }
  }
}

// --- days remaining and overdue ---------------------------------------------------------------

struct RemainingCase {
  std::string rule;
  std::string received;
  std::string today;
  bool concluded;
  int days_remaining;
  bool overdue;
};

TEST(DeadlineTest, DaysRemainingAndOverdue) {
  const std::vector<RemainingCase> cases = {
      {"days remaining: on receipt the whole term remains", "2026-03-02", "2026-03-02", false, 30,
       false},
      {"days remaining: positive", "2026-03-02", "2026-03-31", false, 1, false},
      {"days remaining: zero on the last day, still in time", "2026-03-02", "2026-04-01", false, 0,
       false},
      {"overdue: the day after the due date", "2026-03-02", "2026-04-02", false, -1, true},
      {"overdue: a month late", "2026-03-02", "2026-05-01", false, -30, true},
      {"overdue: never for a concluded practice", "2026-03-02", "2026-04-02", true, -1, false},
      {"art. 2963 c.3 c.c.: the moved day (Mon after Sunday) is still in time", "2026-01-09",
       "2026-02-09", false, 0, false},
      {"art. 2963 c.3 c.c.: Sunday due date, checked on the Sunday: 1 day left", "2026-01-09",
       "2026-02-08", false, 1, false},
  };
  for (const auto& c : cases) {
    const auto r = compute_deadline(ProcedureTerms{}, D(c.received), {}, D(c.today), c.concluded);
    EXPECT_EQ(r.days_remaining, c.days_remaining) << c.rule;
    EXPECT_EQ(r.overdue, c.overdue) << c.rule;
  }
}

TEST(DeadlineTest, ConcludedPracticeIsNotSuspendedNow) {
  const auto r = compute_deadline(ProcedureTerms{}, D("2026-03-02"), {integration("2026-03-10")},
                                  D("2026-03-18"), /*concluded=*/true);
  EXPECT_FALSE(r.suspended_now) << "contract: a concluded practice is never suspended_now";
  EXPECT_FALSE(r.overdue);
  EXPECT_EQ(r.suspended_days, 8) << "art. 2 c.7: the days still count for the record";
}

// --- requests to the applicant ----------------------------------------------------------------

struct RequestCase {
  std::string rule;
  std::string requested_on;
  int days;
  bool saturday_as_holiday;
  std::string due;
};

TEST(DeadlineTest, RequestDueDate) {
  const std::vector<RequestCase> cases = {
      {"request: 15 days on a working day", "2026-03-02", 15, false, "2026-03-17"},
      {"request + art. 2963 c.3 c.c.: 25 Dec 2026, 26 Sat holiday, 27 Sun -> Mon 28",
       "2026-12-10", 15, false, "2026-12-28"},
      {"request + art. 2963 c.3 c.c.: Easter Monday 2026 -> Tuesday", "2026-03-22", 15, false,
       "2026-04-07"},
      {"request: 0 days from a Sunday -> Monday", "2026-03-01", 0, false, "2026-03-02"},
      {"request: negative days count as 0", "2026-03-02", -5, false, "2026-03-02"},
      {"request: due Saturday stays (art. 2963 c.c.)", "2025-12-19", 15, false, "2026-01-03"},
      {"request: due Saturday with the flag -> Monday", "2025-12-19", 15, true, "2026-01-05"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_date(request_due_date(D(c.requested_on), c.days, c.saturday_as_holiday)),
              c.due)
        << c.rule;
  }
}

}  // namespace
}  // namespace au::domain
