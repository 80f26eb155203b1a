// `accesso-unico import DIR`: loads the bundled open data and the editorial cards into the
// catalogue.
//
// Contract: the directory is read as a set of known files (data/README.md lists them). Each
// source file (or pair of files that only make sense together) is one unit: it is parsed and
// validated whole, then written in one transaction. A malformed unit is rejected with an
// ImportError naming file, record and field, and nothing from it is written; the other units
// still run. Re-running on unchanged data changes nothing (content hashes) and says so.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/catalog_repository.h"
#include "store/database.h"

namespace au::importer {

struct ImportError : std::runtime_error {
  ImportError(const std::string& file, const std::string& record, const std::string& field,
              const std::string& problem);
  std::string file, record, field;
};

struct UnitReport {
  std::string unit;        // e.g. "comuni/comuni_umbria.csv"
  store::WriteCounts counts;
  std::string error;       // empty when the unit was written
};

struct ImportReport {
  std::vector<UnitReport> units;
  bool ok() const;
  int changed() const;
};

using Progress = std::function<void(const std::string& line)>;

ImportReport import_directory(store::Database& db, const std::filesystem::path& dir,
                              const Progress& progress = {});

}  // namespace au::importer
