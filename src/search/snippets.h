// Result snippets: ~200 characters of summary+body around the query's words, HTML-escaped, with
// <mark>…</mark> around the words that matched.
//
// Xapian's MSet::snippet() matches the *displayed* words against the query's terms, but our
// terms come from normalised text: "nell'anagrafe" or "identità" in the page would never light
// up for the query "anagrafe" or "identita". So we first collect, for the hits being shown, the
// surface words whose normalised form matches a query term (exactly or by stem), and let
// snippet() highlight exactly those words. The text keeps its accents and apostrophes.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "search/reader_pool.h"

namespace au::search::detail {

// Bytes of text aimed at; MSet::snippet may go slightly over.
inline constexpr std::size_t kSnippetBytes = 200;

class SnippetMaker {
 public:
  // `partial_prefix` is the normalised last word when it was expanded as a prefix.
  SnippetMaker(Reader& reader, const Xapian::Query& query, std::string partial_prefix);

  // One snippet per text, in order. Texts with no matching word get their opening lines.
  std::vector<std::string> make(const std::vector<std::string>& texts);

 private:
  bool matches(const std::string& normalized_word) const;
  bool surface_matches(const std::string& surface);

  Reader& reader_;
  std::vector<std::string> query_terms_;  // sorted
  std::vector<std::string> query_stems_;  // query terms "Z<stem>" without the Z
  std::string partial_prefix_;
  std::unordered_map<std::string, bool> verdicts_;  // non-ASCII surface word -> highlighted?
};

// The opening of `text`, cut at a word boundary near kSnippetBytes, HTML-escaped.
std::string leading_excerpt(const std::string& text);

std::string html_escape(const std::string& text);

}  // namespace au::search::detail
