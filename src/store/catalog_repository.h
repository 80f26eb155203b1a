// Persistence of the catalogue: read it whole into a snapshot, write it record by record.
//
// Contract: the upsert_* functions run inside the caller's transaction on the given session
// and report whether the record was inserted, updated (content changed: version + 1) or left
// unchanged (same content hash). bump_generation() must be called in the same transaction as
// any change so every node notices (catalog_generation table).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain/catalog.h"
#include "domain/catalog_snapshot.h"
#include "store/database.h"

namespace au::store {

enum class WriteOutcome { Inserted, Updated, Unchanged };

struct WriteCounts {
  int inserted = 0, updated = 0, unchanged = 0;
  void add(WriteOutcome o);
  int changed() const { return inserted + updated; }
};

std::shared_ptr<const domain::CatalogSnapshot> load_snapshot(Database& db);
std::uint64_t current_generation(Database& db);

WriteOutcome upsert_ente(soci::session& sql, const domain::Ente& e);
WriteOutcome upsert_term(soci::session& sql, const domain::VocabularyTerm& t, int position);
WriteOutcome upsert_service(soci::session& sql, domain::Service s);
WriteOutcome upsert_variant(soci::session& sql, domain::ServiceVariant v);
struct StoredDocument {
  std::string id, title, kind, grouping, url, act, service_id;
};
WriteOutcome upsert_document(soci::session& sql, const StoredDocument& d);
std::vector<StoredDocument> list_documents(Database& db);
void bump_generation(soci::session& sql);

// Feedback widget answers and smart-link clicks.
struct FeedbackEntry {
  std::string service_id, page, answer, detail;
  int rating = 0;
};
void record_feedback(Database& db, const FeedbackEntry& f);
struct FeedbackStats {
  std::int64_t count = 0;
  double average = 0;
  std::map<int, std::int64_t> by_rating;
};
FeedbackStats feedback_stats(Database& db, const std::string& service_id);
void record_click(Database& db, const std::string& service_id, const std::string& ente_id);
std::int64_t click_count(Database& db, const std::string& service_id, const std::string& ente_id);

}  // namespace au::store
