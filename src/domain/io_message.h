// The content rules of an App IO message (IO API for Public Administration Services v4,
// `MessageContent`): subject 10-120 characters, markdown 80-10,000 characters, both counted
// in Unicode code points as the JSON schema's minLength/maxLength count them.
//
// Used where a template for IO is saved (rejected with the reason) and again by the IO channel
// before sending (real values may be longer than the samples the template was checked with).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace au::domain {

inline constexpr std::size_t kIoSubjectMin = 10, kIoSubjectMax = 120;
inline constexpr std::size_t kIoMarkdownMin = 80, kIoMarkdownMax = 10'000;

// Code points of valid UTF-8 (each invalid byte counts as one).
std::size_t utf8_length(std::string_view text);

// "" when IO accepts the content; otherwise an Italian reason naming the field, the limit and
// the actual length ("il testo per App IO è di 45 caratteri: ne servono almeno 80").
std::string io_content_problem(std::string_view subject, std::string_view markdown);

}  // namespace au::domain
