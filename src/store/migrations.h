// Versioned schema migrations: migrations/NNNN_name.sql, applied in order, each in a transaction.
//
// Contract: apply_migrations() creates schema_migrations if missing, applies every file whose
// version is not recorded yet, and returns how many it applied. A failing migration rolls back
// and throws; nothing after it runs. Statements in a file are separated by ";" at end of line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/database.h"

namespace au::store {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

std::vector<Migration> load_migrations(const std::filesystem::path& dir);
// Splits a migration into statements and substitutes engine placeholders ({{AUTO_ID}}).
std::vector<std::string> migration_statements(const Database& db, const std::string& sql);
int apply_migrations(Database& db, const std::vector<Migration>& migrations);
int pending_migrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace au::store
