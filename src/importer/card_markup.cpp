#include "importer/card_markup.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

namespace au::importer {
namespace {

constexpr std::string_view kCardPrefix = "/schede/";
constexpr std::string_view kCardPlaceholder = "/servizi/card:";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Bytes of multi-byte UTF-8 sequences count as word characters: they are Italian letters here.
bool is_word_char(char c) {
  return is_alpha(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80;
}

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::size_t find_ci(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool ok = true;
    for (std::size_t k = 0; k < needle.size() && ok; ++k) ok = lower(hay[i + k]) == lower(needle[k]);
    if (ok) return i;
  }
  return std::string_view::npos;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct NamedEntity {
  std::string_view name;
  std::uint32_t code_point;
};

// What the cards' authors and their editors actually emit; anything else stays literal.
constexpr NamedEntity kNamedEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},     {"agrave", 0xE0},   {"aacute", 0xE1},
    {"egrave", 0xE8},  {"eacute", 0xE9},   {"igrave", 0xEC},   {"iacute", 0xED},
    {"ograve", 0xF2},  {"oacute", 0xF3},   {"ugrave", 0xF9},   {"uacute", 0xFA},
    {"Agrave", 0xC0},  {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Igrave", 0xCC},
    {"Ograve", 0xD2},  {"Ugrave", 0xD9},   {"ccedil", 0xE7},   {"deg", 0xB0},
    {"euro", 0x20AC},  {"rsquo", 0x2019},  {"lsquo", 0x2018},  {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"laquo", 0xAB},    {"raquo", 0xBB},    {"ndash", 0x2013},
    {"mdash", 0x2014}, {"hellip", 0x2026}, {"bull", 0x2022},   {"middot", 0xB7},
    {"copy", 0xA9},
};

// Decodes the reference starting at s[0] == '&'; returns the bytes consumed, 0 if none.
std::size_t decode_entity_at(std::string_view s, std::string& out) {
  const std::size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi < 2 || semi > 12) return 0;
  const std::string_view body = s.substr(1, semi - 1);
  if (body[0] == '#') {
    std::uint32_t cp = 0;
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v;
      if (is_digit(c)) {
        v = c - '0';
      } else if (hex && lower(c) >= 'a' && lower(c) <= 'f') {
        v = lower(c) - 'a' + 10;
      } else {
        return 0;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      if (cp > 0x10FFFF) return 0;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    append_utf8(out, cp);
    return semi + 1;
  }
  for (const auto& e : kNamedEntities) {
    if (e.name == body) {
      append_utf8(out, e.code_point);
      return semi + 1;
    }
  }
  return 0;
}

// Collapses every whitespace run (including U+00A0) into one space and trims.
std::string collapse_whitespace(std::string_view s) {
  std::string out;
  bool pending = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool nbsp = static_cast<unsigned char>(s[i]) == 0xC2 && i + 1 < s.size() &&
                      static_cast<unsigned char>(s[i + 1]) == 0xA0;
    if (is_space(s[i]) || nbsp) {
      if (nbsp) ++i;
      pending = !out.empty();
      continue;
    }
    if (pending) out += ' ';
    pending = false;
    out += s[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Liquid

struct Tag {
  std::size_t begin = 0, end = 0;  // [begin, end) covers "{% ... %}"
  std::string_view name;           // first word: "include", "capture", ...
  std::string_view args;           // the rest, trimmed
};

// Parses the tag opening at in[pos] == "{%"; nullopt when it never closes.
std::optional<Tag> tag_at(std::string_view in, std::size_t pos) {
  const std::size_t close = in.find("%}", pos + 2);
  // A "{%" before the close means this tag was never finished: do not let it swallow the next.
  if (close == std::string_view::npos || in.find("{%", pos + 2) < close) return std::nullopt;
  std::string_view content = in.substr(pos + 2, close - pos - 2);
  // {%- and -%} only control whitespace in Liquid.
  if (!content.empty() && content.front() == '-') content.remove_prefix(1);
  if (!content.empty() && content.back() == '-') content.remove_suffix(1);
  content = trim(content);
  std::size_t w = 0;
  while (w < content.size() && !is_space(content[w])) ++w;
  return Tag{pos, close + 2, content.substr(0, w), trim(content.substr(w))};
}

std::optional<Tag> find_tag(std::string_view in, std::size_t from, std::string_view name) {
  while (true) {
    const std::size_t pos = in.find("{%", from);
    if (pos == std::string_view::npos) return std::nullopt;
    const auto tag = tag_at(in, pos);
    if (tag && tag->name == name) return tag;
    from = tag ? tag->end : pos + 2;
  }
}

// Value of `key=...` in an include's arguments: quoted with ' or ", or a bare word.
std::string param(std::string_view args, std::string_view key) {
  for (std::size_t pos = args.find(key); pos != std::string_view::npos; pos = args.find(key, pos + 1)) {
    if (pos > 0 && !is_space(args[pos - 1])) continue;
    std::size_t i = pos + key.size();
    while (i < args.size() && is_space(args[i])) ++i;
    if (i >= args.size() || args[i] != '=') continue;
    ++i;
    while (i < args.size() && is_space(args[i])) ++i;
    if (i >= args.size()) return {};
    if (args[i] == '\'' || args[i] == '"') {
      const std::size_t close = args.find(args[i], i + 1);
      if (close == std::string_view::npos) return std::string(args.substr(i + 1));
      return std::string(args.substr(i + 1, close - i - 1));
    }
    std::size_t e = i;
    while (e < args.size() && !is_space(args[e])) ++e;
    return std::string(args.substr(i, e - i));
  }
  return {};
}

// "{{ site.baseurl }}" -> base; any other output tag disappears.
std::string expand_outputs(std::string_view in, std::string_view base) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t open = in.find("{{", i);
    if (open == std::string_view::npos) break;
    const std::size_t close = in.find("}}", open + 2);
    if (close == std::string_view::npos) break;  // a lone "{{" is text, not Liquid
    out += in.substr(i, open - i);
    std::string_view expr = in.substr(open + 2, close - open - 2);
    if (!expr.empty() && expr.front() == '-') expr.remove_prefix(1);
    if (!expr.empty() && expr.back() == '-') expr.remove_suffix(1);
    if (trim(expr) == "site.baseurl") out += base;
    i = close + 2;
  }
  out += in.substr(i);
  return out;
}

bool is_root_relative(std::string_view url) {
  return url.size() >= 1 && url[0] == '/' && (url.size() == 1 || url[1] != '/');
}

std::string absolutise(std::string_view url, std::string_view base) {
  if (is_root_relative(url)) return std::string(base) + std::string(url);
  return std::string(url);
}

std::vector<domain::Document> parse_options(std::string_view body, std::string_view base) {
  std::vector<domain::Document> docs;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = find_ci(body, "<option", pos);
    if (open == std::string_view::npos) break;
    const std::size_t after_name = open + 7;
    if (after_name < body.size() && !is_space(body[after_name]) && body[after_name] != '>') {
      pos = after_name;  // "<optionfoo", not an option
      continue;
    }
    const std::size_t tag_close = body.find('>', after_name);
    if (tag_close == std::string_view::npos) break;
    const std::string value = param(body.substr(after_name, tag_close - after_name), "value");

    std::size_t text_end = std::min(find_ci(body, "</option", tag_close + 1),
                                    find_ci(body, "<option", tag_close + 1));
    if (text_end == std::string_view::npos) text_end = body.size();
    const std::string title = collapse_whitespace(decode_html_entities(body.substr(tag_close + 1, text_end - tag_close - 1)));
    const std::string url = std::string(trim(decode_html_entities(value)));
    if (!url.empty()) {
      domain::Document d;
      d.title = title.empty() ? url : title;
      d.url = absolutise(url, base);
      docs.push_back(std::move(d));
    }
    pos = text_end;
  }
  return docs;
}

struct Capture {
  std::string name;
  std::vector<domain::Document> docs;
  std::string kind;
};

class LiquidStripper {
 public:
  LiquidStripper(std::string_view in, std::string_view base, CardMarkup& result)
      : in_(in), base_(base), result_(result) {}

