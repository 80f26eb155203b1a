#include "search/snippets.h"

#include <algorithm>
#include <set>

#include "search/italian_text.h"
#include "search/search_index.h"

namespace au::search::detail {

namespace {

// Pages can be long; the best passage of a service card is near its start, and scanning more
// would only cost time on every search.
constexpr std::size_t kMaxScannedBytes = 16 * 1024;
constexpr char kEllipsis[] = "…";
// No flags: SNIPPET_BACKGROUND_MODEL looks up the frequency of every word of the text (it
// tripled the cost of a search) and SNIPPET_EXHAUSTIVE scores every window (twice the cost
// again). The first good window around the query words is what a results list needs.
constexpr unsigned kSnippetFlags = 0;

std::size_t utf8_floor(const std::string& s, std::size_t pos) {
  if (pos >= s.size()) return s.size();
  while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

std::string capped(const std::string& text) {
  if (text.size() <= kMaxScannedBytes) return text;
  return text.substr(0, utf8_floor(text, kMaxScannedBytes));
}

// MSet::snippet escapes &, < and >; quotes too make the result safe inside attributes.
std::string escape_quotes(const std::string& html) {
  std::string out;
  out.reserve(html.size());
  for (char c : html) {
    if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&#39;";
    } else {
      out += c;
    }
  }
  return out;
}

// Calls `emit` with each word of `text` the way Xapian's tokenizer (and so MSet::snippet) sees
// it: lower-cased, an apostrophe between letters (' or ’) kept inside the word as '. This is a
// lighter stand-in for running a TermGenerator over every hit; rare constructs it does not mimic
// (acronyms with dots, "C++") simply go unhighlighted.
bool is_ascii_alnum(unsigned ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool is_word_char(unsigned ch) {
  return ch < 0x80 ? is_ascii_alnum(ch) : Xapian::Unicode::is_wordchar(ch);
}

template <class Emit>
void for_each_surface_word(const std::string& text, Emit&& emit) {
  constexpr std::size_t kMaxWordBytes = 64;  // TermGenerator's default limit
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && word.size() <= kMaxWordBytes) emit(word);
    word.clear();
  };
  // Byte loop with a fast path for ASCII, which is nearly all of Italian text.
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    unsigned ch = static_cast<unsigned char>(*p);
    if (ch < 0x80) {
      ++p;
      if (is_ascii_alnum(ch)) {
        word += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        continue;
      }
    } else {
      Xapian::Utf8Iterator it(p, static_cast<std::size_t>(end - p));
      ch = *it;
      ++it;
      p = it == Xapian::Utf8Iterator() ? end : it.raw();
      if (ch != 0x2019 && ch != 0x201B && Xapian::Unicode::is_wordchar(ch)) {
        Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(ch));
        continue;
      }
    }
    if (ch == '\'' || ch == 0x2019 || ch == 0x201B) {
      // An apostrophe joins two words only when a word character follows it.
      if (!word.empty() && p < end) {
        unsigned next = static_cast<unsigned char>(*p);
        if (next >= 0x80) next = *Xapian::Utf8Iterator(p, static_cast<std::size_t>(end - p));
        if (is_word_char(next)) {
          word += '\'';
          continue;
        }
      }
    }
    flush();
  }
  flush();
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string leading_excerpt(const std::string& text) {
  if (text.size() <= kSnippetBytes) return html_escape(text);
  std::size_t cut = utf8_floor(text, kSnippetBytes);
  if (const auto space = text.rfind(' ', cut); space != std::string::npos && space > cut / 2) {
    cut = space;
  }
  return html_escape(text.substr(0, cut)) + kEllipsis;
}

SnippetMaker::SnippetMaker(Reader& reader, const Xapian::Query& query, std::string partial_prefix)
    : reader_(reader), partial_prefix_(std::move(partial_prefix)) {
  query_terms_.assign(query.get_terms_begin(), query.get_terms_end());
  std::sort(query_terms_.begin(), query_terms_.end());
  for (const auto& t : query_terms_) {
    if (t.size() > 1 && t.front() == 'Z') query_stems_.push_back(t.substr(1));
  }
}

bool SnippetMaker::matches(const std::string& word) const {
  if (std::binary_search(query_terms_.begin(), query_terms_.end(), word)) return true;
  if (!partial_prefix_.empty() && word.starts_with(partial_prefix_)) return true;
  // The Italian stemmer only strips endings (accents are already folded), so a stem is a prefix
  // of its word: words that start with no query stem need not be stemmed at all.
  for (const auto& stem : query_stems_) {
    if (word.starts_with(stem)) {
      const std::string own = reader_.stemmer(word);
      return std::find(query_stems_.begin(), query_stems_.end(), own) != query_stems_.end();
    }
  }
  return false;
}

bool SnippetMaker::surface_matches(const std::string& surface) {
  // Plain ASCII words are already in normal form, and checking them is cheaper than a memo.
  const bool plain = std::all_of(surface.begin(), surface.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80 && c != '\'';
  });
  if (plain) return matches(surface);
  if (const auto it = verdicts_.find(surface); it != verdicts_.end()) return it->second;
  bool verdict = false;
  for (const auto& w : split_words(normalize_italian(surface))) {
    if (matches(w)) {
      verdict = true;
      break;
    }
  }
  verdicts_.emplace(surface, verdict);
  return verdict;
}

std::vector<std::string> SnippetMaker::make(const std::vector<std::string>& texts) {
  std::vector<std::string> scanned;
  std::vector<bool> has_mark(texts.size(), false);
  std::set<std::string> marked_words;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    scanned.push_back(capped(texts[i]));
    for_each_surface_word(scanned.back(), [&](const std::string& surface) {
      if (surface_matches(surface)) {
        marked_words.insert(surface);
        has_mark[i] = true;
      }
    });
  }

  // One enquire for all hits: MSet::snippet only needs an MSet whose query names the words.
  Xapian::MSet highlight;
  if (!marked_words.empty()) {
    Xapian::Enquire enquire(reader_.db);
    enquire.set_query(
        Xapian::Query(Xapian::Query::OP_OR, marked_words.begin(), marked_words.end()));
    highlight = enquire.get_mset(0, 0);
  }

  std::vector<std::string> out;
  out.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!has_mark[i]) {
      out.push_back(leading_excerpt(scanned[i]));
      continue;
    }
    out.push_back(escape_quotes(highlight.snippet(scanned[i], kSnippetBytes, Xapian::Stem(),
                                                  kSnippetFlags, "<mark>", "</mark>", kEllipsis)));
  }
  return out;
}

}  // namespace au::search::detail
