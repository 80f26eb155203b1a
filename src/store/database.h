// One data-access path for SQLite (embedded, default) and PostgreSQL (shared, for scale).
//
// Contract: Database owns a pool of SOCI sessions opened from a database URL
// ("sqlite:PATH" or "postgresql://user@host:port/db?..."). acquire() lends a session for the
// duration of one unit of work (RAII). SQL written by callers must be accepted by both engines
// (":name" placeholders, INSERT ... ON CONFLICT, RETURNING); the few engine-specific fragments
// go through dialect() so they live in one place.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace soci { class session; class connection_pool; }

namespace au::store {

enum class Engine { Sqlite, Postgresql };

struct DatabaseUrl {
  Engine engine = Engine::Sqlite;
  std::string connect_string;  // SOCI backend connection string
  std::string redacted;        // for logs: no password
  std::string sqlite_path;     // SQLite only
  // PRAGMA synchronous: FULL fsyncs the WAL at every commit, so a committed transaction
  // survives a power loss (NORMAL only survives a crash of the process). OFF, NORMAL, FULL, EXTRA.
  std::string sqlite_synchronous = "FULL";
};

// Throws std::invalid_argument with an Italian message for an unsupported or malformed URL.
DatabaseUrl parse_database_url(const std::string& url);

class Database;

class Session {
 public:
  Session(Database& db, std::size_t slot);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  soci::session& operator*() { return *sql_; }
  soci::session* operator->() { return sql_; }

 private:
  Database& db_;
  std::size_t slot_;
  soci::session* sql_;
};

class Database {
 public:
  Database(const DatabaseUrl& url, std::size_t pool_size);
  ~Database();
  Engine engine() const { return url_.engine; }
  const DatabaseUrl& url() const { return url_; }
  Session acquire();

  // Engine-specific SQL fragments.
  std::string auto_id_column() const;  // surrogate integer primary key column definition

 private:
  friend class Session;
  DatabaseUrl url_;
  std::unique_ptr<soci::connection_pool> pool_;
  std::size_t size_;
};

// Current UTC time as ISO 8601 ("2026-11-27T10:15:00Z"), the format stored in every *_at column.
std::string now_iso8601();

}  // namespace au::store