  bool kept_raw() const { return kept_raw_; }

  std::string run() {
    std::size_t i = 0;
    while (i < in_.size()) {
      const std::size_t next = next_liquid(i);
      out_ += in_.substr(i, next - i);
      if (next >= in_.size()) break;
      i = in_.compare(next, 2, "{{") == 0 ? output_tag(next) : block_tag(next);
    }
    for (auto& c : captures_) {
      for (auto& d : c.docs) {
        d.kind = c.kind.empty() ? "modulo" : c.kind;
        result_.documents.push_back(std::move(d));
      }
    }
    return std::move(out_);
  }

 private:
  std::size_t next_liquid(std::size_t from) const {
    for (std::size_t i = from; i + 1 < in_.size(); ++i) {
      if (in_[i] != '{') continue;
      if (in_[i + 1] == '%') return i;
      if (in_[i + 1] == '{' && in_.find("}}", i + 2) != std::string_view::npos) return i;
    }
    return in_.size();
  }

  std::size_t output_tag(std::size_t pos) {
    const std::size_t close = in_.find("}}", pos + 2);
    out_ += expand_outputs(in_.substr(pos, close + 2 - pos), base_);
    return close + 2;
  }

  std::size_t block_tag(std::size_t pos) {
    const auto tag = tag_at(in_, pos);
    if (!tag) {
      // Unterminated: Jekyll would refuse the page; drop the broken tag, keep the next lines.
      const std::size_t eol = in_.find('\n', pos);
      return eol == std::string_view::npos ? in_.size() : eol;
    }
    std::size_t end = tag->end;
    if (tag->name == "capture") {
      const auto close = find_tag(in_, tag->end, "endcapture");
      const std::size_t body_end = close ? close->begin : in_.size();
      end = close ? close->end : in_.size();
      const std::string body = expand_outputs(in_.substr(tag->end, body_end - tag->end), base_);
      captures_.push_back(Capture{std::string(param_word(tag->args)), parse_options(body, base_), {}});
    } else if (tag->name == "raw") {
      kept_raw_ = true;
      const auto close = find_tag(in_, tag->end, "endraw");
      const std::size_t body_end = close ? close->begin : in_.size();
      out_ += in_.substr(tag->end, body_end - tag->end);
      return close ? close->end : in_.size();
    } else if (tag->name == "comment") {
      const auto close = find_tag(in_, tag->end, "endcomment");
      end = close ? close->end : in_.size();
    } else if (tag->name == "include") {
      include(tag->args);
    }
    return remove_span(end);
  }

