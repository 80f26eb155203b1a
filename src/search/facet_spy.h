// Exact facet counts over every matching document, multi-valued fields included.
//
// Xapian's ValueCountMatchSpy counts one value per slot and document. Our facets are
// multi-valued and share one slot (see document_mapping.h), so it would count joined lists as
// made-up values; this spy splits the slot and counts each value once per document. Counts are
// exact only if the match runs with checkatleast >= the number of documents (the caller does).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "search/search_index.h"

namespace au::search::detail {

class FacetSpy : public Xapian::MatchSpy {
 public:
  void operator()(const Xapian::Document& doc, double weight) override;
  Xapian::MatchSpy* clone() const override { return new FacetSpy; }
  std::string name() const override { return "au.search.FacetSpy"; }

  // Facet name ("category", ...) -> values by descending count, then by value.
  std::map<std::string, std::vector<FacetCount>> counts() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Counter = std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>>;
  std::array<Counter, 4> counters_;
};

}  // namespace au::search::detail
