#include "domain/notification_template.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>

#include "domain/io_message.h"

namespace au::domain {

namespace mu = kainjow::mustache;
using nlohmann::json;

namespace {

constexpr std::size_t kSubjectMax = 150;
constexpr std::size_t kEmailBodyMax = 20'000;
constexpr int kSmsMaxSegments = 4;

const std::vector<std::string> kPracticeFields = {
    "nome",  "pratica_titolo", "pratica_id", "pratica_url", "protocollo", "ente",   "servizio",
    "stato", "stato_ente",     "scadenza",   "giorni",      "motivo",     "portale_url"};
const std::vector<std::string> kCommunicationFields = {"nome", "oggetto", "testo", "portale_url", "servizio", "ente"};
const std::vector<std::string> kAllChannels = {"inbox", "email", "io", "sms"};
const std::vector<std::string> kDigestFields = {"nome", "numero", "elenco", "portale_url"};

std::vector<MessageKind> make_kinds() {
  const std::vector<std::string> staff = {"inbox", "email"};
  const std::vector<std::string> no_sms = {"inbox", "email", "io"};
  return {
      {"pratica-aperta", "Pratica aperta", kPracticeFields, kAllChannels, false},
      {"pratica-protocollata", "Pratica protocollata", kPracticeFields, kAllChannels, false},
      {"pratica-stato", "Cambio di stato della pratica", kPracticeFields, kAllChannels, false},
      {"richiesta-integrazione", "Richiesta di integrazione", kPracticeFields, kAllChannels, false},
      {"preavviso-rigetto", "Preavviso di rigetto (art. 10-bis)", kPracticeFields, kAllChannels, false},
      {"pratica-conclusa", "Pratica conclusa", kPracticeFields, kAllChannels, false},
      {"messaggio-ente", "Messaggio dall'ente", kPracticeFields, kAllChannels, false},
      {"documento-disponibile", "Nuovo documento disponibile", kPracticeFields, kAllChannels, false},
      {"promemoria-scadenza", "Promemoria di scadenza", kPracticeFields, kAllChannels, false},
      {"scadenza-superata", "Termine superato (per gli operatori)", kPracticeFields, staff, true},
      {"comunicazione", "Comunicazione", kCommunicationFields, no_sms, false},
      {"riepilogo-giornaliero", "Riepilogo giornaliero (email)", kDigestFields, staff, false},
  };
}

// ---- UTF-8 and SMS alphabets -------------------------------------------------------------

// Decodes one code point at text[i] and advances i; an invalid byte gives U+FFFD.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  char32_t cp = 0;
  if (c < 0x80) { ++i; return c; }
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  if (n == 0 || i + n > text.size()) { ++i; return 0xFFFD; }
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) { ++i; return 0xFFFD; }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += n;
  return cp;
}

// GSM 03.38 basic alphabet (one septet each) and extension table (escape + one septet).
const std::u32string kGsmBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    U"abcdefghijklmnopqrstuvwxyzäöñüà";
const std::u32string kGsmExtension = U"\f^{}\\[~]|€";

// Septets of a character in GSM-7, 0 when it is not in the alphabet.
int gsm_septets(char32_t cp) {
  if (kGsmBasic.find(cp) != std::u32string::npos) return 1;
  if (kGsmExtension.find(cp) != std::u32string::npos) return 2;
  return 0;
}

std::optional<char32_t> first_non_gsm(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    if (gsm_septets(cp) == 0) return cp;
  }
  return std::nullopt;
}