  static std::string_view param_word(std::string_view args) {
    std::size_t w = 0;
    while (w < args.size() && !is_space(args[w])) ++w;
    return args.substr(0, w);
  }

  void include(std::string_view args) {
    const std::string_view file = param_word(args);
    if (file.find("comuni_select") != std::string_view::npos) {
      result_.comuni_select_key = param(args, "url");
    } else if (file.find("documenti_select") != std::string_view::npos) {
      result_.has_documents_include = true;
    } else if (file.find("manualistica_select") != std::string_view::npos ||
               file.find("modulistica_select") != std::string_view::npos) {
      const std::string var = param(args, "options");
      const char* kind = file.find("manualistica") != std::string_view::npos ? "manuale" : "modulo";
      // Liquid reads the variable's latest value: the last capture with that name so far.
      for (auto it = captures_.rbegin(); it != captures_.rend(); ++it) {
        if (it->name == var) {
          it->kind = kind;
          break;
        }
      }
    }
  }

  // A tag alone on its line takes the line with it, so removing tags leaves no blank stubs.
  std::size_t remove_span(std::size_t end) {
    const std::size_t line_start = out_.rfind('\n');
    const std::size_t from = line_start == std::string::npos ? 0 : line_start + 1;
    const bool blank_before =
        std::all_of(out_.begin() + static_cast<std::ptrdiff_t>(from), out_.end(), is_space);
    std::size_t eol = end;
    while (eol < in_.size() && in_[eol] != '\n' && is_space(in_[eol])) ++eol;
    const bool blank_after = eol >= in_.size() || in_[eol] == '\n';
    if (blank_before && blank_after) {
      out_.resize(from);
      return eol < in_.size() ? eol + 1 : eol;
    }
    return end;
  }

