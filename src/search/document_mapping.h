// How a SearchDoc is laid out inside Xapian: terms and prefixes, value slots and stored data.
//
// Indexing (upsert, rebuild) and searching (filters, facets, ranking, hits) must agree on every
// name below; keeping them in one place is the point of this file. Changing a prefix or a slot
// requires a rebuild of existing indexes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "search/search_index.h"

namespace au::search::detail {

// Value slots. Reading a slot costs about a microsecond per matching document, and facet
// counting reads every match, so all four facets share one slot.
inline constexpr Xapian::valueno kSlotTitleKey = 0;  // normalised title words: tier, browse order
inline constexpr Xapian::valueno kSlotFacets = 1;    // FacetEntry list, see encode/decode below

// Facet fields as tagged in kSlotFacets.
enum class FacetField : char { kCategory = 'c', kAudience = 'a', kEnte = 'e', kLifeEvent = 'l' };
inline constexpr char kValueSeparator = '\x1f';

// Term prefixes (Xapian convention: Q = unique id, S = title, X... = our own boolean fields).
inline constexpr std::string_view kPrefixId = "Q";
inline constexpr std::string_view kPrefixTitle = "S";
inline constexpr std::string_view kPrefixCategory = "XCAT";
inline constexpr std::string_view kPrefixAudience = "XAUD";
inline constexpr std::string_view kPrefixEnte = "XENTE";
inline constexpr std::string_view kPrefixLifeEvent = "XLIFE";
inline const std::string kTermVariant = "XKINDvar";
// Carried by every document that is not a variant. Hiding variants filters on this term rather
// than excluding kTermVariant: variants are the large majority, and a filter walks only the
// short list.
inline const std::string kTermMain = "XKINDmain";

// Gap between fields so a phrase cannot match across the end of one field and the start of
// the next.
inline constexpr Xapian::termpos kFieldGap = 100;

// A boolean term, made safe for Xapian's term-length limit (245 bytes) by hashing any overlong
// tail deterministically (the same value always yields the same term).
std::string boolean_term(std::string_view prefix, std::string_view value);

bool is_variant_id(std::string_view doc_id);

// Builds the Xapian document. `indexer` must already carry stemmer, stopper, flags and (for
// spelling data) the target database.
Xapian::Document to_xapian(const SearchDoc& doc, Xapian::TermGenerator& indexer);

// What a hit needs back from the index without a round trip to the store.
struct StoredDoc {
  std::string doc_id, service_id, slug, comune_slug, title, summary, body;
};
std::string encode_stored(const SearchDoc& doc);
StoredDoc decode_stored(const std::string& data);

// kSlotFacets holds "<field><value>" entries joined by kValueSeparator, each value once per
// field. `visit(field, value)` is called for each entry.
template <class Visit>
void for_each_facet_entry(std::string_view joined, Visit&& visit) {
  while (!joined.empty()) {
    const auto pos = joined.find(kValueSeparator);
    const std::string_view entry = joined.substr(0, pos);
    if (entry.size() > 1) visit(static_cast<FacetField>(entry.front()), entry.substr(1));
    if (pos == std::string_view::npos) break;
    joined.remove_prefix(pos + 1);
  }
}

}  // namespace au::search::detail