std::string utf8_of(char32_t cp) {
  std::string s;
  if (cp < 0x80) s += static_cast<char>(cp);
  else if (cp < 0x800) { s += static_cast<char>(0xC0 | (cp >> 6)); s += static_cast<char>(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// Segments for units of the given weights: one message holds `single`, a part of a
// concatenated message `part` (the rest is the UDH); a unit of weight 2 is never split.
int segments(const std::vector<int>& weights, int single, int part) {
  int total = 0;
  for (int w : weights) total += w;
  if (total == 0) return 0;
  if (total <= single) return 1;
  int count = 1, used = 0;
  for (int w : weights) {
    if (used + w > part) { ++count; used = 0; }
    used += w;
  }
  return count;
}

// ---- Mustache scanning --------------------------------------------------------------------

enum class TagKind { Variable, Unescaped, SectionBegin, InvertedBegin, SectionEnd, Partial, Delimiter, Comment };

struct ScanResult {
  std::vector<std::string> problems;  // Italian, without the "Oggetto:"/"Testo" prefix
  bool structural = false;            // the template cannot be rendered safely
};

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string field_list(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + f;
  return out;
}

std::string line_prefix(std::string_view src, std::size_t pos) {
  const auto line = 1 + std::count(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(pos), '\n');
  return "riga " + std::to_string(line) + ": ";
}

// Mirrors kainjow's parser for the default delimiters (the only ones allowed) and checks what
// kainjow does not: field names, partials, delimiter changes, unescaped output, stray "}}".
// `fields` null = structure only.
ScanResult scan(std::string_view src, const std::vector<std::string>* fields, bool markdown) {
  ScanResult r;
  struct Open {
    std::string name;
    std::size_t pos;
    char sigil;
  };
  std::vector<Open> open;
  std::set<std::string> reported_fields;
  const auto structural = [&](std::size_t pos, const std::string& msg) {
    r.problems.push_back(line_prefix(src, pos) + msg);
    r.structural = true;
  };
  const auto stray_close = [&](std::size_t from, std::size_t to) {
    const auto p = src.substr(from, to - from).find("}}");
    if (p != std::string_view::npos)
      r.problems.push_back(line_prefix(src, from + p) + "\"}}\" senza il \"{{\" che lo apre: controlla le parentesi graffe");
  };

  std::size_t pos = 0;
  while (true) {
    const std::size_t start = src.find("{{", pos);
    stray_close(pos, start == std::string_view::npos ? src.size() : start);
    if (start == std::string_view::npos) break;
    const bool triple = start + 2 < src.size() && src[start + 2] == '{';
    const std::size_t content_from = start + (triple ? 3 : 2);
    const std::string_view closer = triple ? "}}}" : "}}";
    const std::size_t end = src.find(closer, content_from);
    if (end == std::string_view::npos) {
      const std::string shown(src.substr(start, std::min<std::size_t>(20, src.size() - start)));
      structural(start, "il tag \"" + shown + "\" non è chiuso: manca \"" + std::string(closer) + "\"");
      break;
    }
    pos = end + closer.size();
    const std::string contents = trim(src.substr(content_from, end - content_from));
    const std::string written(src.substr(start, pos - start));

    TagKind kind = TagKind::Variable;
    std::string name = contents;
    if (triple) {
      kind = TagKind::Unescaped;
    } else if (!contents.empty()) {
      switch (contents[0]) {
        case '#': kind = TagKind::SectionBegin; break;
        case '^': kind = TagKind::InvertedBegin; break;
        case '/': kind = TagKind::SectionEnd; break;
        case '>': kind = TagKind::Partial; break;
        case '&': kind = TagKind::Unescaped; break;
        case '!': kind = TagKind::Comment; break;
        case '=': kind = TagKind::Delimiter; break;
        default: break;
      }
      if (kind != TagKind::Variable) name = trim(std::string_view(contents).substr(1));
    }

    switch (kind) {
      case TagKind::Comment: continue;
      case TagKind::Delimiter:
        structural(start, "il cambio dei delimitatori " + written + " non è ammesso: usa {{ e }}");
        continue;
      case TagKind::Partial:
        structural(start, "i partial come " + written + " non sono ammessi: scrivi il testo nel modello");
        continue;
      default: break;
    }
    if (name.empty()) {
      structural(start, "il tag " + written + " è vuoto: scrivi il nome di un campo, ad esempio {{nome}}");
      continue;
    }
    if (kind == TagKind::SectionEnd) {
      if (open.empty()) {
        structural(start, written + " chiude una sezione che non è stata aperta");
      } else if (open.back().name != name) {
        structural(start, written + " chiude una sezione diversa da quella aperta per ultima, {{" +
                              std::string(1, open.back().sigil) + open.back().name + "}}: chiudi prima {{/" +
                              open.back().name + "}}");
        open.pop_back();  // report the rest as if it had been closed, not every later tag
      } else {
        open.pop_back();
      }
      continue;
    }
    if (kind == TagKind::SectionBegin || kind == TagKind::InvertedBegin)
      open.push_back({name, start, kind == TagKind::SectionBegin ? '#' : '^'});
    if (fields && std::find(fields->begin(), fields->end(), name) == fields->end()) {
      if (reported_fields.insert(name).second)
        r.problems.push_back(line_prefix(src, start) + "il campo {{" + name +
                             "}} non esiste per questo tipo di messaggio: usa uno di " + field_list(*fields));
    }
    if (kind == TagKind::Unescaped && markdown)
      r.problems.push_back(line_prefix(src, start) + written +
                           " stamperebbe il valore senza protezione, e in questo canale non è ammesso: usa {{" + name +
                           "}}");
  }
  for (const auto& o : open)
    structural(o.pos, "la sezione {{" + std::string(1, o.sigil) + o.name + "}} non è chiusa: manca {{/" + o.name + "}}");
  return r;
}

// ---- Rendering ---------------------------------------------------------------------------

bool is_url(std::string_view v) {
  if (v.rfind("https://", 0) != 0 && v.rfind("http://", 0) != 0) return false;
  return std::none_of(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Percent-encodes what would end a markdown link target or start markup inside a URL.
std::string escape_url(std::string_view v) {
  static constexpr std::string_view kEncode = " \"<>()[]\\^`{|}*";
  std::string out;
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) continue;
    if (kEncode.find(c) != std::string_view::npos) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_value(std::string_view value, TemplateSyntax syntax) {
  if (syntax == TemplateSyntax::Plain) return std::string(value);
  return is_url(value) ? escape_url(value) : escape_markdown(value);
}

// Subject values: plain, on one line.
std::string one_line(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') continue;  // CRLF = one break
    out += (value[i] == '\r' || value[i] == '\n') ? ' ' : value[i];
  }
  return out;
}

mu::data to_data(const json& fields) {
  mu::data d{mu::data::type::object};
  if (!fields.is_object()) return d;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const json& v = it.value();
    // "" counts as absent: kainjow would enter {{#nome}} for an empty string.
    if (v.is_string() && !v.get_ref<const std::string&>().empty()) d.set(it.key(), mu::data{v.get<std::string>()});
    else if (v.is_number()) d.set(it.key(), mu::data{v.dump()});
  }
  return d;
}

// The mustache spec's "standalone" rule: a line holding only a section, inverted section, end
// or comment tag (and blanks) disappears with its line break. kainjow applies it only to sections
// it renders, so an absent {{#protocollo}} block would leave an empty line behind. Here such a
// line becomes its tag alone, glued to the next line, plus kStandaloneMark; the mark keeps
// kainjow from also dropping the line that follows when it is blank (it would take it for the
// tag's line) and is removed from the output.
constexpr char kStandaloneMark = '\x01';

std::string strip_standalone_lines(std::string_view source) {
  std::string out;
  out.reserve(source.size() + 16);
  std::size_t pos = 0;
  while (pos < source.size()) {
    std::size_t eol = source.find('\n', pos);
    const bool last = eol == std::string_view::npos;
    if (last) eol = source.size();
    const std::string line = trim(source.substr(pos, eol - pos));
    const bool standalone = line.size() >= 5 && line.rfind("{{", 0) == 0 && line.find("}}") == line.size() - 2 &&
                            line.find("{{", 2) == std::string::npos &&
                            std::string_view("#^/!").find(line[2]) != std::string_view::npos;
    if (standalone) out.append(line) += kStandaloneMark;
    else out.append(source.substr(pos, eol - pos)).append(last ? "" : "\n");
    pos = eol + 1;
  }
  return out;
}

// A template parsed once per thread: the fan-out renders the same few templates for every
// message, and parsing was a tenth of its CPU. Null when the source is not a usable template.
// Per thread because a kainjow template is not safe to render from two threads at once.
using ParsedTemplates = std::unordered_map<std::string, std::unique_ptr<mu::mustache>>;

ParsedTemplates& parsed_templates() {
  thread_local ParsedTemplates cache;
  return cache;
}

mu::mustache* parsed_template(const std::string& source) {
  constexpr std::size_t kMaxCached = 256;  // templates are versioned, not made per message
  auto& cache = parsed_templates();
  if (auto it = cache.find(source); it != cache.end()) return it->second.get();
  if (cache.size() >= kMaxCached) cache.clear();
  std::unique_ptr<mu::mustache> tmpl;
  if (!scan(source, nullptr, false).structural) {
    tmpl = std::make_unique<mu::mustache>(strip_standalone_lines(source));
    if (!tmpl->is_valid()) tmpl.reset();
  }
  return cache.emplace(source, std::move(tmpl)).first->second.get();
}

std::string render_part(const std::string& source, const mu::data& data,
                        const std::function<std::string(const std::string&)>& escape) {
  mu::mustache* tmpl = parsed_template(source);
  if (!tmpl) return "";
  tmpl->set_custom_escape(escape);
  std::string out = tmpl->render(data);
  if (!tmpl->is_valid()) {
    parsed_templates().erase(source);  // a failed render leaves the parsed template unusable
    return "";
  }
  std::erase(out, kStandaloneMark);  // also from values: a control character with no use in a message
  return out;
}

std::string shown_char(char32_t cp) {
  if (cp == 0xFFFD) return "un carattere non valido";
  return "«" + utf8_of(cp) + "»";
}

}  // namespace

// ---- Public API ---------------------------------------------------------------------------

const std::vector<MessageKind>& message_kinds() {
  static const std::vector<MessageKind> kinds = make_kinds();
  return kinds;
}

const MessageKind* find_message_kind(std::string_view id) {
  for (const auto& k : message_kinds())
    if (k.id == id) return &k;
  return nullptr;
}

const std::vector<std::string>& message_channels() { return kAllChannels; }

TemplateSyntax channel_syntax(std::string_view channel) {
  return channel == "sms" ? TemplateSyntax::Plain : TemplateSyntax::Markdown;
}

std::string escape_markdown(std::string_view value) {
  static constexpr std::string_view kSpecial = "\\`*_[](){}#+-!<>|~=";
  // Paragraph breaks survive (a blank line); any other line break or tab becomes a space.
  std::vector<std::string> paragraphs(1);
  int newlines = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
      ++newlines;
      continue;
    }
    if ((c == ' ' || c == '\t') && newlines > 0) continue;  // a blank line may hold spaces
    if (newlines >= 2 && !trim(paragraphs.back()).empty()) paragraphs.emplace_back();
    else if (newlines == 1) paragraphs.back() += ' ';
    newlines = 0;
    paragraphs.back() += (c == '\t') ? ' ' : c;
  }
  std::string out;
  for (const auto& para : paragraphs) {
    std::string p = trim(para);  // leading spaces would make a code block
    if (p.empty()) continue;
    if (!out.empty()) out += "\n\n";
    // "2026. anno" at the start of a line would be an ordered list item.
    std::size_t digits = 0;
    while (digits < p.size() && p[digits] >= '0' && p[digits] <= '9') ++digits;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (kSpecial.find(p[i]) != std::string_view::npos || (digits > 0 && i == digits && p[i] == '.')) out += '\\';
      out += p[i];
    }
  }
  return out;
}

