#include "domain/cloud_event.h"

#include <array>
#include <string_view>

namespace au::domain {
namespace {

using nlohmann::json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Reads exactly n digits at text[pos..pos+n).
bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// RFC 3986 characters allowed in a URI-reference, besides '%' escapes.
bool uri_char(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  return std::string_view("-._~:/?#[]@!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool valid_uri_reference(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!uri_char(s[i])) {
      return false;
    }
  }
  return true;
}

// Absolute URI: a scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) followed by ':'.
bool valid_absolute_uri(std::string_view s) {
  if (!valid_uri_reference(s)) return false;
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(s[0])) return false;
  for (std::size_t i = 1; i < colon; ++i)
    if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
  return true;
}

bool valid_base64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  while (pad < s.size() && pad < 2 && s[s.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    const char c = s[i];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/') return false;
  }
  return true;
}

bool valid_extension_name(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (char c : name)
    if (!(c >= 'a' && c <= 'z') && !is_digit(c)) return false;
  return true;
}


const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "booleano";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "numero";
    case json::value_t::array: return "array";
    case json::value_t::object: return "oggetto";
    default: return "stringa";
  }
}

class Checker {
 public:
  Checker(const json& j, const std::string& prefix, std::vector<FieldError>& errors)
      : j_(j), prefix_(prefix), errors_(errors) {}

  void error(std::string_view attr, std::string message) {
    errors_.push_back({prefix_ + "/" + json_pointer_token(attr), std::move(message)});
    ++count_;
  }
  int count() const { return count_; }

  // Reads a string attribute; reports a missing required one or a non-string value.
  // Returns nullptr when absent (or null) or wrongly typed.
  const std::string* string_attr(const char* name, bool required) {
    const auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) {
      if (required) error(name, std::string("attributo obbligatorio '") + name + "' mancante");
      return nullptr;
    }
    if (!it->is_string()) {
      error(name, std::string("l'attributo '") + name + "' deve essere una stringa, ricevuto " +
                      type_name(*it));
      return nullptr;
    }
    const std::string* value = it->get_ptr<const std::string*>();
    if (has_control_characters(*value)) {
      error(name, std::string("l'attributo '") + name + "' contiene caratteri di controllo, vietati "
                                                         "dalle stringhe CloudEvents");
      return nullptr;
    }
    return value;
  }

  // String attribute that, when present, must not be empty.
  std::string non_empty(const char* name, bool required) {
    const std::string* s = string_attr(name, required);
    if (!s) return {};
    if (s->empty()) error(name, std::string("l'attributo '") + name + "' non può essere vuoto");
    return *s;
  }

 private:
  const json& j_;
  const std::string& prefix_;
  std::vector<FieldError>& errors_;
  int count_ = 0;
};

bool is_context_attribute(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kKnown = {
      "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema",
      "data", "data_base64"};
  for (auto k : kKnown)
    if (k == name) return true;
  return false;
}

}  // namespace

