#include "search/facet_spy.h"

#include <algorithm>

#include "search/document_mapping.h"

namespace au::search::detail {

namespace {

struct FacetName {
  FacetField field;
  const char* name;
};
constexpr std::array<FacetName, 4> kFacets = {{{FacetField::kCategory, "category"},
                                               {FacetField::kAudience, "audience"},
                                               {FacetField::kEnte, "ente"},
                                               {FacetField::kLifeEvent, "life_event"}}};

}  // namespace

void FacetSpy::operator()(const Xapian::Document& doc, double) {
  const std::string joined = doc.get_value(kSlotFacets);
  for_each_facet_entry(joined, [this](FacetField field, std::string_view value) {
    for (std::size_t i = 0; i < kFacets.size(); ++i) {
      if (kFacets[i].field != field) continue;
      auto& counter = counters_[i];
      if (auto it = counter.find(value); it != counter.end()) {
        ++it->second;
      } else {
        counter.emplace(std::string(value), 1);
      }
      return;
    }
  });
}

std::map<std::string, std::vector<FacetCount>> FacetSpy::counts() const {
  std::map<std::string, std::vector<FacetCount>> out;
  for (std::size_t i = 0; i < kFacets.size(); ++i) {
    auto& list = out[kFacets[i].name];
    for (const auto& [value, count] : counters_[i]) list.push_back({value, count});
    std::sort(list.begin(), list.end(), [](const FacetCount& a, const FacetCount& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
  }
  return out;
}

}  // namespace au::search::detail
