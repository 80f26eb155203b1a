#include "domain/icalendar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "domain/utc_time.h"

namespace au::domain {
namespace {

std::int64_t utc(const char* text) { return parse_utc(text).value_or(0) * 1000; }

// Physical lines without their CRLF; fails the test if any line ends otherwise.
std::vector<std::string> physical_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t crlf = text.find("\r\n", pos);
    EXPECT_NE(crlf, std::string::npos) << "the text must end with CRLF";
    if (crlf == std::string::npos) break;
    lines.push_back(text.substr(pos, crlf - pos));
    pos = crlf + 2;
  }
  return lines;
}

// RFC 5545 §3.1 unfolding: CRLF followed by one space or tab is removed.
std::vector<std::string> content_lines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : physical_lines(text)) {
    if (!l.empty() && (l[0] == ' ' || l[0] == '\t') && !out.empty()) out.back() += l.substr(1);
    else out.push_back(l);
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::size_t count(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

CalendarEntry sample_entry() {
  CalendarEntry e;
  e.uid = "pr-4XkQ9mTz2LwB7nRcY8aV-integrazione-r1@umbriasemplice.it";
  e.date = {2026, 4, 16};
  e.summary = "Invia i documenti richiesti: Permesso di costruire";
  e.description = "Comune di Città di Castello; relazione tecnica, elaborati grafici\nScadenza: 16/04/2026";
  e.url = "https://www.umbriasemplice.it/area-personale/pratiche/pr-4XkQ9mTz2LwB7nRcY8aV";
  e.alarm_days_before = {7, 1, 7};
  e.last_modified_ms = utc("2026-03-17T10:15:30Z");
  return e;
}

// ---- Escaping ------------------------------------------------------------------------------

struct EscapeCase {
  const char* input;
  const char* expected;
};

class IcalendarEscape : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(IcalendarEscape, FollowsRfc5545Text) { EXPECT_EQ(ical_escape_text(GetParam().input), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    Icalendar, IcalendarEscape,
    ::testing::Values(EscapeCase{"", ""}, EscapeCase{"semplice", "semplice"}, EscapeCase{"a,b", "a\\,b"},
                      EscapeCase{"a;b", "a\\;b"}, EscapeCase{"a\\b", "a\\\\b"}, EscapeCase{"a\\nb", "a\\\\nb"},
                      EscapeCase{"riga 1\nriga 2", "riga 1\\nriga 2"}, EscapeCase{"riga 1\r\nriga 2", "riga 1\\nriga 2"},
                      EscapeCase{"a\rb", "ab"}, EscapeCase{"tab\there", "tab here"},
                      EscapeCase{"\x01\x02x\x1f\x7f", "x"}, EscapeCase{"ore 10:00 \"sala\"", "ore 10:00 \"sala\""},
                      EscapeCase{"Città, più; perché\\", "Città\\, più\\; perché\\\\"},
                      EscapeCase{"\xff" "a\xc3", "\xEF\xBF\xBD" "a\xEF\xBF\xBD"},
                      EscapeCase{"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // a UTF-16 surrogate
                      EscapeCase{"emoji 📅", "emoji 📅"}));

// ---- Folding -------------------------------------------------------------------------------

TEST(IcalendarFold, ShortLinesStayWhole) {
  EXPECT_EQ(ical_fold_line("SUMMARY:breve"), "SUMMARY:breve\r\n");
  const std::string exact = "DESCRIPTION:" + std::string(75 - 12, 'x');
  EXPECT_EQ(ical_fold_line(exact), exact + "\r\n");
  EXPECT_EQ(ical_fold_line(exact + "y"), exact + "\r\n y\r\n");
}

TEST(IcalendarFold, MultiByteTextIsNeverSplitAndUnfoldsBack) {
  // 2-, 3- and 4-byte sequences at every alignment against the 75-octet limit.
  const std::string piece = "è€📅a";
  for (std::size_t prefix = 0; prefix < 12; ++prefix) {
    std::string line = "DESCRIPTION:" + std::string(prefix, 'p');
    for (int i = 0; i < 60; ++i) line += piece;
    const std::string folded = ical_fold_line(line);
    const auto lines = physical_lines(folded);
    ASSERT_GT(lines.size(), 1u);
    std::string unfolded;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_LE(lines[i].size(), 75u) << "prefix " << prefix << " line " << i;
      EXPECT_TRUE(valid_utf8(i == 0 ? lines[i] : lines[i].substr(1))) << "prefix " << prefix << " line " << i;
      if (i > 0) {
        ASSERT_EQ(lines[i][0], ' ');
        EXPECT_NE(lines[i].size(), 1u);  // no empty continuation
      }
      unfolded += i == 0 ? lines[i] : lines[i].substr(1);
    }
    EXPECT_EQ(unfolded, line);
    // Lines are filled: a break happens only when the next character would not fit.
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_GE(lines[i].size(), 72u);
  }
}

TEST(IcalendarFold, WholeFeedRespectsTheLimit) {
  CalendarEntry e = sample_entry();
  e.summary = std::string(40, 'S') + " àèìòù " + std::string(200, ',');
  e.description.clear();
  for (int i = 0; i < 50; ++i) e.description += "Perché più città; ";
  const std::string ics = render_calendar("Scadenze di Maria Grazia — UmbriaSemplice", {e}, utc("2026-03-20T08:00:00Z"));
  for (const auto& l : physical_lines(ics)) {
    EXPECT_LE(l.size(), 75u) << l;
    EXPECT_TRUE(valid_utf8(l)) << l;
  }
  const auto lines = content_lines(ics);
  EXPECT_EQ(count(lines, "SUMMARY:" + ical_escape_text(e.summary)), 1u);
  EXPECT_EQ(count(lines, "DESCRIPTION:" + ical_escape_text(e.description)), 1u);
}

// ---- Structure -----------------------------------------------------------------------------

TEST(IcalendarRender, CalendarAndEventProperties) {
  const std::string ics = render_calendar("Le mie scadenze", {sample_entry()}, utc("2026-03-20T08:05:09Z"));
  ASSERT_GE(ics.size(), 2u);
  EXPECT_EQ(ics.substr(ics.size() - 2), "\r\n");
  for (std::size_t i = 0; i < ics.size(); ++i) {
    if (ics[i] == '\n') {
      ASSERT_TRUE(i > 0 && ics[i - 1] == '\r') << "bare LF at " << i;
    }
  }

  const auto lines = content_lines(ics);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  for (const char* expected :
       {"VERSION:2.0", "PRODID:-//Regione Umbria//UmbriaSemplice//IT", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "X-WR-CALNAME:Le mie scadenze", "X-WR-TIMEZONE:Europe/Rome", "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H", "BEGIN:VTIMEZONE", "TZID:Europe/Rome", "BEGIN:VEVENT",
        "UID:pr-4XkQ9mTz2LwB7nRcY8aV-integrazione-r1@umbriasemplice.it", "DTSTAMP:20260320T080509Z",
        "DTSTART;VALUE=DATE:20260416", "DTEND;VALUE=DATE:20260417",
        "SUMMARY:Invia i documenti richiesti: Permesso di costruire",
        "DESCRIPTION:Comune di Città di Castello\\; relazione tecnica\\, elaborati grafici\\nScadenza: 16/04/2026",
        "URL:https://www.umbriasemplice.it/area-personale/pratiche/pr-4XkQ9mTz2LwB7nRcY8aV",
        "LAST-MODIFIED:20260317T101530Z", "TRANSP:TRANSPARENT", "END:VEVENT"})
    EXPECT_EQ(count(lines, expected), 1u) << expected;
  // One alarm per distinct day count, in order, each a DISPLAY with a description.
  EXPECT_EQ(count(lines, "BEGIN:VALARM"), 2u);
  EXPECT_EQ(count(lines, "ACTION:DISPLAY"), 2u);
  EXPECT_EQ(count(lines, "DESCRIPTION:Invia i documenti richiesti: Permesso di costruire"), 2u);
  const auto first = std::find(lines.begin(), lines.end(), "TRIGGER:-P1D");
  const auto second = std::find(lines.begin(), lines.end(), "TRIGGER:-P7D");
  ASSERT_NE(first, lines.end());
  ASSERT_NE(second, lines.end());
  EXPECT_LT(first, second);
  // Calendar properties come before the components; the event follows the time zone.
  const auto tz = std::find(lines.begin(), lines.end(), "BEGIN:VTIMEZONE");
  const auto ev = std::find(lines.begin(), lines.end(), "BEGIN:VEVENT");
  const auto ttl = std::find(lines.begin(), lines.end(), "X-PUBLISHED-TTL:PT6H");
  EXPECT_LT(ttl, tz);
  EXPECT_LT(tz, ev);
}

TEST(IcalendarRender, OptionalPropertiesAndDateRollover) {
  CalendarEntry e;
  e.uid = "a@umbriasemplice.it";
  e.date = {2026, 12, 31};
  e.summary = "Termine";
  e.alarm_days_before = {-1, 0};
  const auto lines = content_lines(render_calendar("x", {e}, 0));
  EXPECT_EQ(count(lines, "DTSTAMP:19700101T000000Z"), 1u);
  EXPECT_EQ(count(lines, "DTSTART;VALUE=DATE:20261231"), 1u);
  EXPECT_EQ(count(lines, "DTEND;VALUE=DATE:20270101"), 1u);
  for (const auto& l : lines) {
    EXPECT_NE(l.rfind("URL", 0), 0u) << l;
    EXPECT_NE(l.rfind("LAST-MODIFIED", 0), 0u) << l;
    // The only DESCRIPTION is the alarm's: an empty event description is left out.
    EXPECT_FALSE(l.rfind("DESCRIPTION:", 0) == 0 && l != "DESCRIPTION:Termine") << l;
  }
  EXPECT_EQ(count(lines, "BEGIN:VALARM"), 1u);
  EXPECT_EQ(count(lines, "TRIGGER:-P0D"), 1u);
  // 29 February of a leap year ends on 1 March.
  e.date = {2028, 2, 29};
  EXPECT_EQ(count(content_lines(render_calendar("x", {e}, 0)), "DTEND;VALUE=DATE:20280301"), 1u);
}

TEST(IcalendarRender, EmptyFeedIsAValidCalendar) {
  const std::string ics = render_calendar("Scadenze", {}, utc("2026-03-20T08:00:00Z"));
  const auto lines = content_lines(ics);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_EQ(count(lines, "BEGIN:VEVENT"), 0u);
  // RFC 5545 wants at least one component: the time zone is always there.
  EXPECT_EQ(count(lines, "BEGIN:VTIMEZONE"), 1u);
  EXPECT_EQ(count(lines, "END:VTIMEZONE"), 1u);
}

TEST(IcalendarRender, SkipsEntriesThatCannotBeEvents) {
  CalendarEntry no_uid = sample_entry();
  no_uid.uid.clear();
  CalendarEntry bad_date = sample_entry();
  bad_date.date = {2026, 2, 29};
  CalendarEntry last_day = sample_entry();
  last_day.date = {9999, 12, 31};
  const auto lines = content_lines(render_calendar("x", {no_uid, bad_date, last_day, sample_entry()}, 0));
  EXPECT_EQ(count(lines, "BEGIN:VEVENT"), 1u);
}

TEST(IcalendarRender, TextInjectionStaysInsideItsProperty) {
  CalendarEntry e = sample_entry();
  e.summary = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil";
  e.url = "https://example.org/a\r\nATTACH:evil";
  const auto lines = content_lines(render_calendar("y\nX-EVIL:1", {e}, 0));
  EXPECT_EQ(count(lines, "BEGIN:VEVENT"), 1u);
  EXPECT_EQ(count(lines, "END:VEVENT"), 1u);
  EXPECT_EQ(count(lines, "UID:evil"), 0u);
  EXPECT_EQ(count(lines, "X-EVIL:1"), 0u);
  EXPECT_EQ(count(lines, "URL:https://example.org/aATTACH:evil"), 1u);
  EXPECT_EQ(count(lines, "SUMMARY:x\\nEND:VEVENT\\nBEGIN:VEVENT\\nUID:evil"), 1u);
}

TEST(IcalendarRender, UtcTimes) {
  EXPECT_EQ(ical_utc_time(0), "19700101T000000Z");
  EXPECT_EQ(ical_utc_time(utc("2026-10-25T01:00:00Z") + 999), "20261025T010000Z");
  EXPECT_EQ(ical_utc_time(-1), "19691231T235959Z");
  EXPECT_EQ(ical_utc_time(std::numeric_limits<std::int64_t>::max()), "99991231T235959Z");
}

// ---- Interoperability: Python's icalendar reads the feed back ------------------------------

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) out = "ERROR:" + out;
  return out;
}

// Debian's python3-icalendar is installed for the system interpreter, which may not be the
// first python3 on PATH (pyenv).
std::string python_with_icalendar() {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    const std::string cmd = std::string(py) + " -c \"import icalendar\" >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return py;
  }
  return "";
}