std::optional<std::int64_t> rfc3339_to_epoch_millis(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (!digits(t, 0, 4, y) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d) || t[10] != 'T' || !digits(t, 11, 2, h) || t[13] != ':' ||
      !digits(t, 14, 2, mi) || t[16] != ':' || !digits(t, 17, 2, s))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (t[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < t.size() && is_digit(t[pos])) {
      if (pos - start < 3) millis = millis * 10 + (t[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
  }
  if (pos >= t.size()) return std::nullopt;
  int offset_minutes = 0;
  if (t[pos] == 'Z') {
    ++pos;
  } else if (t[pos] == '+' || t[pos] == '-') {
    int oh, om;
    if (!digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !digits(t, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::optional<CloudEvent> parse_cloud_event(const json& j, const std::string& path_prefix,
                                            std::vector<FieldError>& errors) {
  if (!j.is_object()) {
    errors.push_back({path_prefix, std::string("l'evento deve essere un oggetto JSON, ricevuto ") +
                                       type_name(j)});
    return std::nullopt;
  }
  Checker c(j, path_prefix, errors);
  CloudEvent ev;
  ev.extensions = json::object();

  ev.id = c.non_empty("id", true);
  if (const std::string* s = c.string_attr("source", true)) {
    ev.source = *s;
    if (s->empty()) c.error("source", "l'attributo 'source' non può essere vuoto");
    else if (!valid_uri_reference(*s))
      c.error("source", "l'attributo 'source' deve essere un URI-reference valido");
  }
  if (const std::string* s = c.string_attr("specversion", true)) {
    ev.specversion = *s;
    if (*s != "1.0")
      c.error("specversion", "versione della specifica non supportata: '" + *s + "' (atteso \"1.0\")");
  }
  ev.type = c.non_empty("type", true);
  ev.subject = c.non_empty("subject", false);
  if (const std::string* s = c.string_attr("time", false)) {
    ev.time = *s;
    if (!rfc3339_to_epoch_millis(*s))
      c.error("time", "l'attributo 'time' deve essere un timestamp RFC 3339 valido "
                      "(es. 2026-11-27T10:15:00Z o 2026-11-27T11:15:00+01:00)");
  }
  ev.datacontenttype = c.non_empty("datacontenttype", false);
  if (const std::string* s = c.string_attr("dataschema", false)) {
    ev.dataschema = *s;
    if (s->empty()) c.error("dataschema", "l'attributo 'dataschema' non può essere vuoto");
    else if (!valid_absolute_uri(*s))
      c.error("dataschema", "l'attributo 'dataschema' deve essere un URI assoluto valido");
  }

  const auto data = j.find("data");
  const bool has_data = data != j.end() && !data->is_null();
  if (has_data) ev.data = *data;
  if (const std::string* s = c.string_attr("data_base64", false)) {
    ev.data_base64 = *s;
    if (has_data) c.error("data_base64", "'data' e 'data_base64' non possono essere presenti insieme");
    else if (!valid_base64(*s)) c.error("data_base64", "'data_base64' non è una stringa base64 valida");
  }

  for (const auto& [name, value] : j.items()) {
    if (is_context_attribute(name)) continue;
    if (!valid_extension_name(name)) {
      c.error(name, "nome di attributo di estensione non valido: ammessi solo a-z e 0-9, "
                    "da 1 a 20 caratteri");
      continue;
    }
    if (!value.is_string() && !value.is_number() && !value.is_boolean()) {
      c.error(name, std::string("l'attributo di estensione '") + name +
                        "' deve essere una stringa, un numero o un booleano, ricevuto " +
                        type_name(value));
      continue;
    }
    if (value.is_string() && has_control_characters(value.get_ref<const std::string&>())) {
      c.error(name, std::string("l'attributo di estensione '") + name + "' contiene caratteri di controllo");
      continue;
    }
    ev.extensions[name] = value;
  }
  if (c.count() > 0) return std::nullopt;
  return ev;
}

bool has_control_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return true;
    // C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f &&
        static_cast<unsigned char>(text[i + 1]) >= 0x80)
      return true;
  }
  return false;
}

std::vector<CloudEvent> parse_batch(const json& j, std::size_t max_events,
                                    std::vector<FieldError>& errors, bool& too_many) {
  too_many = false;
  std::vector<CloudEvent> out;
  if (j.is_object()) {
    if (auto ev = parse_cloud_event(j, "", errors)) out.push_back(std::move(*ev));
    return out;
  }
  if (!j.is_array()) {
    errors.push_back({"", std::string("il corpo deve essere un evento (oggetto JSON) o un array di "
                                      "eventi, ricevuto ") + type_name(j)});
    return out;
  }
  if (j.empty()) {
    errors.push_back({"", "l'array di eventi è vuoto"});
    return out;
  }
  if (j.size() > max_events) {
    too_many = true;
    errors.push_back({"", "troppi eventi nella richiesta: " + std::to_string(j.size()) +
                              " (massimo " + std::to_string(max_events) + ")"});
    return out;
  }
  for (std::size_t i = 0; i < j.size(); ++i)
    if (auto ev = parse_cloud_event(j[i], "/" + std::to_string(i), errors)) out.push_back(std::move(*ev));
  return out;
}

std::string json_pointer_token(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace au::domain
