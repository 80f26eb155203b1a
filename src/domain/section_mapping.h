// Maps the free-form section titles of the regional service cards onto the Modello Comuni
// content blocks of a service page.
//
// Contract: classify_section looks only at the title, ignoring case, accents and punctuation,
// and answers with the first matching rule of one ordered table (see section_mapping.cpp);
// titles no rule recognises are ModelBlock::More. apply_sections never drops text: every
// section with non-blank markdown ends up in exactly one block of ServiceTexts or in
// ServiceTexts::more (and a section naming both costs and times may be copied to Calendar too).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/catalog.h"

namespace au::domain {

// Modello Comuni blocks, in page order. More is "Ulteriori informazioni".
enum class ModelBlock { Description, Addressed, HowTo, Needed, Achieved, Calendar, Costs, Access, Conditions, More };

// The Italian heading the Modello Comuni page uses for the block ("A chi è rivolto", ...).
const char* block_label(ModelBlock b);

ModelBlock classify_section(std::string_view title);

// True when the title merely restates its block's heading ("Cosa è", "Come fare domanda",
// "Costi"): apply_sections then shows the text without repeating the title.
bool is_generic_section_title(std::string_view title);

// True when the title names both costs and times ("Durata e costi", "Costi, Durata e Tempi di
// rilascio"): such a section is classified Costs but also answers "Tempi e scadenze".
bool names_costs_and_times(std::string_view title);

// Appends each source section to its block of `out`, in source order. When a block already
// has text, or the section's title is informative (not generic), the section is introduced by
// a bold line with its original title. Sections classified More are appended to out.more with
// their title. Sections whose markdown is blank are skipped. Markdown is trimmed of leading and
// trailing blank space but otherwise kept verbatim.
void apply_sections(const std::vector<Section>& source, ServiceTexts& out);

}  // namespace au::domain
