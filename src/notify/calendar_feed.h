// A person's private calendar (RFC 5545) at /calendario/<token>.ics: every deadline of their
// practices that is still ahead or still open, so a calendar app subscribed to the address
// shows it and reminds them (alarms 7 days and 1 day before).
//
// Contract: the feed lists, for the practices of `subjects` (own and represented businesses')
// that are not concluded: each open request to the applicant (documents, 10-bis observations)
// on its due date, and the date by which the administration must conclude. UIDs are stable per
// practice and deadline, so an updated date moves the event instead of adding one. Nothing is
// written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/catalog_snapshot.h"
#include "store/database.h"

namespace au::notify {

std::string calendar_of(store::Database& db, const std::vector<std::string>& subjects,
                        const domain::CatalogSnapshot& catalog, const std::string& base_url, std::int64_t now_ms);

}  // namespace au::notify
