// The notification email text: MIME structure, quoted-printable and RFC 2047 round trips
// (decoded here by code independent of the encoder), header injection, RFC 8058 headers and
// the address check people meet when they type their email.
#include "channels/email_message.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace au::channels {
namespace {

using namespace std::chrono_literals;

// 1780000000 = Thu, 28 May 2026 20:26:40 UTC
const std::chrono::system_clock::time_point kDate{std::chrono::seconds{1780000000}};

EmailMessage sample() {
  EmailMessage m;
  m.from_address = "notifiche@umbriasemplice.regione.umbria.it";
  m.from_name = "UmbriaSemplice";
  m.to_address = "mario.rossi@example.it";
  m.subject = "La tua pratica è stata protocollata";
  m.text = "Gentile Mario,\nla pratica è stata protocollata.\n";
  m.html = "<!doctype html><html lang=\"it\"><body><p>Gentile Mario,</p></body></html>";
  m.idempotency_key = "au-42-Zx9_k-Qp";
  m.date = kDate;
  m.unsubscribe_url = "https://accesso.regione.umbria.it/avvisi/disiscrizione?t=abc123";
  return m;
}

std::vector<std::string> split_crlf(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t pos; (pos = s.find("\r\n", start)) != std::string::npos; start = pos + 2)
    lines.push_back(s.substr(start, pos - start));
  lines.push_back(s.substr(start));
  return lines;
}

std::string headers_of(const std::string& message) { return message.substr(0, message.find("\r\n\r\n") + 2); }

// The value of a header, unfolded; "" when absent.
std::string header(const std::string& message, const std::string& name) {
  std::string head = headers_of(message);
  std::string key = "\r\n" + name + ":";
  std::size_t pos = ("\r\n" + head).find(key);
  if (pos == std::string::npos) return "";
  std::size_t start = pos + key.size() - 2;  // index in head
  std::string value;
  std::size_t i = start;
  while (i < head.size()) {
    std::size_t eol = head.find("\r\n", i);
    value += head.substr(i, eol - i);
    i = eol + 2;
    if (i >= head.size() || (head[i] != ' ' && head[i] != '\t')) break;
  }
  std::size_t b = value.find_first_not_of(' ');
  return b == std::string::npos ? "" : value.substr(b);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string qp_decode(const std::string& qp) {
  std::string out;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] != '=') {
      out += qp[i];
      continue;
    }
    if (qp.compare(i + 1, 2, "\r\n") == 0) {  // soft line break
      i += 2;
      continue;
    }
    int hi = hex_value(qp[i + 1]), lo = hex_value(qp[i + 2]);
    if (hi < 0 || lo < 0) ADD_FAILURE() << "bad escape at " << i;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string b64_decode(const std::string& in) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto p = alphabet.find(c);
    if (p == std::string::npos) {
      ADD_FAILURE() << "bad base64 char";
      continue;
    }
    v = (v << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += n;
  }
  return true;
}

// Decodes an unfolded header value made of "=?UTF-8?B?...?=" words separated by spaces,
// checking each word's length and that each one holds whole UTF-8 sequences.
std::string decode_words(const std::string& value) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = value.find("?=", i + 10);
    EXPECT_EQ(value.compare(i, 10, "=?UTF-8?B?"), 0) << value.substr(i);
    if (end == std::string::npos) return out + "<unterminated>";
    std::string word = value.substr(i, end + 2 - i);
    EXPECT_LE(word.size(), 75u);
    std::string bytes = b64_decode(value.substr(i + 10, end - i - 10));
    EXPECT_TRUE(valid_utf8(bytes)) << "an encoded-word splits a UTF-8 sequence";
    out += bytes;
    i = end + 2;
  }
  return out;
}

std::string body_of(const std::string& message) { return message.substr(message.find("\r\n\r\n") + 4); }

