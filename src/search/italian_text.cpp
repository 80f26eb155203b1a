#include "search/italian_text.h"

#include "search/search_index.h"

namespace au::search {

namespace {

// Characters people (and word processors) use as an apostrophe. All of them mark an elision in
// Italian ("l'anagrafe", "dell’ente") or stand in for an accent ("perche'"); splitting there is
// right in both cases.
bool is_apostrophe(unsigned ch) {
  switch (ch) {
    case 0x0027:  // '
    case 0x0060:  // `
    case 0x00B4:  // ´
    case 0x02BC:  // ʼ
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x2032:  // ′
      return true;
    default:
      return false;
  }
}

// Invisible characters that would otherwise glue or split words unpredictably.
bool is_invisible(unsigned ch) {
  return ch == 0x00AD || (ch >= 0x200B && ch <= 0x200D) || ch == 0x2060 || ch == 0xFEFF ||
         (ch >= 0x0300 && ch <= 0x036F);  // combining marks: "e" + U+0300 is a decomposed "è"
}

// Base letters of lower-case U+00E0..U+00FF; '\0' keeps the character as it is.
constexpr char kLatin1Fold[32] = {'a', 'a',  'a', 'a', 'a', 'a', '\0', 'c', 'e',  'e', 'e',
                                  'e', 'i',  'i', 'i', 'i', 'd', 'n',  'o', 'o',  'o', 'o',
                                  'o', '\0', 'o', 'u', 'u', 'u', 'u',  'y', '\0', 'y'};

// Appends the accent-free form of a lower-case letter; returns false if it has none.
bool append_folded(std::string& out, unsigned ch) {
  if (ch >= 0x00E0 && ch <= 0x00FF) {
    if (ch == 0x00E6) {
      out += "ae";
      return true;
    }
    const char base = kLatin1Fold[ch - 0x00E0];
    if (base == '\0') return false;
    out += base;
    return true;
  }
  if (ch >= 0x0100 && ch <= 0x017F) {  // Latin Extended-A: names from across Europe
    struct Range {
      unsigned first, last;
      const char* base;
    };
    static constexpr Range kRanges[] = {
        {0x0100, 0x0105, "a"}, {0x0106, 0x010D, "c"},  {0x010E, 0x0111, "d"},
        {0x0112, 0x011B, "e"}, {0x011C, 0x0123, "g"},  {0x0124, 0x0127, "h"},
        {0x0128, 0x0131, "i"}, {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},
        {0x0136, 0x0138, "k"}, {0x0139, 0x0142, "l"},  {0x0143, 0x014B, "n"},
        {0x014C, 0x0151, "o"}, {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"},
        {0x015A, 0x0161, "s"}, {0x0162, 0x0167, "t"},  {0x0168, 0x0173, "u"},
        {0x0174, 0x0175, "w"}, {0x0176, 0x0178, "y"},  {0x0179, 0x017E, "z"},
        {0x017F, 0x017F, "s"}};
    for (const auto& r : kRanges) {
      if (ch >= r.first && ch <= r.last) {
        out += r.base;
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string normalize_italian(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  // Utf8Iterator reads invalid UTF-8 as Latin-1, so hostile or legacy input never throws.
  for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (ch < 0x80) {
      if (ch == '\'' || ch == '`') {
        out += ' ';
      } else {
        out += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : static_cast<char>(ch);
      }
      continue;
    }
    if (is_apostrophe(ch)) {
      out += ' ';
      continue;
    }
    if (is_invisible(ch)) continue;
    if (ch == 0x00A0 || ch == 0x202F) {
      out += ' ';
      continue;
    }  // no-break spaces
    const unsigned lower = Xapian::Unicode::tolower(ch);
    if (!append_folded(out, lower)) Xapian::Unicode::append_utf8(out, lower);
  }
  return out;
}

namespace detail {

std::vector<std::string> split_words(std::string_view normalized) {
  std::vector<std::string> words;
  std::string current;
  const std::string text(normalized);
  for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (Xapian::Unicode::is_wordchar(ch)) {
      Xapian::Unicode::append_utf8(current, ch);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

const Xapian::Stopper& italian_stopper() {
  // Kept short on purpose: only words that carry no meaning in a service search. Accents are
  // already folded, so "e" covers both the conjunction and "è".
  static constexpr const char* kWords[] = {
      "il",    "lo",    "la",    "i",     "gli",   "le",    "l",     "un",    "uno",   "una",
      "di",    "del",   "dello", "della", "dei",   "degli", "delle", "dell",  "d",     "a",
      "ad",    "al",    "allo",  "alla",  "ai",    "agli",  "alle",  "all",   "da",    "dal",
      "dallo", "dalla", "dai",   "dagli", "dalle", "dall",  "in",    "nel",   "nello", "nella",
      "nei",   "negli", "nelle", "nell",  "su",    "sul",   "sullo", "sulla", "sui",   "sugli",
      "sulle", "sull",  "con",   "col",   "coi",   "per",   "tra",   "fra",   "e",     "ed",
      "o",     "od",    "c",     "ci",    "si",    "che",   "quest", "quell"};
  static const Xapian::SimpleStopper stopper(std::begin(kWords), std::end(kWords));
  return stopper;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace detail
}  // namespace au::search
