#include "channels/email_message.h"

#include <array>
#include <ctime>
#include <random>
#include <stdexcept>
#include <vector>

namespace au::channels {

namespace {

constexpr std::size_t kQpLineMax = 76;      // RFC 2045 §6.7 (5), not counting CRLF
constexpr std::size_t kHeaderLineMax = 78;  // RFC 5322 §2.1.1 SHOULD
// 42 bytes -> 56 base64 characters -> a 68-character encoded-word: "Subject: " plus one word
// stays within 78, and a multiple of 3 leaves no padding inside the text.
constexpr std::size_t kWordBytes = 42;

const char* const kHex = "0123456789ABCDEF";

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// One check for every value that goes into a header, so no path can forget it. The message
// names the field, never the value (it may be an address or personal content).
void require_header_safe(std::string_view value, const char* field) {
  if (has_line_break(value)) throw std::invalid_argument(std::string(field) + ": contains CR or LF");
}

bool is_atext(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  for (unsigned char c : s)
    if (c != '.' && !is_atext(c)) return false;
  return true;
}

std::string base64(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = at(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Length of the UTF-8 sequence starting at s[i]; a malformed one counts as a single byte so
// it is carried over unchanged rather than dropped.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  unsigned char c = s[i];
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
  return n;
}

bool needs_encoded_words(std::string_view text) {
  for (unsigned char c : text)
    if (c >= 0x80 || (is_ctl(c) && c != '\t')) return true;
  // Literal "=?" would be taken for the start of an encoded-word by the reader's client.
  return text.find("=?") != std::string_view::npos;
}

std::vector<std::string> encoded_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = utf8_length(text, end);
      if (end - i + n > kWordBytes) break;
      end += n;
    }
    words.push_back("=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=");
    i = end;
  }
  return words;
}

// Folds plain ASCII text at spaces so that no line passes kHeaderLineMax, given the
// characters already on the first line. Unfolding (removing CRLF) gives the text back.
std::string fold_ascii(std::string_view text, std::size_t first_line_used) {
  std::string out;
  std::size_t column = first_line_used;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t space = text.find(' ', i + 1);
    std::string_view piece = text.substr(i, space == std::string_view::npos ? std::string_view::npos : space - i);
    if (column + piece.size() > kHeaderLineMax && !out.empty() && piece.front() == ' ') {
      out += "\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
    i += piece.size();
  }
  return out;
}

std::string header_text(std::string_view text, std::size_t first_line_used) {
  // A run without spaces longer than a line allows could not be folded as ASCII.
  bool long_run = false;
  for (std::size_t i = 0, run = 0; i < text.size(); ++i) {
    run = text[i] == ' ' ? 0 : run + 1;
    if (run > kHeaderLineMax - 2) long_run = true;
  }
  if (!needs_encoded_words(text) && !long_run) return fold_ascii(text, first_line_used);
  std::string out;
  for (const auto& word : encoded_words(text)) {
    if (!out.empty()) out += "\r\n ";
    out += word;
  }
  return out;
}

// A display name as RFC 5322 phrase: atoms as they are, quoted-string when it holds specials,
// encoded-words when it is not plain ASCII.
std::string display_name(std::string_view name) {
  if (needs_encoded_words(name)) return encode_header_text(name);
  bool plain = true;
  for (unsigned char c : name)
    if (c != ' ' && !is_atext(c)) plain = false;
  if (plain && name.front() != ' ' && name.back() != ' ') return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string from_header(std::string_view name, std::string_view address) {
  if (name.empty()) return "From: " + std::string(address) + "\r\n";
  std::string value = "From: " + display_name(name);
  std::size_t last_line = value.size() - (value.rfind('\n') == std::string::npos ? 0 : value.rfind('\n') + 1);
  value += last_line + address.size() + 3 > kHeaderLineMax ? "\r\n <" : " <";
  return value + std::string(address) + ">\r\n";
}

void require_unsubscribe_url(std::string_view url) {
  require_header_safe(url, "unsubscribe_url");
  if (!(url.starts_with("https://") || url.starts_with("http://")) || url.size() > 900)
    throw std::invalid_argument("unsubscribe_url: not an http(s) URL of reasonable length");
  for (unsigned char c : url)
    if (is_ctl(c) || c == ' ' || c >= 0x80 || c == '<' || c == '>')
      throw std::invalid_argument("unsubscribe_url: contains characters not allowed in a URL");
}

// A boundary only has to be absent from the parts (quoted-printable never produces "=_"):
// no need for the system's entropy per message.
std::string random_boundary() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out = "=_au_";
  for (int i = 0; i < 2; ++i) {
    const std::uint64_t bits = rng();
    for (int j = 0; j < 16; ++j) out += kHex[(bits >> (4 * j)) & 15];
  }
  return out;
}

std::string part(std::string_view boundary, std::string_view type, std::string_view content) {
  std::string out = "--" + std::string(boundary) + "\r\n";
  out += "Content-Type: " + std::string(type) + "; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += encode_quoted_printable(content);
  return out + "\r\n";
}

}  // namespace

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  std::size_t column = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t eol = text.find('\n', i);
    std::size_t line_end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(i, line_end - i);
    if (eol != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (std::size_t k = 0; k < line.size(); ++k) {
      unsigned char c = line[k];
      bool last = k + 1 == line.size();
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      // "From " at the start of a line is mangled by mbox stores; =46 keeps it intact.
      if (c == 'F' && column == 0 && line.substr(k).starts_with("From ")) literal = false;
      std::size_t width = literal ? 1 : 3;
      // Room for the character plus, unless it ends the line, a soft break "=" after it.
      if (column + width > (last ? kQpLineMax : kQpLineMax - 1)) {
        out += "=\r\n";
        column = 0;
        if (c == 'F' && line.substr(k).starts_with("From ")) {
          literal = false;
          width = 3;
        }
      }
      if (literal) {
        out += static_cast<char>(c);
      } else {
        out += '=';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      column += width;
    }
    if (eol == std::string_view::npos) break;
    out += "\r\n";
    column = 0;
    i = eol + 1;
  }
  return out;
}