TEST(IcalendarInterop, PythonIcalendarParsesAndRoundTrips) {
  const std::string python = python_with_icalendar();
  if (python.empty()) GTEST_SKIP() << "python3 with the icalendar module is not available";

  CalendarEntry a = sample_entry();
  a.summary = "Osservazioni sul preavviso di rigetto; art. 10-bis, L. 241/1990 — Città di Castello " + std::string(3, 'x');
  CalendarEntry b;
  b.uid = "pr-2-termine@umbriasemplice.it";
  b.date = {2026, 12, 31};
  b.summary = "Termine del procedimento";
  b.alarm_days_before = {3};
  const std::string ics = render_calendar("Scadenze, di Maria", {a, b}, utc("2026-03-20T08:00:00Z"));

  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(getpid());
  const auto feed = dir / ("au_ical_" + tag + ".ics");
  const auto script = dir / ("au_ical_" + tag + ".py");
  std::ofstream(feed, std::ios::binary) << ics;
  std::ofstream(script) << R"PY(import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print('NAME|' + str(cal.get('X-WR-CALNAME')))
for ev in cal.walk('VEVENT'):
    alarms = ','.join(str(a.get('TRIGGER').dt.days) for a in ev.walk('VALARM'))
    print('|'.join([str(ev.get('UID')), str(ev.get('SUMMARY')), ev.get('DTSTART').dt.isoformat(),
                    ev.get('DTEND').dt.isoformat(), alarms]))
)PY";
  const std::string out = run("PYTHONIOENCODING=utf-8 " + python + " " + script.string() + " " + feed.string() + " 2>&1");
  std::filesystem::remove(feed);
  std::filesystem::remove(script);

  const std::string expected = "NAME|Scadenze, di Maria\n" + a.uid + "|" + a.summary +
                               "|2026-04-16|2026-04-17|-1,-7\n"
                               "pr-2-termine@umbriasemplice.it|Termine del procedimento|2026-12-31|2027-01-01|-3\n";
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace au::domain
