// Italian text handling shared by indexing, querying, ranking and highlighting.
//
// normalize_italian() (declared in search_index.h) is the single definition of "the same word":
// both sides of the index go through it, so any rule added here applies everywhere at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace au::search::detail {

// Splits normalised text into words the way Xapian's tokenizer would see them (letters and
// digits; everything else separates). Used where we compare word sequences ourselves.
std::vector<std::string> split_words(std::string_view normalized);

// Words joined by one space: a canonical form for equality/phrase checks and for sorting.
std::string join_words(const std::vector<std::string>& words);

// Articles, prepositions (simple and articulated, including elided forms left over after
// splitting "dell'", "nell'", ...) and a few conjunctions. Shared, immutable, safe to read from
// any thread.
const Xapian::Stopper& italian_stopper();

// Number of code points in UTF-8 text (for "is this word long enough" decisions).
std::size_t utf8_length(std::string_view text);

}  // namespace au::search::detail