std::string encode_header_text(std::string_view text) {
  if (!needs_encoded_words(text)) return std::string(text);
  std::string out;
  for (const auto& word : encoded_words(text)) {
    if (!out.empty()) out += "\r\n ";
    out += word;
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(when));
  std::tm tm{};
  gmtime_r(&t, &tm);
  // Built by hand: strftime's %a/%b follow the process locale, RFC 5322 wants English.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string email_address_problem(std::string_view a) {
  if (a.empty()) return "l'indirizzo email è vuoto";
  if (a.size() > 254) return "l'indirizzo email è troppo lungo (al massimo 254 caratteri)";
  for (unsigned char c : a) {
    if (c == ' ' || c == '\t' || is_ctl(c)) return "l'indirizzo email non può contenere spazi";
    if (c >= 0x80) return "l'indirizzo email può contenere solo lettere non accentate, cifre e i simboli . - _ +";
  }
  auto at = a.find('@');
  if (at == std::string_view::npos) return "manca la @ (per esempio nome@esempio.it)";
  if (a.find('@', at + 1) != std::string_view::npos) return "l'indirizzo email deve contenere una sola @";
  std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
  if (local.empty()) return "manca la parte prima della @";
  if (domain.empty()) return "manca il dominio dopo la @ (per esempio esempio.it)";
  for (unsigned char c : local)
    if (c != '.' && !is_atext(c)) return "la parte prima della @ contiene caratteri non ammessi (come virgolette, parentesi, < > , ; :)";
  if (local.size() > 64) return "la parte prima della @ è troppo lunga (al massimo 64 caratteri)";
  if (!is_dot_atom(local)) return "la parte prima della @ non può iniziare o finire con un punto, né avere due punti di seguito";
  if (domain.find('.') == std::string_view::npos) return "il dominio dopo la @ deve contenere un punto (per esempio esempio.it)";
  std::size_t start = 0;
  std::string_view last_label;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "il dominio dopo la @ non può iniziare o finire con un punto, né avere due punti di seguito";
    if (label.size() > 63) return "il dominio dopo la @ ha una parte troppo lunga";
    for (unsigned char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
        return "il dominio dopo la @ può contenere solo lettere, cifre, trattini e punti";
    if (label.front() == '-' || label.back() == '-') return "nel dominio un trattino non può stare all'inizio o alla fine di una parte";
    last_label = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  bool all_digits = true;
  for (unsigned char c : last_label)
    if (c < '0' || c > '9') all_digits = false;
  if (all_digits || last_label.size() < 2) return "il dominio dopo la @ non termina con un dominio valido (come .it o .com)";
  return "";
}

std::string message_id_for(std::string_view idempotency_key, std::string_view from_address) {
  // The key becomes the left part of the Message-ID, so it must be dot-atom text; au-<id>-<random>
  // with a hex or base64url random part is.
  if (!is_dot_atom(idempotency_key) || idempotency_key.size() > 200)
    throw std::invalid_argument("idempotency_key: not usable in a Message-ID");
  if (!email_address_problem(from_address).empty()) throw std::invalid_argument("from_address: not a valid address");
  return "<" + std::string(idempotency_key) + "@" + std::string(from_address.substr(from_address.find('@') + 1)) + ">";
}

std::string render_email(const EmailMessage& m) {
  require_header_safe(m.from_address, "from_address");
  require_header_safe(m.to_address, "to_address");
  require_header_safe(m.from_name, "from_name");
  require_header_safe(m.subject, "subject");
  require_header_safe(m.idempotency_key, "idempotency_key");
  if (!email_address_problem(m.to_address).empty()) throw std::invalid_argument("to_address: not a valid address");
  if (!m.unsubscribe_url.empty()) require_unsubscribe_url(m.unsubscribe_url);
  std::string message_id = message_id_for(m.idempotency_key, m.from_address);

  std::string out;
  out += "Date: " + rfc5322_date(m.date) + "\r\n";
  out += from_header(m.from_name, m.from_address);
  out += "To: " + m.to_address + "\r\n";
  out += "Subject: " + header_text(m.subject, 9) + "\r\n";
  out += "Message-ID: " + message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  // RFC 3834: tells autoresponders (out-of-office) not to answer a notification.
  out += "Auto-Submitted: auto-generated\r\n";
  if (!m.unsubscribe_url.empty()) {
    // Folding before "<" is allowed and keeps typical URLs within 78; a URL cannot be folded.
    bool fits = 20 + m.unsubscribe_url.size() <= kHeaderLineMax;
    out += (fits ? "List-Unsubscribe: <" : "List-Unsubscribe:\r\n <") + m.unsubscribe_url + ">\r\n";
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  if (m.html.empty()) {
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += encode_quoted_printable(m.text) + "\r\n";
    return out;
  }
  std::string boundary = random_boundary();
  out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  out += part(boundary, "text/plain", m.text);
  out += part(boundary, "text/html", m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace au::channels