std::string crlf(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(EmailMessage, MultipartAlternativeWithTextThenHtmlInQuotedPrintable) {
  std::string msg = render_email(sample());
  std::string type = header(msg, "Content-Type");
  ASSERT_EQ(type.rfind("multipart/alternative;", 0), 0u) << type;
  auto b = type.find("boundary=\"");
  ASSERT_NE(b, std::string::npos);
  std::string boundary = type.substr(b + 10, type.find('"', b + 10) - b - 10);
  EXPECT_NE(boundary.find("=_"), std::string::npos) << "boundary must hold a sequence QP cannot produce";
  EXPECT_GE(boundary.size(), 20u);
  EXPECT_EQ(header(msg, "MIME-Version"), "1.0");

  std::string body = body_of(msg);
  std::string delim = "--" + boundary;
  auto p1 = body.find(delim + "\r\n");
  auto p2 = body.find("\r\n" + delim + "\r\n", p1 + 1);
  auto end = body.find("\r\n" + delim + "--\r\n");
  ASSERT_NE(p1, std::string::npos);
  ASSERT_NE(p2, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  EXPECT_LT(p1, p2);
  EXPECT_LT(p2, end);
  EXPECT_EQ(body.size(), end + delim.size() + 6) << "nothing after the closing delimiter";

  std::string text_part = body.substr(p1 + delim.size() + 2, p2 - p1 - delim.size() - 2);
  std::string html_part = body.substr(p2 + delim.size() + 4, end - p2 - delim.size() - 4);
  EXPECT_EQ(header(text_part, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header(text_part, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(header(html_part, "Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(header(html_part, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(qp_decode(body_of(text_part)), crlf(sample().text));
  EXPECT_EQ(qp_decode(body_of(html_part)), sample().html);

  // The boundary appears only in the header and the three delimiter lines.
  std::size_t count = 0;
  for (std::size_t pos = msg.find(boundary); pos != std::string::npos; pos = msg.find(boundary, pos + 1)) ++count;
  EXPECT_EQ(count, 4u);
}

TEST(EmailMessage, EveryLineEndsInCrlfAndBodyLinesStayWithin76) {
  EmailMessage m = sample();
  m.text = std::string(300, 'a') + "\n" + "àèìòù € " + std::string(200, 'x') + "\n";
  std::string msg = render_email(m);
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '\n') {
      ASSERT_TRUE(i > 0 && msg[i - 1] == '\r') << "bare LF at " << i;
    }
    if (msg[i] == '\r') {
      ASSERT_TRUE(i + 1 < msg.size() && msg[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  for (const auto& line : split_crlf(body_of(msg))) EXPECT_LE(line.size(), 76u) << line;
  for (const auto& line : split_crlf(headers_of(msg))) EXPECT_LE(line.size(), 998u);
  for (unsigned char c : msg) EXPECT_LT(c, 0x80) << "the message must be 7-bit";
}

TEST(EmailMessage, BoundaryIsRandomPerMessage) {
  std::string a = header(render_email(sample()), "Content-Type");
  std::string b = header(render_email(sample()), "Content-Type");
  EXPECT_NE(a, b);
}

TEST(EmailMessage, TextOnlyIsASinglePart) {
  EmailMessage m = sample();
  m.html.clear();
  std::string msg = render_email(m);
  EXPECT_EQ(header(msg, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header(msg, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(qp_decode(body_of(msg)), crlf(m.text) + "\r\n");
}

TEST(EmailMessage, DateMessageIdAndAutoSubmitted) {
  std::string msg = render_email(sample());
  EXPECT_EQ(header(msg, "Date"), "Thu, 28 May 2026 20:26:40 +0000");
  EXPECT_EQ(header(msg, "Message-ID"), "<au-42-Zx9_k-Qp@umbriasemplice.regione.umbria.it>");
  EXPECT_EQ(header(msg, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(header(msg, "From"), "UmbriaSemplice <notifiche@umbriasemplice.regione.umbria.it>");
  EXPECT_EQ(header(msg, "To"), "mario.rossi@example.it");
  EXPECT_EQ(rfc5322_date(std::chrono::system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 +0000");
  // Sub-second parts are dropped, not rounded up.
  EXPECT_EQ(rfc5322_date(kDate + 999ms), "Thu, 28 May 2026 20:26:40 +0000");
  EXPECT_EQ(message_id_for("au-7-abc", "x@comune.perugia.it"), "<au-7-abc@comune.perugia.it>");
  EXPECT_THROW(message_id_for("", "x@comune.perugia.it"), std::invalid_argument);
  EXPECT_THROW(message_id_for("au 7", "x@comune.perugia.it"), std::invalid_argument);
  EXPECT_THROW(message_id_for("au-7>", "x@comune.perugia.it"), std::invalid_argument);
  EXPECT_THROW(message_id_for("au-7", "non-un-indirizzo"), std::invalid_argument);
}

TEST(EmailMessage, QuotedPrintableRoundTripsItalianText) {
  const std::string text =
      "Città, perché, così, però, più: à è é ì ò ù À È Ì Ò Ù — costo 16,00 € (bollo)\n"
      ".\n"
      "..due punti\n"
      ".inizia con un punto\n"
      "From Perugia con affetto\n"
      "From\n"
      "uguale = e =3D non sono escape\n"
      "spazi in fondo   \n"
      "tab in fondo\t\n"
      "\n" +
      std::string(75, 'a') + "\n" + std::string(76, 'b') + "\n" + std::string(77, 'c') + "\n" +
      std::string(200, 'd') + " " + std::string(50, 0) + "\n" + "è" + std::string(74, 'e') + "è\n" +
      [] {
        std::string s;
        for (int i = 0; i < 60; ++i) s += "àè€ ";
        return s;
      }() +
      "\nFrom " + std::string(68, 'f') + "From senza a capo finale";
  std::string qp = encode_quoted_printable(text);
  EXPECT_EQ(qp_decode(qp), crlf(text));
  for (const auto& line : split_crlf(qp)) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_FALSE(line.starts_with("From ")) << "mbox would mangle it";
    if (!line.empty()) {
      EXPECT_NE(line.back(), ' ') << "trailing space would be stripped in transit";
      EXPECT_NE(line.back(), '\t');
    }
    for (unsigned char c : line) EXPECT_TRUE(c >= 32 && c < 127) << "QP output must be printable ASCII";
    EXPECT_EQ(line.find("=_"), std::string::npos);
  }
  // CRLF input gives the same output as LF input; a lone CR is data, not a line break.
  EXPECT_EQ(encode_quoted_printable("uno\r\ndue\r\n"), encode_quoted_printable("uno\ndue\n"));
  EXPECT_EQ(encode_quoted_printable("a\rb"), "a=0Db");
  EXPECT_EQ(encode_quoted_printable("è"), "=C3=A8");
  EXPECT_EQ(encode_quoted_printable(""), "");
}

TEST(EmailMessage, NonAsciiSubjectIsRfc2047AndDecodesBack) {
  EmailMessage m = sample();
  m.subject =
      "Comune di Città di Castello: la tua pratica SUAPE n. 2026/123 è stata protocollata — "
      "pagamento di 16,00 € entro il 30 giugno, più informazioni nell'area personale 😀";
  std::string msg = render_email(m);
  std::string raw = header(msg, "Subject");
  EXPECT_EQ(raw.rfind("=?UTF-8?B?", 0), 0u) << raw;
  EXPECT_EQ(decode_words(raw), m.subject);
  for (const auto& line : split_crlf(headers_of(msg))) EXPECT_LE(line.size(), 78u) << line;
}

TEST(EmailMessage, EncodedWordsNeverSplitAUtf8Sequence) {
  // Every length of a run of 2-, 3- and 4-byte characters crosses a word limit somewhere.
  for (const std::string ch : {"à", "€", "😀"}) {
    std::string s = "x";
    for (int n = 0; n < 40; ++n) {
      s += ch;
      std::string enc = encode_header_text(s);
      std::string unfolded;
      for (const auto& line : split_crlf(enc)) unfolded += line;  // folding is CRLF SP
      ASSERT_EQ(decode_words(unfolded), s);
    }
  }
}

TEST(EmailMessage, AsciiSubjectStaysReadableAndIsFolded) {
  EmailMessage m = sample();
  m.subject = "Promemoria: scadenza";
  EXPECT_EQ(header(render_email(m), "Subject"), "Promemoria: scadenza");
  m.subject = "Promemoria " + std::string(20, 'x') + " " + std::string(30, 'y') + " " + std::string(30, 'z') + " fine";
  std::string msg = render_email(m);
  EXPECT_EQ(header(msg, "Subject"), m.subject) << "folding must unfold to the same text";
  for (const auto& line : split_crlf(headers_of(msg))) EXPECT_LE(line.size(), 78u) << line;
  // Text that looks like an encoded-word is encoded so clients show it literally.
  m.subject = "codice =?UTF-8?B?abc?=";
  EXPECT_EQ(decode_words(header(render_email(m), "Subject")), m.subject);
}

TEST(EmailMessage, DisplayNameIsEncodedOrQuotedWhenNeeded) {
  EmailMessage m = sample();
  m.from_name = "Comune di Città di Castello";
  std::string from = header(render_email(m), "From");
  ASSERT_EQ(from.rfind("=?UTF-8?B?", 0), 0u) << from;
  auto lt = from.rfind(" <");
  EXPECT_EQ(decode_words(from.substr(0, lt)), m.from_name);
  EXPECT_EQ(from.substr(lt + 1), "<notifiche@umbriasemplice.regione.umbria.it>");

  m.from_name = "Regione \"Umbria\", SUAPE";
  EXPECT_EQ(header(render_email(m), "From"),
            "\"Regione \\\"Umbria\\\", SUAPE\" <notifiche@umbriasemplice.regione.umbria.it>");
  m.from_name = "";
  EXPECT_EQ(header(render_email(m), "From"), "notifiche@umbriasemplice.regione.umbria.it");
}

TEST(EmailMessage, HeaderInjectionIsRefused) {
  for (const std::string bad : {"\r\nBcc: x@y.it", "\nBcc: x@y.it", "\rBcc: x@y.it", "a\r\n"}) {
    EmailMessage m = sample();
    m.subject = "Oggetto" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
    m = sample();
    m.from_name = "Nome" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
    m = sample();
    m.to_address = "mario@example.it" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
    m = sample();
    m.from_address = "notifiche@example.it" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
    m = sample();
    m.unsubscribe_url = "https://example.it/u" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
    m = sample();
    m.idempotency_key = "au-1" + bad;
    EXPECT_THROW(render_email(m), std::invalid_argument);
  }
  EmailMessage m = sample();
  m.to_address = "mario@example.it>, altro@example.it";
  EXPECT_THROW(render_email(m), std::invalid_argument);
  // The exception says which field, never the value.
  m = sample();
  m.subject = "segreto\r\nBcc: spia@example.it";
  try {
    render_email(m);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("segreto"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("subject"), std::string::npos);
  }
  // CR and LF in the bodies are content, not headers: fine.
  m = sample();
  m.text = "riga 1\r\nBcc: x@y.it\r\n";
  EXPECT_NO_THROW(render_email(m));
}

TEST(EmailMessage, ListUnsubscribeHeadersOnlyWithAUrl) {
  std::string msg = render_email(sample());
  EXPECT_EQ(header(msg, "List-Unsubscribe"), "<https://accesso.regione.umbria.it/avvisi/disiscrizione?t=abc123>");
  EXPECT_EQ(header(msg, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");

  EmailMessage m = sample();
  m.unsubscribe_url.clear();
  msg = render_email(m);
  EXPECT_EQ(header(msg, "List-Unsubscribe"), "");
  EXPECT_EQ(headers_of(msg).find("List-Unsubscribe"), std::string::npos);

  // A URL too long for one line moves to a continuation line; unfolding gives it back.
  m.unsubscribe_url = "https://accesso.regione.umbria.it/avvisi/disiscrizione?token=" + std::string(60, 'k');
  msg = render_email(m);
  EXPECT_EQ(header(msg, "List-Unsubscribe"), "<" + m.unsubscribe_url + ">");
  EXPECT_NE(msg.find("List-Unsubscribe:\r\n <https://"), std::string::npos);

  for (const std::string bad : {"javascript:alert(1)", "mailto:x@y.it", "https://x.it/a b", "https://x.it/<a>",
                                "https://x.it/città", "ftp://x.it/u"}) {
    m.unsubscribe_url = bad;
    EXPECT_THROW(render_email(m), std::invalid_argument) << bad;
  }
}

struct AddressCase {
  const char* address;
  bool valid;
};

TEST(EmailMessage, AddressValidationTable) {
  const AddressCase cases[] = {
      {"mario.rossi@example.it", true},
      {"m@comune.perugia.it", true},
      {"mario+avvisi@gmail.com", true},
      {"d'angelo@pec.example.it", true},
      {"MARIO_ROSSI-2@Example.IT", true},
      {"a.b.c@sub-dominio.example.co.uk", true},
      {"ufficio.protocollo@comune.citta-di-castello.pg.it", true},
      {"x@123.example.it", true},
      {"", false},
      {"mario.rossi", false},
      {"mario@", false},
      {"@example.it", false},
      {"mario@@example.it", false},
      {"mario@rossi@example.it", false},
      {"mario rossi@example.it", false},
      {" mario@example.it", false},
      {"mario@example.it ", false},
      {"mario@localhost", false},
      {"mario@example", false},
      {".mario@example.it", false},
      {"mario.@example.it", false},
      {"ma..rio@example.it", false},
      {"mario@.example.it", false},
      {"mario@example.it.", false},
      {"mario@example..it", false},
      {"mario@-example.it", false},
      {"mario@example-.it", false},
      {"mario@exa_mple.it", false},
      {"\"mario\"@example.it", false},
      {"<mario@example.it>", false},
      {"mario@example.it>", false},
      {"mario(casa)@example.it", false},
      {"mario,luigi@example.it", false},
      {"mario@example.it\r\nBcc: x@y.it", false},
      {"mario@example.it\n", false},
      {"niccolò@example.it", false},
      {"mario@città.it", false},
      {"mario@192.168.1.1", false},
      {"mario@example.i", false},
  };
  static_assert(std::size(cases) >= 20);
  for (const auto& c : cases) {
    std::string problem = email_address_problem(c.address);
    EXPECT_EQ(problem.empty(), c.valid) << "'" << c.address << "' -> " << problem;
  }
  std::string long_local = std::string(65, 'a') + "@example.it";
  EXPECT_NE(email_address_problem(long_local), "");
  std::string long_total = std::string(60, 'a') + "@" + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                           std::string(60, 'd') + "." + std::string(20, 'e') + ".it";
  ASSERT_GT(long_total.size(), 254u);
  EXPECT_NE(email_address_problem(long_total), "");
  std::string long_label = "a@" + std::string(64, 'b') + ".it";
  EXPECT_NE(email_address_problem(long_label), "");
  // The reasons are for people: Italian, and they never echo the address.
  EXPECT_EQ(email_address_problem("mario.rossi"), "manca la @ (per esempio nome@esempio.it)");
  EXPECT_EQ(email_address_problem("mario.rossi@example").find("mario"), std::string::npos);
}

}  // namespace
}  // namespace au::channels
