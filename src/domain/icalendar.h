// An iCalendar (RFC 5545) writer for a person's private deadline feed: one all-day VEVENT per
// deadline (a request to answer, the legal term of a practice), each with its reminders.
//
// Contract
// --------
// Pure: the caller passes the entries and "now" (DTSTAMP); the same input gives the same bytes.
// The output is a complete VCALENDAR that calendar apps subscribe to (webcal/https), with
// VERSION 2.0, PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH, the de-facto names and refresh hints
// (X-WR-CALNAME, X-WR-TIMEZONE:Europe/Rome, REFRESH-INTERVAL and X-PUBLISHED-TTL of 6 hours) and
// a VTIMEZONE for Europe/Rome. The VTIMEZONE is not referenced by the all-day events; it is there
// because RFC 5545 requires at least one component, so an empty feed is still a valid calendar.
//
// Each entry becomes a VEVENT with UID, DTSTAMP (now, UTC), DTSTART;VALUE=DATE and
// DTEND;VALUE=DATE (the next day, exclusive end), SUMMARY, DESCRIPTION (when not empty), URL
// (when not empty), LAST-MODIFIED (when last_modified_ms > 0), TRANSP:TRANSPARENT (a deadline
// does not make the person busy) and one VALARM (ACTION:DISPLAY, TRIGGER:-P<n>D, DESCRIPTION =
// the summary) per distinct n >= 0 of alarm_days_before. Entries with an empty uid or an
// impossible date are left out rather than producing a calendar that apps reject.
//
// Text (SUMMARY, DESCRIPTION, UID, calendar name) is escaped as RFC 5545 §3.3.11 says:
// backslash, semicolon and comma get a backslash, a line break becomes "\n", CR is dropped, tab
// becomes a space and other control characters are dropped; bytes that are not valid UTF-8
// become U+FFFD. The URL is a URI, not TEXT: it is written as is, minus control characters.
// Content lines are folded at 75 octets (§3.1) without splitting a UTF-8 sequence; every line,
// the last one included, ends with CRLF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"

namespace au::domain {

struct CalendarEntry {
  std::string uid;  // stable across refreshes, e.g. "<practice>-<kind>@umbriasemplice.it"
  Date date;        // the all-day event
  std::string summary, description, url;
  std::vector<int> alarm_days_before;  // VALARM TRIGGER:-P<n>D each
  std::int64_t last_modified_ms = 0;   // 0 = not written
};

std::string render_calendar(std::string_view calendar_name, const std::vector<CalendarEntry>& entries,
                            std::int64_t now_ms);

// The building blocks, exposed for tests and for other iCalendar writers.
// TEXT value escaping (§3.3.11), as described above.
std::string ical_escape_text(std::string_view text);
// One content line folded at 75 octets, each physical line ending with CRLF.
std::string ical_fold_line(std::string_view line);
// "YYYYMMDDTHHMMSSZ" of an instant (milliseconds since the Unix epoch, truncated to seconds).
std::string ical_utc_time(std::int64_t epoch_ms);

}  // namespace au::domain
