// A practice as people and programs read it: the stored record plus its projection computed
// now (timeline, open requests, deadline, who acts next), in JSON for the APIs and as a struct
// for the pages.
//
// Contract: load_practice_view() reads the practice's events and projects them for `today`
// (Rome calendar date); nothing is written. The JSON never contains the hash-chain internals.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "domain/practice_projection.h"
#include "store/practice_repository.h"

namespace au::practices {

struct PracticeView {
  store::PracticeRecord record;
  domain::Projection projection;
  const domain::Service* service = nullptr;  // the catalogue service, when still published
  std::string service_url;                   // portal page of the service ("" when unknown)
  std::string ente_name;
};

// The stored events as the projection reads them (unknown types skipped) and the facts of the
// practice that the deadline needs.
std::vector<domain::TimelineEvent> timeline_of(const std::vector<store::StoredEvent>& events);
domain::PracticeFacts facts_of(const store::PracticeRecord& p);

// Today's calendar date in Italy.
domain::Date rome_today();

PracticeView load_practice_view(store::Database& db, store::PracticeRecord record,
                                const domain::CatalogSnapshot& catalog, const std::string& base_url,
                                domain::Date today);

// Summary (lists): id, ente, service, title, status, labels, next deadline, next actor.
nlohmann::json practice_summary_json(const PracticeView& v);
// Everything: summary + applicant/beneficiary/intermediary, protocol, deadline report,
// timeline, documents, open requests.
nlohmann::json practice_detail_json(const PracticeView& v);

}  // namespace au::practices
