#include "store/migrations.h"

#include <soci/soci.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace au::store {

namespace {

std::set<int> applied_versions(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
         "name TEXT NOT NULL, applied_at TEXT NOT NULL)";
  std::set<int> out;
  soci::rowset<int> rows = (sql.prepare << "SELECT version FROM schema_migrations");
  for (int v : rows) out.insert(v);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

std::vector<Migration> load_migrations(const std::filesystem::path& dir) {
  std::vector<Migration> out;
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error("cartella delle migrazioni non trovata: " + dir.string());
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sql") continue;
    std::string stem = entry.path().stem().string();
    auto underscore = stem.find('_');
    if (underscore == std::string::npos) continue;
    Migration m;
    m.version = std::stoi(stem.substr(0, underscore));
    m.name = stem.substr(underscore + 1);
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    m.sql = ss.str();
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

std::vector<std::string> migration_statements(const Database& db, const std::string& sql) {
  std::string text = replace_all(sql, "{{AUTO_ID}}", db.auto_id_column());
  std::vector<std::string> out;
  std::string current;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    current += line;
    current += '\n';
    auto last = line.find_last_not_of(" \t\r");
    if (last != std::string::npos && line[last] == ';') {
      current.erase(current.find_last_of(';'));
      out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

int pending_migrations(Database& db, const std::vector<Migration>& migrations) {
  auto s = db.acquire();
  auto done = applied_versions(*s);
  return static_cast<int>(std::count_if(migrations.begin(), migrations.end(),
                                        [&](const Migration& m) { return !done.count(m.version); }));
}

int apply_migrations(Database& db, const std::vector<Migration>& migrations) {
  auto s = db.acquire();
  auto done = applied_versions(*s);
  int applied = 0;
  for (const auto& m : migrations) {
    if (done.count(m.version)) continue;
    soci::transaction tx(*s);
    for (const auto& stmt : migration_statements(db, m.sql)) *s << stmt;
    std::string now = now_iso8601();
    *s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
        soci::use(m.version), soci::use(m.name), soci::use(now);
    tx.commit();
    ++applied;
  }
  return applied;
}

}  // namespace au::store
