#include "domain/practice_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// The projection of a practice from its events (practice_projection.h). Event times are written
// in Italian local time (+01:00 in winter, +02:00 in summer) so their Rome date reads off the
// literal. Weekdays were checked with GNU `date -d`. Unless a row says otherwise the term is the
// default 30 days and the application is received on Monday 2026-11-02, so with no suspension the
// practice is due 2026-11-02 + 30 = Wednesday 2026-12-02.
namespace au::domain {
namespace {

using nlohmann::json;
using K = PracticeEventKind;
using S = PracticeStatus;

Date D(const std::string& text) {
  auto parsed = parse_civil_date(text);
  if (!parsed) ADD_FAILURE() << "bad date literal in test: " << text;
  return parsed.value_or(Date{});
}

std::int64_t ms(const std::string& rfc3339) {
  auto parsed = rfc3339_to_epoch_millis(rfc3339);
  if (!parsed) ADD_FAILURE() << "bad time literal in test: " << rfc3339;
  return parsed.value_or(0);
}

TimelineEvent E(std::int64_t seq, K kind, const std::string& time, json data = json::object(),
                std::optional<S> status = std::nullopt, std::string code = {}, std::string label = {}) {
  return {seq, kind, ms(time), time, status, std::move(code), std::move(label), std::move(data)};
}
TimelineEvent prot(std::int64_t seq, const std::string& time, const std::string& date,
                   const std::string& number = "2026/0012345") {
  return E(seq, K::Protocollata, time, {{"protocol_number", number}, {"protocol_date", date}});
}
TimelineEvent req(std::int64_t seq, const std::string& time, const std::string& id,
                  json extra = json::object(), const std::string& what = "Planimetria aggiornata") {
  json data = {{"request_id", id}, {"description", what}};
  data.update(extra);
  return E(seq, K::RichiestaIntegrazione, time, data);
}
TimelineEvent got(std::int64_t seq, const std::string& time, const std::string& id) {
  return E(seq, K::IntegrazioneRicevuta, time, {{"request_id", id}});
}
TimelineEvent pre(std::int64_t seq, const std::string& time, const std::string& id,
                  const std::string& what = "Osservazioni sui motivi ostativi") {
  return E(seq, K::PreavvisoRigetto, time, {{"request_id", id}, {"description", what}});
}
TimelineEvent obs(std::int64_t seq, const std::string& time, const std::string& id) {
  return E(seq, K::OsservazioniRicevute, time, {{"request_id", id}});
}
TimelineEvent end(std::int64_t seq, const std::string& time, const std::string& esito) {
  return E(seq, K::Conclusa, time, {{"esito", esito}});
}

const PracticeFacts kFacts{D("2026-11-02"), {}};

// Everything a projection says, one line per part, to compare projections and to show diffs.
std::string describe(const Projection& p) {
  std::ostringstream o;
  auto date = [](const std::optional<Date>& d) { return d ? format_date(*d) : std::string("-"); };
  o << "status " << status_code(p.status) << " [" << p.backoffice_code << "|" << p.backoffice_label
    << "] @" << p.status_time_ms << "#" << p.status_sequence << "\nprotocol " << p.protocol_number
    << " " << date(p.protocol_date) << " received " << date(p.received) << "\n";
  for (const auto& e : p.timeline) {
    o << "event #" << e.sequence << " " << event_type_name(e.kind) << " " << e.time_ms << "\n";
  }
  for (const auto& r : p.open_requests) {
    o << "open " << r.request_id << " " << event_type_name(r.kind) << " "
      << format_date(r.requested_on) << " -> " << format_date(r.due) << (r.overdue ? " overdue" : "")
      << " " << r.description << "\n";
  }
  for (const auto& d : p.documents) {
    o << "doc " << d.title << " " << d.url << " " << d.media_type << " " << format_date(d.date) << "\n";
  }
  if (p.deadline) {
    const auto& r = *p.deadline;
    o << "deadline " << format_date(r.due) << " (" << format_date(r.due_unadjusted) << ") suspended "
      << r.suspended_days << (r.suspended_now ? " now" : "") << " silence "
      << date(r.silence_is_consent_from) << " remaining " << r.days_remaining
      << (r.overdue ? " overdue" : "") << " warnings " << r.warnings.size() << "\n";
  }
  o << "next " << next_actor_label(p.next_actor) << " " << date(p.next_deadline) << " "
    << p.next_deadline_label;
  return o.str();
}

// --- status ----------------------------------------------------------------------------------------

struct StatusCase {
  std::string why;
  std::vector<TimelineEvent> events;
  S status;
  std::int64_t status_sequence;  // 0: no event set it
  std::string backoffice_code;
  NextActor actor;
};

TEST(PracticeProjectionTest, StatusOfTheLatestStatusSettingEvent) {
  const std::string t1 = "2026-11-10T09:00:00+01:00", t2 = "2026-11-11T09:00:00+01:00";
  constexpr auto kPa = NextActor::Amministrazione, kYou = NextActor::Richiedente,
                 kNobody = NextActor::Nessuno;
  const auto stato = [&](std::int64_t seq, const std::string& t, const std::string& code,
                         std::optional<S> mapped) {
    return E(seq, K::Stato, t, {{"status_code", code}}, mapped, mapped ? code : "");
  };
  const std::vector<StatusCase> cases = {
      {"no events: in corso", {}, S::InCorso, 0, "", kPa},
      {"aperta -> in-corso", {E(1, K::Aperta, t1)}, S::InCorso, 1, "", kPa},
      {"richiesta-integrazione -> sospeso-utente", {req(1, t1, "A")}, S::SospesoUtente, 1, "", kYou},
      {"integrazione-ricevuta -> in-corso", {req(1, t1, "A"), got(2, t2, "A")}, S::InCorso, 2, "", kPa},
      {"preavviso-rigetto -> sospeso-utente", {pre(1, t1, "P")}, S::SospesoUtente, 1, "", kYou},
      {"osservazioni-ricevute -> in-corso", {pre(1, t1, "P"), obs(2, t2, "P")}, S::InCorso, 2, "", kPa},
      {"conclusa positivo", {end(1, t1, "positivo")}, S::ConclusoPositivo, 1, "", kNobody},
      {"conclusa negativo", {end(1, t1, "negativo")}, S::ConclusoNegativo, 1, "", kNobody},
      {"latest by time, even with a lower sequence", {req(5, t1, "A"), got(2, t2, "A")}, S::InCorso, 2,
       "", kPa},
      {"latest by time: an earlier-timed higher sequence does not win", {got(9, t1, "A"), req(3, t2, "A")},
       S::SospesoUtente, 3, "", kYou},
      {"same time: sequence decides (4 after 3)", {stato(3, t1, "PA", S::SospesoPa), pre(4, t1, "P")},
       S::SospesoUtente, 4, "", kYou},
      {"same time: sequence decides (3 after 2)", {stato(3, t1, "PA", S::SospesoPa), pre(2, t1, "P")},
       S::SospesoPa, 3, "PA", kPa},
      {"stato without a mapped status sets none", {req(1, t1, "A"), stato(2, t2, "XX", std::nullopt)},
       S::SospesoUtente, 1, "", kYou},
      {"documento and messaggio set none",
       {req(1, t1, "A"), E(2, K::Messaggio, t2, {{"text", "Ciao"}}),
        E(3, K::Documento, t2, {{"title", "T"}, {"url", "https://c.example/"}})},
       S::SospesoUtente, 1, "", kYou},
      {"explicit mapped status overrides the default",
       {E(1, K::RichiestaIntegrazione, t1,
          {{"request_id", "A"}, {"description", "Parere ASL"}, {"status_code", "SP"}}, S::SospesoPa,
          "SP", "In attesa di parere")},
       S::SospesoPa, 1, "SP", kPa},
      {"mapped status on stato", {req(1, t1, "A"), stato(2, t2, "CP", S::ConclusoPositivo)},
       S::ConclusoPositivo, 2, "CP", kNobody},
      {"conclusa without a valid esito sets none",
       {req(1, t1, "A"), E(2, K::Conclusa, t2, {{"esito", "forse"}})}, S::SospesoUtente, 1, "", kYou},
      {"...but its mapped status still counts",
       {req(1, t1, "A"), E(2, K::Conclusa, t2, {{"esito", "forse"}}, S::ConclusoNegativo, "CN")},
       S::ConclusoNegativo, 2, "CN", kNobody},
      {"malformed richiesta (no request_id) is ignored: no default status",
       {E(1, K::Aperta, t1), E(2, K::RichiestaIntegrazione, t2, {{"description", "x"}})}, S::InCorso, 1,
       "", kPa},
      {"bad status_label does not make an event unusable",
       {E(1, K::RichiestaIntegrazione, t1,
          {{"request_id", "A"}, {"description", "x"}, {"status_label", 5}})},
       S::SospesoUtente, 1, "", kYou},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    const auto p = project_practice(kFacts, c.events, D("2026-11-12"));
    EXPECT_EQ(status_code(p.status), status_code(c.status));
    EXPECT_EQ(p.status_sequence, c.status_sequence);
    EXPECT_EQ(p.backoffice_code, c.backoffice_code);
    EXPECT_EQ(p.next_actor, c.actor);
    EXPECT_EQ(p.timeline.size(), c.events.size());  // every event stays in the timeline
    // The time of the status is the time of the event that set it (0 when none did).
    std::int64_t time = 0;
    for (const auto& e : c.events)
      if (e.sequence == c.status_sequence) time = e.time_ms;
    EXPECT_EQ(p.status_time_ms, time);
  }
}

// --- deadline, suspensions, open requests --------------------------------------------------------

struct DeadlineCase {
  std::string why;
  std::vector<TimelineEvent> events;
  std::string today;
  std::optional<std::string> due;            // practice due date, nullopt = no deadline
  int suspended_days = 0;
  bool suspended_now = false;
  std::vector<std::string> open = {};        // "request_id due", in the listed order
  std::optional<std::string> next = {};
  std::string label = {};
  PracticeFacts facts = kFacts;
  std::optional<std::string> silence = {};   // art. 20
  std::size_t warnings = 0;                   // from compute_deadline
};

const std::string kOpened = "2026-11-02T08:00:00+01:00";
const std::string kNov10 = "2026-11-10T09:30:00+01:00", kNov20 = "2026-11-20T16:00:00+01:00";
const std::string kDec01 = "2026-12-01T11:00:00+01:00", kDec05 = "2026-12-05T10:00:00+01:00";
const std::string kConclusion = "Conclusione prevista del procedimento";
const std::string kPlan = "Termine per: Planimetria aggiornata";
const std::string kObs = "Termine per: Osservazioni sui motivi ostativi";
const ProcedureTerms kSilence{30, true, false};
const ProcedureTerms kSaturday{30, false, true};

std::vector<DeadlineCase> deadline_cases() {
  const auto p = prot(1, kOpened, "2026-11-02");
  const std::string nov09 = "2026-11-09T09:00:00+01:00", nov12 = "2026-11-12T09:00:00+01:00";
  const std::string dec20 = "2026-12-20T10:00:00+01:00", feb27 = "2027-02-27T09:00:00+01:00";
  const PracticeFacts silence{D("2026-11-02"), kSilence}, saturday{D("2026-11-02"), kSaturday};
  return {
      {.why = "art. 2 c.6: no protocol, the term runs from submitted_on",
       .events = {}, .today = "2026-11-02", .due = "2026-12-02", .next = "2026-12-02", .label = kConclusion},
      {.why = "no protocol and no submitted_on: no deadline, no next deadline",
       .events = {}, .today = "2026-11-02", .due = std::nullopt, .facts = PracticeFacts{}},
      {.why = "protocol_date wins over submitted_on: 11-05 + 30 = Saturday 12-05",
       .events = {prot(1, kOpened, "2026-11-05")},
       .today = "2026-11-05", .due = "2026-12-05", .next = "2026-12-05", .label = kConclusion},
      {.why = "latest protocollata wins: 11-06 + 30 = Sunday 12-06 -> Monday 12-07",
       .events = {prot(2, "2026-11-06T09:00:00+01:00", "2026-11-06", "B"),
                  prot(1, kOpened, "2026-11-05", "A")},
       .today = "2026-11-06", .due = "2026-12-07", .next = "2026-12-07", .label = kConclusion},
      {.why = "protocollata with an impossible date is ignored: falls back to submitted_on",
       .events = {E(1, K::Protocollata, kOpened,
                    {{"protocol_number", "X"}, {"protocol_date", "2026-11-31"}})},
       .today = "2026-11-02", .due = "2026-12-02", .next = "2026-12-02", .label = kConclusion},
      {.why = "art. 2 c.7 open: paused 11-10..11-15 = 5, 12-02 + 5 = 12-07; request due 11-10 + 30 = 12-10",
       .events = {p, req(2, kNov10, "A")}, .today = "2026-11-15", .due = "2026-12-07", .suspended_days = 5,
       .suspended_now = true, .open = {"A 2026-12-10"}, .next = "2026-12-10", .label = kPlan},
      {.why = "art. 2 c.7 closed: 11-20 - 11-10 = 10, 12-02 + 10 = Saturday 12-12 (Saturday does not move)",
       .events = {p, req(2, kNov10, "A"), got(3, kNov20, "A")}, .today = "2026-11-20", .due = "2026-12-12",
       .suspended_days = 10, .next = "2026-12-12", .label = kConclusion},
      {.why = "Rome dates, not UTC: asked at 00:30 on 11-10 (23:30 UTC on 11-09), still open on 11-20: "
              "paused 10, not 11; request due 11-10 + 30 = 12-10",
       .events = {p, req(2, "2026-11-10T00:30:00+01:00", "A"), got(3, "2026-11-20T23:30:00+01:00", "B")},
       .today = "2026-11-20", .due = "2026-12-12", .suspended_days = 10, .suspended_now = true,
       .open = {"A 2026-12-10"}, .next = "2026-12-10", .label = kPlan},
      {.why = "Rome dates at both ends: 00:30 on 11-10 to 00:10 on 11-20 (both the day before in UTC): 10",
       .events = {p, req(2, "2026-11-10T00:30:00+01:00", "A"), got(3, "2026-11-20T00:10:00+01:00", "A")},
       .today = "2026-11-20", .due = "2026-12-12", .suspended_days = 10, .next = "2026-12-12",
       .label = kConclusion},
      {.why = "saturday_as_holiday opt-in: Saturday 12-12 -> Monday 12-14",
       .events = {p, req(2, kNov10, "A"), got(3, kNov20, "A")}, .today = "2026-11-20", .due = "2026-12-14",
       .suspended_days = 10, .next = "2026-12-14", .label = kConclusion, .facts = saturday},
      {.why = "art. 2 c.7 at most 30 days: 11-10..12-20 is 40, capped: 11-02 + 60 = 2027-01-01 (holiday) "
              "-> Saturday 01-02",
       .events = {p, req(2, kNov10, "A"), got(3, dec20, "A")}, .today = "2026-12-21", .due = "2027-01-02",
       .suspended_days = 30, .next = "2027-01-02", .label = kConclusion, .warnings = 1},
      {.why = "art. 2 c.7 only once: the second integration (11-25..11-30) is not counted",
       .events = {p, req(2, kNov10, "A"), got(3, kNov20, "A"), req(4, "2026-11-25T09:00:00+01:00", "B"),
                  got(5, "2026-11-30T09:00:00+01:00", "B")},
       .today = "2026-11-30", .due = "2026-12-12", .suspended_days = 10, .next = "2026-12-12",
       .label = kConclusion, .warnings = 1},
      {.why = "due_days 15: 11-10 + 15 = Wednesday 11-25",
       .events = {p, req(2, kNov10, "A", {{"due_days", 15}})}, .today = "2026-11-10", .due = "2026-12-02",
       .suspended_now = true, .open = {"A 2026-11-25"}, .next = "2026-11-25", .label = kPlan},
      {.why = "due_days 12: 11-10 + 12 = Sunday 11-22 -> Monday 11-23",
       .events = {p, req(2, kNov10, "A", {{"due_days", 12}})}, .today = "2026-11-10", .due = "2026-12-02",
       .suspended_now = true, .open = {"A 2026-11-23"}, .next = "2026-11-23", .label = kPlan},
      {.why = "due_days 11: Saturday 11-21 stays, unless saturday_as_holiday (next row)",
       .events = {p, req(2, kNov10, "A", {{"due_days", 11}})}, .today = "2026-11-10", .due = "2026-12-02",
       .suspended_now = true, .open = {"A 2026-11-21"}, .next = "2026-11-21", .label = kPlan},
      {.why = "due_days 11 with saturday_as_holiday: Saturday 11-21 -> Monday 11-23",
       .events = {p, req(2, kNov10, "A", {{"due_days", 11}})}, .today = "2026-11-10", .due = "2026-12-02",
       .suspended_now = true, .open = {"A 2026-11-23"}, .next = "2026-11-23", .label = kPlan,
       .facts = saturday},
      {.why = "explicit due_date is used as given (even a Sunday)",
       .events = {p, req(2, kNov10, "A", {{"due_date", "2026-11-22"}})}, .today = "2026-11-10",
       .due = "2026-12-02", .suspended_now = true, .open = {"A 2026-11-22"}, .next = "2026-11-22",
       .label = kPlan},
      {.why = "overdue request: today 12-11 > due 12-10; pause capped at 30: 11-02 + 60 = 01-01 -> 01-02",
       .events = {p, req(2, kNov10, "A")}, .today = "2026-12-11", .due = "2027-01-02", .suspended_days = 30,
       .open = {"A 2026-12-10 overdue"}, .next = "2026-12-10", .label = kPlan, .warnings = 1},
      {.why = "due today is not overdue: 11-10..12-10 = 30, not yet capped: 11-02 + 60 = 01-01 -> 01-02",
       .events = {p, req(2, kNov10, "A")}, .today = "2026-12-10", .due = "2027-01-02", .suspended_days = 30,
       .suspended_now = true, .open = {"A 2026-12-10"}, .next = "2026-12-10", .label = kPlan},
      {.why = "art. 10-bis pending: request due 12-01 + 10 = Friday 12-11; window 10: 12-02 + 10 = 12-12",
       .events = {p, pre(2, kDec01, "P")}, .today = "2026-12-03", .due = "2026-12-12", .suspended_days = 10,
       .suspended_now = true, .open = {"P 2026-12-11"}, .next = "2026-12-11", .label = kObs},
      {.why = "art. 10-bis observations 12-05: paused 12-05 + 10 - 12-01 = 14, 12-02 + 14 = 12-16",
       .events = {p, pre(2, kDec01, "P"), obs(3, kDec05, "P")}, .today = "2026-12-16", .due = "2026-12-16",
       .suspended_days = 14, .next = "2026-12-16", .label = kConclusion},
      {.why = "art. 20: silence is consent from the day after the due date",
       .events = {p}, .today = "2026-11-02", .due = "2026-12-02", .next = "2026-12-02", .label = kConclusion,
       .facts = silence, .silence = "2026-12-03"},
      {.why = "art. 20: a 10-bis notice does not exclude it (due 12-12, silence 12-13)",
       .events = {p, pre(2, kDec01, "P")}, .today = "2026-12-03", .due = "2026-12-12", .suspended_days = 10,
       .suspended_now = true, .open = {"P 2026-12-11"}, .next = "2026-12-11", .label = kObs,
       .facts = silence, .silence = "2026-12-13"},
      {.why = "art. 20: a communicated denial excludes it; concluded: no next deadline",
       .events = {p, end(2, kDec01, "negativo")}, .today = "2026-12-03", .due = "2026-12-02",
       .facts = silence},
      {.why = "Easter Monday 2027-03-29: 10-bis 03-18 + 10 = Easter Sunday 03-28 -> past Easter Monday -> "
              "Tuesday 03-30; window 10: received 02-27 + 30 + 10 = Thursday 04-08",
       .events = {prot(1, feb27, "2027-02-27"), pre(2, "2027-03-18T09:00:00+01:00", "P")},
       .today = "2027-03-19", .due = "2027-04-08", .suspended_days = 10, .suspended_now = true,
       .open = {"P 2027-03-30"}, .next = "2027-03-30", .label = kObs},
      {.why = "Easter Monday 2027-03-29, no suspension: 02-27 + 30 = 03-29 -> Tuesday 03-30",
       .events = {prot(1, feb27, "2027-02-27")}, .today = "2027-03-01", .due = "2027-03-30",
       .next = "2027-03-30", .label = kConclusion},
      {.why = "concluded hides open requests (and the next deadline)",
       .events = {p, req(2, kNov10, "A"), end(3, kNov20, "positivo")}, .today = "2026-11-20",
       .due = "2026-12-12", .suspended_days = 10},
      {.why = "a receipt for an unknown request_id changes nothing but the status",
       .events = {p, got(2, kNov10, "ZZ")}, .today = "2026-11-10", .due = "2026-12-02", .next = "2026-12-02",
       .label = kConclusion},
      {.why = "a receipt for another request_id leaves the request open",
       .events = {p, req(2, kNov10, "A"), got(3, kNov20, "B")}, .today = "2026-11-20", .due = "2026-12-12",
       .suspended_days = 10, .suspended_now = true, .open = {"A 2026-12-10"}, .next = "2026-12-10",
       .label = kPlan},
      {.why = "kinds must match: osservazioni-ricevute does not close an integration request",
       .events = {p, req(2, kNov10, "A"), obs(3, kNov20, "A")}, .today = "2026-11-20", .due = "2026-12-12",
       .suspended_days = 10, .suspended_now = true, .open = {"A 2026-12-10"}, .next = "2026-12-10",
       .label = kPlan},
      {.why = "a receipt timed before its request still closes it (the suspension ends before it starts, "
              "so compute_deadline ignores it with a warning)",
       .events = {p, got(2, nov09, "A"), req(3, kNov10, "A")}, .today = "2026-11-20", .due = "2026-12-02",
       .next = "2026-12-02", .label = kConclusion, .warnings = 1},
      {.why = "receipts before and after the request: the one after closes it (paused 11-10..11-20 = 10)",
       .events = {p, got(2, nov09, "A"), req(3, kNov10, "A"), got(4, kNov20, "A")}, .today = "2026-11-20",
       .due = "2026-12-12", .suspended_days = 10, .next = "2026-12-12", .label = kConclusion},
      {.why = "open requests by due date: 10-bis (12-11) before the integration due 12-20; paused: "
              "integration still open 11-10..12-01 = 21 + window 10 = 31, 12-02 + 31 = Saturday 2027-01-02",
       .events = {p, req(2, kNov10, "A", {{"due_date", "2026-12-20"}}), pre(3, kDec01, "P")},
       .today = "2026-12-01", .due = "2027-01-02", .suspended_days = 31, .suspended_now = true,
       .open = {"P 2026-12-11", "A 2026-12-20"}, .next = "2026-12-11", .label = kObs},
      {.why = "a repeated request_id is the same request: the first one counts (paused 2: 12-04)",
       .events = {p, req(2, kNov10, "A", {{"due_days", 15}}), req(3, nov12, "A", {{"due_days", 5}})},
       .today = "2026-11-12", .due = "2026-12-04", .suspended_days = 2, .suspended_now = true,
       .open = {"A 2026-11-25"}, .next = "2026-11-25", .label = kPlan},
  };
}

TEST(PracticeProjectionTest, DeadlineSuspensionsAndOpenRequests) {
  for (const auto& c : deadline_cases()) {
    SCOPED_TRACE(c.why);
    const auto p = project_practice(c.facts, c.events, D(c.today));
    ASSERT_EQ(p.deadline.has_value(), c.due.has_value()) << describe(p);
    if (c.due) {
      EXPECT_EQ(format_date(p.deadline->due), *c.due) << describe(p);
      EXPECT_EQ(p.deadline->suspended_days, c.suspended_days) << describe(p);
      EXPECT_EQ(p.deadline->suspended_now, c.suspended_now) << describe(p);
      const auto silence = p.deadline->silence_is_consent_from;
      EXPECT_EQ(silence ? format_date(*silence) : "-", c.silence.value_or("-"));
      EXPECT_EQ(p.deadline->warnings.size(), c.warnings) << describe(p);
    }
    std::vector<std::string> open;
    for (const auto& r : p.open_requests)
      open.push_back(r.request_id + " " + format_date(r.due) + (r.overdue ? " overdue" : ""));
    EXPECT_EQ(open, c.open) << describe(p);
    EXPECT_EQ(p.next_deadline ? format_date(*p.next_deadline) : "-", c.next.value_or("-")) << describe(p);
    EXPECT_EQ(p.next_deadline_label, c.label);
  }
}

// --- the "Termine per:" label ------------------------------------------------------------------

struct LabelCase {
  std::string why;
  std::string description;
  std::string expected;  // after "Termine per: "
};

std::string rep(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

TEST(PracticeProjectionTest, NextDeadlineLabelIsTrimmedOnUtf8Boundary) {
  const std::string e = "è";  // two bytes
  const std::vector<LabelCase> cases = {
      {"short: as is", "Planimetria", "Planimetria"},
      {"exactly 120 bytes: no ellipsis", std::string(120, 'x'), std::string(120, 'x')},
      {"121 bytes: 120 + …", std::string(121, 'x'), std::string(120, 'x') + "…"},
      {"60 x è = 120 bytes: as is", rep(e, 60), rep(e, 60)},
      {"61 x è = 122 bytes: 60 x è + …", rep(e, 61), rep(e, 60) + "…"},
      {"'a' + 100 x è: byte 120 is the second half of the 60th è, cut before it (119 bytes)",
       "a" + rep(e, 100), "a" + rep(e, 59) + "…"},
      {"4-byte characters: 30 x U+1F4C4 = 120 bytes, the 31st is dropped whole", rep("\U0001F4C4", 31),
       rep("\U0001F4C4", 30) + "…"},
      {"a space at the cut is dropped", std::string(119, 'x') + " " + std::string(10, 'y'),
       std::string(119, 'x') + "…"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    const auto p =
        project_practice(kFacts, {req(1, kNov10, "A", json::object(), c.description)}, D("2026-11-10"));
    EXPECT_EQ(p.next_deadline_label, "Termine per: " + c.expected);
    ASSERT_EQ(p.open_requests.size(), 1u);
    EXPECT_EQ(p.open_requests[0].description, c.description);  // kept whole
  }
}

// --- documents, protocol, timeline -------------------------------------------------------------

TEST(PracticeProjectionTest, DocumentsProtocolAndTimeline) {
  const std::vector<TimelineEvent> events = {
      E(4, K::Documento, "2026-11-20T23:30:00+01:00",
        {{"title", "Ricevuta"}, {"url", "https://c.example/r"}}),
      E(3, K::Documento, "2026-11-10T00:30:00+01:00",
        {{"title", "Planimetria"}, {"url", "https://c.example/p.pdf"}, {"media_type", "application/pdf"}}),
      E(5, K::Documento, "2026-11-21T09:00:00+01:00",
        {{"title", "Link rotto"}, {"url", "javascript:alert(1)"}}),
      prot(2, "2026-11-03T09:00:00+01:00", "2026-11-03", "PG/2026/77"),
      E(1, K::Aperta, kOpened),
  };
  const auto p = project_practice(kFacts, events, D("2026-11-21"));
  ASSERT_EQ(p.documents.size(), 2u);  // the one with a bad url is not linked
  EXPECT_EQ(p.documents[0].title, "Planimetria");
  EXPECT_EQ(p.documents[0].media_type, "application/pdf");
  EXPECT_EQ(format_date(p.documents[0].date), "2026-11-10");  // 00:30 in Rome is 23:30 UTC on 11-09
  EXPECT_EQ(p.documents[1].url, "https://c.example/r");
  EXPECT_EQ(p.documents[1].media_type, "");
  EXPECT_EQ(format_date(p.documents[1].date), "2026-11-20");  // late evening in Rome
  EXPECT_EQ(p.protocol_number, "PG/2026/77");
  EXPECT_EQ(p.protocol_date, D("2026-11-03"));
  EXPECT_EQ(p.received, D("2026-11-03"));
  std::vector<std::int64_t> order;
  for (const auto& e : p.timeline) order.push_back(e.sequence);
  EXPECT_EQ(order, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));  // malformed ones stay listed
}

// --- a realistic lifecycle, step by step -------------------------------------------------------

std::vector<TimelineEvent> lifecycle() {
  return {
      E(1, K::Aperta, "2026-11-02T08:15:00+01:00"),
      prot(2, "2026-11-02T10:00:00+01:00", "2026-11-02", "COMUNE-2026-0012345"),
      req(3, "2026-11-10T09:30:00+01:00", "INT-1"),
      got(4, "2026-11-20T16:45:00+01:00", "INT-1"),
      pre(5, "2026-12-01T11:00:00+01:00", "PR-1"),
      obs(6, "2026-12-05T18:20:00+01:00", "PR-1"),
      end(7, "2026-12-14T12:00:00+01:00", "positivo"),
  };
}

struct Step {
  std::string why;
  std::size_t events;  // how many of lifecycle() have happened
  std::string today;
  S status;
  std::string due, due_unadjusted;
  int suspended_days;
  bool suspended_now;
  std::string next, label;  // "-" / "" when none
};

TEST(PracticeProjectionTest, LifecycleStepByStep) {
  // Service with silenzio-assenso: the consent date is always due + 1.
  const PracticeFacts facts{D("2026-11-02"), kSilence};
  const std::vector<Step> steps = {
      {"opened Mon 11-02: 11-02 + 30 = Wed 12-02 (November has 30 days)",
       1, "2026-11-02", S::InCorso, "2026-12-02", "2026-12-02", 0, false, "2026-12-02", kConclusion},
      {"protocollata the same day: same term",
       2, "2026-11-02", S::InCorso, "2026-12-02", "2026-12-02", 0, false, "2026-12-02", kConclusion},
      {"integration requested Tue 11-10: paused so far 0; request due 11-10 + 30 = Thu 12-10",
       3, "2026-11-10", S::SospesoUtente, "2026-12-02", "2026-12-02", 0, true, "2026-12-10", kPlan},
      {"five days later: paused 11-15 - 11-10 = 5, 12-02 + 5 = Mon 12-07",
       3, "2026-11-15", S::SospesoUtente, "2026-12-07", "2026-12-07", 5, true, "2026-12-10", kPlan},
      {"received Fri 11-20: paused 10, 12-02 + 10 = Sat 12-12 (not moved)",
       4, "2026-11-20", S::InCorso, "2026-12-12", "2026-12-12", 10, false, "2026-12-12", kConclusion},
      {"10-bis Tue 12-01: + window 10 = 20, 12-02 + 20 = Tue 12-22; observations due 12-01 + 10 = Fri 12-11",
       5, "2026-12-01", S::SospesoUtente, "2026-12-22", "2026-12-22", 20, true, "2026-12-11", kObs},
      {"observations Sat 12-05: 10-bis paused 12-05 + 10 - 12-01 = 14, total 24: 12-02 + 24 = Sat 12-26 "
       "(Santo Stefano) -> Sun 12-27 -> Mon 12-28; the term restarts on 12-15, so still suspended",
       6, "2026-12-05", S::InCorso, "2026-12-28", "2026-12-26", 24, true, "2026-12-28", kConclusion},
      {"after the restart (12-16): no longer suspended",
       6, "2026-12-16", S::InCorso, "2026-12-28", "2026-12-26", 24, false, "2026-12-28", kConclusion},
      {"concluded positively Mon 12-14: nothing is due, nobody must act",
       7, "2026-12-14", S::ConclusoPositivo, "2026-12-28", "2026-12-26", 24, false, "-", ""},
  };
  const auto all = lifecycle();
  for (const auto& s : steps) {
    SCOPED_TRACE(s.why);
    const auto p = project_practice(facts, {all.begin(), all.begin() + s.events}, D(s.today));
    EXPECT_EQ(status_code(p.status), status_code(s.status)) << describe(p);
    ASSERT_TRUE(p.deadline);
    EXPECT_EQ(format_date(p.deadline->due), s.due) << describe(p);
    EXPECT_EQ(format_date(p.deadline->due_unadjusted), s.due_unadjusted);
    EXPECT_EQ(p.deadline->suspended_days, s.suspended_days);
    EXPECT_EQ(p.deadline->suspended_now, s.suspended_now);
    EXPECT_EQ(p.deadline->silence_is_consent_from, add_days(D(s.due), 1));
    EXPECT_FALSE(p.deadline->overdue);
    EXPECT_EQ(p.deadline->days_remaining, days_between(D(s.today), D(s.due)));
    EXPECT_EQ(p.next_deadline ? format_date(*p.next_deadline) : "-", s.next);
    EXPECT_EQ(p.next_deadline_label, s.label);
    EXPECT_EQ(p.next_actor, expected_from(s.status));
    EXPECT_EQ(p.protocol_number, s.events >= 2 ? "COMUNE-2026-0012345" : "");
    EXPECT_EQ(p.open_requests.size(), s.label.rfind("Termine per:", 0) == 0 ? 1u : 0u);
  }
}

TEST(PracticeProjectionTest, OutOfOrderArrivalGivesTheSameProjection) {
  // The lifecycle plus documents, messages and two events sharing one instant (sequence decides).
  auto events = lifecycle();
  const std::string nov10 = "2026-11-10T09:30:00+01:00", dec14 = "2026-12-14T12:00:00+01:00";
  events.push_back(E(8, K::Documento, nov10, {{"title", "Richiesta"}, {"url", "https://c.example/1"}}));
  events.push_back(E(9, K::Messaggio, nov10, {{"text", "Vedi allegato"}}));
  events.push_back(E(10, K::Documento, dec14, {{"title", "Provvedimento"}, {"url", "https://c.example/2"}}));
  events.push_back(E(11, K::Stato, dec14, {{"status_code", "CP"}}, S::ConclusoPositivo, "CP", "Chiusa"));
  for (std::size_t keep : {events.size(), std::size_t{6}, std::size_t{5}, std::size_t{3}}) {
    std::vector<TimelineEvent> base;
    for (const auto& e : events)
      if (e.sequence <= static_cast<std::int64_t>(keep)) base.push_back(e);
    const std::string expected = describe(project_practice(kFacts, base, D("2026-12-16")));
    std::mt19937 rng(20261102u + static_cast<unsigned>(keep));
    for (int round = 0; round < 40; ++round) {
      auto shuffled = base;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      ASSERT_EQ(describe(project_practice(kFacts, shuffled, D("2026-12-16"))), expected)
          << "events kept: " << keep << ", round " << round;
    }
    auto reversed = base;
    std::reverse(reversed.begin(), reversed.end());
    EXPECT_EQ(describe(project_practice(kFacts, reversed, D("2026-12-16"))), expected);
  }
}

TEST(PracticeProjectionTest, SameStatusWhateverTheOrderOfTiedEvents) {
  // Same time_ms and sequence (should not happen): the result still does not depend on arrival.
  const std::string t = "2026-11-10T09:30:00+01:00";
  const std::vector<TimelineEvent> a = {req(1, t, "A"), got(1, t, "A")};
  const std::vector<TimelineEvent> b = {got(1, t, "A"), req(1, t, "A")};
  EXPECT_EQ(describe(project_practice(kFacts, a, D("2026-11-10"))),
            describe(project_practice(kFacts, b, D("2026-11-10"))));
}

}  // namespace
}  // namespace au::domain
