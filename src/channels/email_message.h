// The text of one notification email (RFC 5322 + MIME), ready to hand to an SMTP server, and the
// check of the email addresses people type.
//
// Contract of render_email():
// - CRLF line ends throughout; body lines <= 76 characters, header lines <= 78 except a
//   List-Unsubscribe URL longer than 75 characters, which cannot be folded (URLs are capped
//   at 900, far below the 998 limit).
// - multipart/alternative: text/plain first, then text/html (just text/plain when html is
//   empty); both UTF-8, quoted-printable, with a random boundary containing "=_", which
//   quoted-printable output can never contain.
// - Lines beginning with "." are NOT stuffed here: libcurl's SMTP upload doubles a "." after
//   every CRLF itself (lib/smtp.c; checked on Debian's 7.88 by test_smtp_channel, which sends
//   lines "." and "..x" and reads them back intact). Other transports must stuff for
//   themselves. "From " at the start of a line is written =46rom so mbox stores keep it.
// - Subject and display name become RFC 2047 encoded-words (=?UTF-8?B?...?=, each <= 75
//   characters, never splitting a UTF-8 sequence) when they hold non-ASCII or control
//   characters.
// - Header injection is impossible: a CR or LF in the subject, the display name, the
//   addresses, the key or the URL, an address that email_address_problem() refuses, a
//   Message-ID key that is not dot-atom text, or an unsubscribe URL that is not plain http(s)
//   (no spaces, controls, non-ASCII, < or >) throws std::invalid_argument. Other control
//   characters in subject or name are carried inside encoded-words. The exception text names
//   the field, never the offending value. CR and LF in the bodies are line breaks.
// - Pure: the date is passed in; only the boundary is random.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace au::channels {

struct EmailMessage {
  std::string from_address;
  std::string from_name;        // display name, "" for none
  std::string to_address;
  std::string subject;
  std::string text;             // the text/plain part (markdown reads fine as text)
  std::string html;             // the text/html part, a complete document; "" for none
  std::string idempotency_key;  // becomes the Message-ID: <key@domain-of-from>
  std::chrono::system_clock::time_point date;
  std::string unsubscribe_url;  // "" for none; else List-Unsubscribe + one-click (RFC 8058)
};

// The whole message, headers and body. Throws std::invalid_argument (see above).
std::string render_email(const EmailMessage& message);

// "<key@domain-of-from>"; throws std::invalid_argument when key or address is unusable.
std::string message_id_for(std::string_view idempotency_key, std::string_view from_address);

// "" when the address looks deliverable, else the reason in Italian (for the person typing it).
// A practical check, not full RFC 5321: one @; local part of atext and dots (no quotes, no
// spaces, no leading/trailing/double dots, <= 64); a domain of >= 2 dot-separated labels of
// letters, digits and hyphens (no leading/trailing hyphen, <= 63 each, the last not all
// digits); ASCII only; <= 254 characters in all.
std::string email_address_problem(std::string_view address);

// Building blocks, public so tests can check them on their own.
std::string encode_quoted_printable(std::string_view text);  // LF or CRLF in, CRLF out
// RFC 2047 "B" encoded-words joined by CRLF SP, each <= 75 characters, or text unchanged when
// it is plain printable ASCII without "=?".
std::string encode_header_text(std::string_view text);
std::string rfc5322_date(std::chrono::system_clock::time_point when);  // "Tue, 02 Jun 2026 10:00:00 +0000"

}  // namespace au::channels
