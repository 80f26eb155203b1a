// Turns the markdown of a regional service card, written for a Jekyll site and full of
// Liquid tags, into clean markdown plus the structured facts those tags carried.
//
// Contract: parse_card_markup never throws and never leaves Liquid in `markdown`:
//  - `{{site.baseurl}}` / `{{ site.baseurl }}` become site_base_url (trailing '/' dropped);
//    any other `{{ ... }}` output tag is removed, having no value outside Jekyll;
//  - `{% capture x %}<option value="URL">Title</option>...{% endcapture %}` is removed and its
//    options become `documents` (entities decoded, whitespace collapsed, empty URLs skipped);
//    kind is "manuale" when the capture feeds a manualistica_select include, "modulo" otherwise.
//    An unterminated capture runs to the end of the input, as Liquid would swallow it;
//  - `{% include comuni_select.html url='K' %}` sets comuni_select_key = K;
//    `{% include documenti_select.html %}` sets has_documents_include;
//    `{% raw %}...{% endraw %}` keeps its body verbatim, `{% comment %}` bodies are dropped,
//    every other `{% ... %}` tag is removed (its body, if any, is kept); a tag alone on its
//    line takes the line with it; an unterminated `{%` is dropped up to the end of its line;
//  - markdown links (inline and reference definitions) to another card, `/schede/<obj>/...`
//    with or without the base URL, keep their text and title but point to
//    `/servizi/card:<obj>`, a placeholder the importer resolves to that card's slug; <obj> is
//    listed once in linked_card_objects, in order of appearance;
//  - other root-relative link targets and document URLs ("/docs/...") are prefixed with
//    site_base_url, because they live on the source site, not on this portal;
//  - raw HTML is left as it is (the renderer escapes or sanitises it).
// strip_markdown gives plain text for search and meta descriptions: no link targets, no
// emphasis or heading markers, no list bullets, no HTML tags, entities decoded, whitespace
// collapsed to single spaces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/catalog.h"

namespace au::importer {

struct CardMarkup {
  std::string markdown;                          // Liquid removed
  std::string comuni_select_key;                 // "urlsuape", "urlaua", "urlautpaes", "urlprg"
  std::vector<domain::Document> documents;       // from capture blocks of <option>s
  std::vector<std::string> linked_card_objects;  // "aua" from [..]({{site.baseurl}}/schede/aua/)
  bool has_documents_include = false;            // {% include documenti_select.html %}
};

CardMarkup parse_card_markup(std::string_view markdown, std::string_view site_base_url);

std::string strip_markdown(std::string_view md);

// Decodes HTML character references: &amp; &quot; &apos; &lt; &gt; &nbsp;, the accented Italian
// letters (&egrave; &agrave; ...), common typographic ones and numeric &#NN; / &#xHH;.
// Unknown or malformed references are kept literally.
std::string decode_html_entities(std::string_view s);

}  // namespace au::importer
