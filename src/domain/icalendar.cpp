#include "domain/icalendar.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace au::domain {

namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::size_t kMaxLineOctets = 75;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF count as invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Drops control characters and repairs UTF-8, keeping line feeds (the TEXT escaping turns them
// into "\n"). Used for URLs too, with keep_newlines = false.
std::string clean_text(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (n == 1) {
      const char c = text[i];
      if (c == '\n' && keep_newlines) out += c;
      else if (c == '\t') out += ' ';
      else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) out += c;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string ical_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.y, d.m, d.d);
  return buf;
}

// Appends one property line, folded.
void put(std::string& out, std::string_view name, std::string_view value) {
  std::string line;
  line.reserve(name.size() + 1 + value.size());
  line.append(name).append(":").append(value);
  out += ical_fold_line(line);
}

// RFC 5545 requires at least one component in a VCALENDAR; this one also lets strict clients
// resolve X-WR-TIMEZONE. Rules as in the tz database for Europe/Rome since 1996 (EU rule).
constexpr std::string_view kRomeTimezone =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Rome\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

}  // namespace

std::string ical_escape_text(std::string_view text) {
  const std::string clean = clean_text(text, true);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string ical_fold_line(std::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 37 + 2);
  std::size_t room = kMaxLineOctets;  // octets left on the current physical line
  for (std::size_t i = 0; i < line.size();) {
    // Keep a UTF-8 sequence whole: an invalid byte is moved alone (callers pass clean text).
    std::size_t n = utf8_sequence_length(line, i);
    if (n == 0) n = 1;
    if (n > room) {
      out += "\r\n ";
      room = kMaxLineOctets - 1;  // the leading space counts
    }
    out.append(line.substr(i, n));
    room -= n;
    i += n;
  }
  out += "\r\n";
  return out;
}

std::string ical_utc_time(std::int64_t epoch_ms) {
  // Clamp to years 0001..9999 so that the text keeps its fixed shape.
  constexpr std::int64_t kMin = -62'135'596'800'000, kMax = 253'402'300'799'999;
  const std::int64_t ms = std::clamp(epoch_ms, kMin, kMax);
  const std::int64_t days = floor_div(ms, kMsPerDay);
  const std::int64_t secs = (ms - days * kMsPerDay) / 1000;
  const Date d = from_days(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", d.y, d.m, d.d, static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

std::string render_calendar(std::string_view calendar_name, const std::vector<CalendarEntry>& entries,
                            std::int64_t now_ms) {
  std::string out;
  out.reserve(1024 + entries.size() * 600);
  put(out, "BEGIN", "VCALENDAR");
  put(out, "VERSION", "2.0");
  put(out, "PRODID", "-//Regione Umbria//UmbriaSemplice//IT");
  put(out, "CALSCALE", "GREGORIAN");
  put(out, "METHOD", "PUBLISH");
  put(out, "X-WR-CALNAME", ical_escape_text(calendar_name));
  put(out, "X-WR-TIMEZONE", "Europe/Rome");
  put(out, "REFRESH-INTERVAL;VALUE=DURATION", "PT6H");
  put(out, "X-PUBLISHED-TTL", "PT6H");
  out += kRomeTimezone;

  const std::string stamp = ical_utc_time(now_ms);
  for (const CalendarEntry& e : entries) {
    if (e.uid.empty() || !is_valid(e.date)) continue;
    // The day after 9999-12-31 is not a Date: such an event could not have an end.
    if (e.date == Date{9999, 12, 31}) continue;
    const std::string summary = ical_escape_text(e.summary);
    put(out, "BEGIN", "VEVENT");
    put(out, "UID", ical_escape_text(e.uid));
    put(out, "DTSTAMP", stamp);
    put(out, "DTSTART;VALUE=DATE", ical_date(e.date));
    put(out, "DTEND;VALUE=DATE", ical_date(add_days(e.date, 1)));
    put(out, "SUMMARY", summary);
    if (!e.description.empty()) put(out, "DESCRIPTION", ical_escape_text(e.description));
    if (const std::string url = clean_text(e.url, false); !url.empty()) put(out, "URL", url);
    if (e.last_modified_ms > 0) put(out, "LAST-MODIFIED", ical_utc_time(e.last_modified_ms));
    put(out, "TRANSP", "TRANSPARENT");
    // Sorted and distinct: two identical alarms would only ring twice.
    const std::set<int> alarms(e.alarm_days_before.begin(), e.alarm_days_before.end());
    for (int days : alarms) {
      if (days < 0) continue;
      put(out, "BEGIN", "VALARM");
      put(out, "ACTION", "DISPLAY");
      put(out, "TRIGGER", "-P" + std::to_string(days) + "D");
      // DESCRIPTION is required for a DISPLAY alarm (§3.6.6); never empty.
      put(out, "DESCRIPTION", summary.empty() ? std::string("Scadenza") : summary);
      put(out, "END", "VALARM");
    }
    put(out, "END", "VEVENT");
  }
  put(out, "END", "VCALENDAR");
  return out;
}

}  // namespace au::domain