  std::string_view in_;
  std::string_view base_;
  CardMarkup& result_;
  std::string out_;
  std::vector<Capture> captures_;
  bool kept_raw_ = false;
};

bool has_liquid(std::string_view s) {
  if (s.find("{%") != std::string_view::npos) return true;
  const std::size_t open = s.find("{{");
  return open != std::string_view::npos && s.find("}}", open + 2) != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------------
// Links

bool valid_object(std::string_view obj) {
  return !obj.empty() && std::all_of(obj.begin(), obj.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
  });
}

std::string rewrite_target(std::string_view url, std::string_view base, CardMarkup& result) {
  std::string_view path = url;
  if (!base.empty() && path.substr(0, base.size()) == base &&
      (path.size() == base.size() || path[base.size()] == '/')) {
    path.remove_prefix(base.size());
  }
  if (path.substr(0, kCardPrefix.size()) == kCardPrefix) {
    std::string_view obj = path.substr(kCardPrefix.size());
    obj = obj.substr(0, obj.find_first_of("/?#"));
    if (valid_object(obj)) {
      auto& linked = result.linked_card_objects;
      if (std::find(linked.begin(), linked.end(), obj) == linked.end()) linked.emplace_back(obj);
      return std::string(kCardPlaceholder) + std::string(obj);
    }
  }
  return absolutise(url, base);
}

// End of a link destination starting at s[pos]: "<...>" or a run without spaces whose
// parentheses balance.
std::size_t destination_end(std::string_view s, std::size_t pos) {
  if (pos < s.size() && s[pos] == '<') {
    const std::size_t close = s.find('>', pos);
    return close == std::string_view::npos ? pos : close + 1;
  }
  int depth = 0;
  std::size_t i = pos;
  for (; i < s.size() && !is_space(s[i]); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')') {
      if (depth == 0) break;
      --depth;
    }
  }
  return i;
}

void emit_destination(std::string_view dest, std::string_view base, CardMarkup& result, std::string& out) {
  if (dest.size() >= 2 && dest.front() == '<' && dest.back() == '>') {
    out += '<';
    out += rewrite_target(dest.substr(1, dest.size() - 2), base, result);
    out += '>';
  } else if (!dest.empty()) {
    out += rewrite_target(dest, base, result);
  }
}

// Length of a reference definition's prefix "   [label]:" at line start, 0 if none.
std::size_t reference_prefix(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || line[i] != '[') return 0;
  const std::size_t close = line.find(']', i + 1);
  if (close == std::string_view::npos || close == i + 1 || close + 1 >= line.size() || line[close + 1] != ':') return 0;
  if (line.substr(i, close - i).find('\n') != std::string_view::npos) return 0;
  return close + 2;
}

