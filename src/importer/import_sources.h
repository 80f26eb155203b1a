// The known source files of `import` and how each becomes catalogue records (internal to the
// importer; catalog_importer.h is the public entry point).
//
// Each ImportUnit parses one source (a file, or a file with its editorial companion) into a
// Batch, validating every record against what earlier units produced (SourceContext), and
// throws ImportError at the first problem. Units run in the order import_units() gives.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/catalog.h"
#include "store/catalog_repository.h"

namespace au::importer {

struct Batch {
  std::vector<domain::VocabularyTerm> terms;
  std::vector<domain::Ente> enti;
  std::vector<domain::Service> services;
  std::vector<domain::ServiceVariant> variants;
  std::vector<store::StoredDocument> documents;
};

struct SourceContext {
  std::filesystem::path dir;
  std::map<std::string, std::set<std::string>> codes;     // vocabulary -> known codes
  std::map<std::string, std::string> topic_by_label;       // Modello Comuni argomento label -> code
  std::map<std::string, std::string> comune_by_key;        // name slug or cadastral code -> ente id
  std::set<std::string> ente_ids;
  std::map<std::string, domain::Service> card_services;     // regional card object -> service
  std::set<std::string> service_ids;
};

struct ImportUnit {
  std::string name;
  std::function<Batch(const SourceContext&)> parse;
};

const std::vector<ImportUnit>& import_units();
void remember(SourceContext& ctx, const Batch& batch);

}  // namespace au::importer
