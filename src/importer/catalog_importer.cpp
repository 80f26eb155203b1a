#include "importer/catalog_importer.h"

#include <soci/soci.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "domain/catalog_json.h"
#include "importer/import_sources.h"

namespace au::importer {

ImportError::ImportError(const std::string& f, const std::string& r, const std::string& fi,
                         const std::string& problem)
    : std::runtime_error(f + (r.empty() ? "" : ": record " + r) + (fi.empty() ? "" : ", campo \"" + fi + "\"") +
                         ": " + problem),
      file(f),
      record(r),
      field(fi) {}

bool ImportReport::ok() const {
  for (const auto& u : units)
    if (!u.error.empty()) return false;
  return true;
}

int ImportReport::changed() const {
  int n = 0;
  for (const auto& u : units) n += u.counts.changed();
  return n;
}

namespace {

store::WriteCounts write_batch(store::Database& db, const Batch& batch) {
  store::WriteCounts counts;
  auto s = db.acquire();
  soci::transaction tx(*s);
  for (std::size_t i = 0; i < batch.terms.size(); ++i)
    counts.add(store::upsert_term(*s, batch.terms[i], static_cast<int>(i)));
  for (const auto& e : batch.enti) counts.add(store::upsert_ente(*s, e));
  for (const auto& svc : batch.services) counts.add(store::upsert_service(*s, svc));
  for (const auto& v : batch.variants) counts.add(store::upsert_variant(*s, v));
  for (const auto& d : batch.documents) counts.add(store::upsert_document(*s, d));
  if (counts.changed() > 0) store::bump_generation(*s);
  tx.commit();
  return counts;
}

}  // namespace

ImportReport import_directory(store::Database& db, const std::filesystem::path& dir, const Progress& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  if (!std::filesystem::is_directory(dir)) throw std::runtime_error("cartella non trovata: " + dir.string());
  ImportReport report;
  SourceContext ctx;
  ctx.dir = dir;
  for (const auto& unit : import_units()) {
    UnitReport r;
    r.unit = unit.name;
    try {
      say("importazione di " + unit.name + " ...");
      Batch batch = unit.parse(ctx);
      r.counts = write_batch(db, batch);
      remember(ctx, batch);
      say("  " + unit.name + ": " + std::to_string(r.counts.inserted) + " nuovi, " +
          std::to_string(r.counts.updated) + " aggiornati, " + std::to_string(r.counts.unchanged) +
          " invariati");
    } catch (const ImportError& e) {
      r.error = e.what();
    } catch (const std::exception& e) {
      // Anything else (an SQL constraint, I/O) still names the unit; the transaction rolled back.
      r.error = unit.name + ": " + e.what();
    }
    if (!r.error.empty()) say("  RIFIUTATO (nulla è stato scritto da questo file): " + r.error);
    report.units.push_back(std::move(r));
  }
  return report;
}

}  // namespace au::importer