std::string rewrite_links(std::string_view md, std::string_view base, CardMarkup& result) {
  std::string out;
  out.reserve(md.size());
  std::size_t i = 0;
  while (i < md.size()) {
    if (i == 0 || md[i - 1] == '\n') {
      if (const std::size_t p = reference_prefix(md.substr(i, md.find('\n', i) - i)); p > 0) {
        std::size_t d = i + p;
        while (d < md.size() && (md[d] == ' ' || md[d] == '\t')) ++d;
        out += md.substr(i, d - i);
        const std::size_t e = destination_end(md, d);
        emit_destination(md.substr(d, e - d), base, result, out);
        i = e;
        continue;
      }
    }
    if (md[i] == ']' && i + 1 < md.size() && md[i + 1] == '(') {
      std::size_t d = i + 2;
      while (d < md.size() && (md[d] == ' ' || md[d] == '\t')) ++d;
      out += md.substr(i, d - i);
      const std::size_t e = destination_end(md, d);
      emit_destination(md.substr(d, e - d), base, result, out);
      i = e;
      continue;
    }
    out += md[i++];
  }
  return out;
}

// At most one blank line in a row and no blank space at either end: removing tags and
// captures otherwise leaves ragged gaps.
std::string tidy_blank_lines(std::string_view md) {
  std::string out;
  std::size_t blank_run = 0;
  std::size_t pos = 0;
  while (pos <= md.size()) {
    std::size_t eol = md.find('\n', pos);
    if (eol == std::string_view::npos) eol = md.size();
    const std::string_view line = md.substr(pos, eol - pos);
    if (trim(line).empty()) {
      ++blank_run;
    } else {
      if (!out.empty()) out += blank_run > 0 ? "\n\n" : "\n";
      out += line;
      blank_run = 0;
    }
    pos = eol + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain text

bool is_hr_or_underline(std::string_view line) {
  const std::string_view t = trim(line);
  if (t.size() < 3) return false;
  const char c = t[0];
  if (c != '-' && c != '*' && c != '_' && c != '=') return false;
  return std::all_of(t.begin(), t.end(), [c](char x) { return x == c || x == ' ' || x == '\t'; });
}

// Removes block markers (headings, quotes, bullets, numbers) from the start of one line.
std::string_view strip_line_markers(std::string_view line) {
  std::size_t i = 0;
  const auto skip_ws = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  skip_ws();
  while (i < line.size() && line[i] == '>') {
    ++i;
    skip_ws();
  }
  if (i < line.size() && line[i] == '#') {
    std::size_t h = i;
    while (h < line.size() && line[h] == '#') ++h;
    if (h - i <= 6 && (h == line.size() || line[h] == ' ' || line[h] == '\t')) {
      i = h;
      skip_ws();
    }
  }
  const auto followed_by_space = [&](std::size_t at) {
    return at < line.size() && (line[at] == ' ' || line[at] == '\t');
  };
  if (i < line.size() && (line[i] == '-' || line[i] == '*' || line[i] == '+') && followed_by_space(i + 1)) {
    i += 1;
  } else if (line.substr(i, 3) == "\xE2\x80\xA2") {  // "•" typed by hand as a bullet
    i += 3;
  } else {
    std::size_t d = i;
    while (d < line.size() && d - i < 9 && is_digit(line[d])) ++d;
    if (d > i && d < line.size() && (line[d] == '.' || line[d] == ')') && followed_by_space(d + 1)) i = d + 1;
  }
  skip_ws();
  return line.substr(i);
}

std::size_t matching_close(std::string_view s, std::size_t open, char o, char c) {
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == o) {
      ++depth;
    } else if (s[i] == c && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

void strip_inline(std::string_view s, std::string& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (c == '\\' && next != '\0' && static_cast<unsigned char>(next) < 0x80 && !is_word_char(next) && !is_space(next)) {
      out += next;
      i += 2;
    } else if (c == '!' && next == '[') {
      ++i;  // an image reads as its alt text
    } else if (c == '[') {
      const std::size_t close = matching_close(s, i, '[', ']');
      if (close == std::string_view::npos) {
        out += c;
        ++i;
        continue;
      }
      std::size_t after = close + 1;
      if (after < s.size() && s[after] == '(') {
        const std::size_t end = matching_close(s, after, '(', ')');
        if (end != std::string_view::npos) after = end + 1;
      } else if (after < s.size() && s[after] == '[') {
        const std::size_t end = s.find(']', after);
        if (end != std::string_view::npos) after = end + 1;
      }
      strip_inline(s.substr(i + 1, close - i - 1), out);
      i = after;
    } else if (c == '<') {
      if (s.substr(i, 4) == "<!--") {
        const std::size_t end = s.find("-->", i + 4);
        i = end == std::string_view::npos ? s.size() : end + 3;
        out += ' ';
        continue;
      }
      const std::size_t close = s.find('>', i);
      const std::string_view inner = close == std::string_view::npos ? std::string_view{} : s.substr(i + 1, close - i - 1);
      const bool autolink = (inner.substr(0, 7) == "http://" || inner.substr(0, 8) == "https://" ||
                             inner.substr(0, 7) == "mailto:") &&
                            std::none_of(inner.begin(), inner.end(), is_space);
      const bool tag = !inner.empty() && (is_alpha(inner[0]) || inner[0] == '/' || inner[0] == '!') &&
                       inner.find('<') == std::string_view::npos;
      if (autolink) {
        out += inner.substr(0, 7) == "mailto:" ? inner.substr(7) : inner;
        i = close + 1;
      } else if (tag) {
        out += ' ';  // <br> separates words
        i = close + 1;
      } else {
        out += c;
        ++i;
      }
    } else if (c == '&') {
      std::string decoded;
      const std::size_t used = decode_entity_at(s.substr(i), decoded);
      if (used > 0) {
        out += decoded;
        i += used;
      } else {
        out += c;
        ++i;
      }
    } else if (c == '*' || c == '`') {
      ++i;
    } else if (c == '~' && next == '~') {
      i += 2;
    } else if (c == '_') {
      // Inside a word ("ALLEGATO_A_ACG") it is text, around words it is emphasis.
      const bool inner_word = i > 0 && is_word_char(s[i - 1]) && is_word_char(next);
      if (inner_word) out += c;
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
}

}  // namespace

std::string decode_html_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      if (const std::size_t used = decode_entity_at(s.substr(i), out); used > 0) {
        i += used;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

CardMarkup parse_card_markup(std::string_view markdown, std::string_view site_base_url) {
  while (!site_base_url.empty() && site_base_url.back() == '/') site_base_url.remove_suffix(1);
  CardMarkup result;
  std::string without_liquid(markdown);
  // Removing a tag can join a stray "{" with a following "%}" into new Liquid; strip again
  // until nothing is left. Each pass removes at least the opening of every tag it finds, so
  // this ends; raw bodies must survive, so a pass that kept one is the last.
  for (int pass = 0; pass < 8 && has_liquid(without_liquid); ++pass) {
    LiquidStripper stripper(without_liquid, site_base_url, result);
    without_liquid = stripper.run();
    if (stripper.kept_raw()) break;
  }
  result.markdown = tidy_blank_lines(rewrite_links(without_liquid, site_base_url, result));
  return result;
}

std::string strip_markdown(std::string_view md) {
  std::string lines;
  lines.reserve(md.size());
  std::size_t pos = 0;
  while (pos <= md.size()) {
    std::size_t eol = md.find('\n', pos);
    if (eol == std::string_view::npos) eol = md.size();
    const std::string_view line = md.substr(pos, eol - pos);
    pos = eol + 1;
    if (reference_prefix(line) > 0 || is_hr_or_underline(line)) continue;
    lines += strip_line_markers(line);
    lines += '\n';
  }
  std::string text;
  text.reserve(lines.size());
  strip_inline(lines, text);
  return collapse_whitespace(text);
}

}  // namespace au::importer
