// Markdown (CommonMark, via cmark) to HTML for catalogue texts.
//
// Contract: the output is safe to embed in a page: raw HTML in the source is dropped and
// links with javascript:, vbscript:, file: or data: targets are neutralised (cmark's safe
// default). Headings in the source are demoted so a section's text never outranks its <h2>.
#pragma once

#include <string>
#include <string_view>

namespace au::portal {

std::string markdown_to_html(std::string_view markdown);
// Plain text of a markdown fragment, for meta descriptions (at most max_chars, cut at a word).
std::string markdown_to_text(std::string_view markdown, std::size_t max_chars);
std::string html_escape(std::string_view text);

}  // namespace au::portal