TemplateText render_template(const TemplateText& t, const json& fields, TemplateSyntax syntax) {
  const mu::data data = to_data(fields);
  TemplateText out;
  std::string subject = render_part(t.subject, data, [](const std::string& v) { return one_line(v); });
  out.subject = trim(one_line(subject));
  out.body = render_part(t.body, data, [syntax](const std::string& v) { return escape_value(v, syntax); });
  // A closing section line at the end leaves its line break behind; a message never ends with one.
  while (!out.body.empty() && (out.body.back() == '\n' || out.body.back() == '\r')) out.body.pop_back();
  return out;
}

std::optional<TemplateText> parse_template_file(std::string_view content) {
  if (content.rfind("\xEF\xBB\xBF", 0) == 0) content.remove_prefix(3);
  std::string text;
  text.reserve(content.size());
  for (std::size_t i = 0; i < content.size(); ++i)
    if (!(content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n')) text += content[i];

  TemplateText t;
  std::string_view rest = text;
  constexpr std::string_view kSubject = "Oggetto:";
  if (rest.rfind(kSubject, 0) == 0) {
    const std::size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return std::nullopt;
    t.subject = trim(rest.substr(kSubject.size(), eol - kSubject.size()));
    rest.remove_prefix(eol + 1);
    const std::size_t blank_end = rest.find('\n');
    if (trim(rest.substr(0, blank_end)) != "" || blank_end == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(blank_end + 1);
  }
  const auto last = rest.find_last_not_of(" \t\n");
  t.body = last == std::string_view::npos ? "" : std::string(rest.substr(0, last + 1));
  return t;
}

bool sms_is_gsm7(std::string_view text) { return !first_non_gsm(text).has_value(); }

int sms_segment_count(std::string_view text) {
  std::vector<int> weights;
  weights.reserve(text.size());
  if (sms_is_gsm7(text)) {
    for (std::size_t i = 0; i < text.size();) weights.push_back(gsm_septets(next_code_point(text, i)));
    return segments(weights, 160, 153);
  }
  for (std::size_t i = 0; i < text.size();) weights.push_back(next_code_point(text, i) >= 0x10000 ? 2 : 1);
  return segments(weights, 70, 67);
}

std::vector<std::string> template_problems(std::string_view kind, std::string_view channel, const TemplateText& t) {
  std::vector<std::string> problems;
  const MessageKind* k = find_message_kind(kind);
  if (!k) problems.push_back("tipo di messaggio sconosciuto: \"" + std::string(kind) + "\"");
  const bool known_channel = std::find(kAllChannels.begin(), kAllChannels.end(), channel) != kAllChannels.end();
  if (!known_channel)
    problems.push_back("canale sconosciuto: \"" + std::string(channel) + "\" (i canali sono inbox, email, io e sms)");
  if (!k || !known_channel) return problems;

  const bool sms = channel == "sms";
  const bool markdown = channel_syntax(channel) == TemplateSyntax::Markdown;

  if (sms && !t.subject.empty()) problems.push_back("Oggetto: gli SMS non hanno oggetto, lascialo vuoto");
  if (!sms && trim(t.subject).empty()) problems.push_back("Oggetto: è obbligatorio");
  if (!sms && t.subject.find_first_of("\r\n") != std::string::npos)
    problems.push_back("Oggetto: deve stare su una sola riga");
  if (trim(t.body).empty()) problems.push_back("Testo: è obbligatorio");
  if (!problems.empty()) return problems;

  bool structural = false;
  const auto collect = [&](const char* where, const std::string& src, bool md) {
    ScanResult r = scan(src, &k->fields, md);
    structural = structural || r.structural;
    for (auto& p : r.problems) problems.push_back(std::string(where) + ", " + p);
  };
  if (!sms) collect("Oggetto", t.subject, false);  // the subject is always plain text
  collect("Testo", t.body, markdown);
  if (structural) return problems;

  // Length checks with the sample values, with and without a name (the longest and the shortest
  // realistic text), so that a template does not pass only thanks to one of them.
  json with_name = sample_fields(kind);
  json without_name = with_name;
  without_name["nome"] = "";
  const TemplateSyntax syntax = channel_syntax(channel);
  const TemplateText a = render_template(t, with_name, syntax);
  const TemplateText b = render_template(t, without_name, syntax);
  const auto longer = [](const std::string& x, const std::string& y) { return std::max(utf8_length(x), utf8_length(y)); };
  constexpr const char* kWithSamples = " (con i valori di esempio)";

  if (!sms && longer(a.subject, b.subject) > kSubjectMax)
    problems.push_back("Oggetto: è di " + std::to_string(longer(a.subject, b.subject)) + " caratteri" + kWithSamples +
                       ": il massimo è " + std::to_string(kSubjectMax));
  if (channel == "io") {
    std::string reason = io_content_problem(a.subject, a.body);
    if (reason.empty()) reason = io_content_problem(b.subject, b.body);
    if (!reason.empty()) problems.push_back("App IO: " + reason + kWithSamples);
  } else if (sms) {
    const std::string& longest = sms_segment_count(a.body) >= sms_segment_count(b.body) ? a.body : b.body;
    const int parts = sms_segment_count(longest);
    if (parts > kSmsMaxSegments) {
      std::string msg = "Testo: l'SMS richiede " + std::to_string(parts) + " parti" + kWithSamples + ": il massimo è " +
                        std::to_string(kSmsMaxSegments) + ", accorcialo";
      if (const auto c = first_non_gsm(longest))
        msg += "; contiene " + shown_char(*c) +
               ", che non è nell'alfabeto GSM degli SMS, per cui ogni parte porta solo 67 caratteri";
      problems.push_back(msg);
    }
  } else {
    const std::size_t n = std::max(utf8_length(t.body), longer(a.body, b.body));
    if (n > kEmailBodyMax)
      problems.push_back("Testo: è di " + std::to_string(n) + " caratteri" + kWithSamples + ": il massimo è " +
                         std::to_string(kEmailBodyMax));
  }
  return problems;
}

}  // namespace au::domain
