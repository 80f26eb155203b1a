// Readable URL parts and accent-insensitive keys for Italian text.
//
// Contract: pure functions on UTF-8 input; invalid UTF-8 never throws. fold_accents lower-cases
// ASCII and maps the Latin-1 letters (à, È, ç, ñ, ß, ...) to their plain ASCII spelling, leaving
// every other byte as it is, so that "Città" and "citta" compare equal. slugify keeps only ASCII
// letters and digits: everything else (spaces, apostrophes ' and ’, punctuation, symbols) is a
// word separator, words are joined by a single '-', and the result is at most kMaxSlugLength
// characters long, cut at a word boundary (a single longer word is cut hard). The empty string
// is returned when nothing is left.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace au::domain {

inline constexpr std::size_t kMaxSlugLength = 80;

std::string fold_accents(std::string_view utf8);
std::string slugify(std::string_view utf8);

}  // namespace au::domain
