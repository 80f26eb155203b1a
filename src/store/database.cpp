#include "store/database.h"

#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace au::store {

namespace {

// When another connection holds SQLite's write lock. SQLite's own handler (busy_timeout) sleeps
// 1, 2, 5, 10 ... up to 100 ms between tries: with several threads of one process taking turns
// at the single writer (the notification workers commit every few milliseconds), most of their
// time went into those sleeps. This one tries again after 50 µs, doubling up to 2 ms, and gives
// up (SQLITE_BUSY) after about 10 s, like busy_timeout=10000.
int retry_soon(void*, int tries) {
  constexpr int kDoublings = 5;          // 50 µs .. 1.6 ms
  constexpr int kMaxTries = 5'000;       // then ~2 ms each: ~10 s in all
  if (tries >= kMaxTries) return 0;
  const auto wait = std::chrono::microseconds(tries < kDoublings ? 50 << tries : 2'000);
  std::this_thread::sleep_for(wait);
  return 1;
}

std::string redact_password(const std::string& url) {
  // postgresql://user:secret@host -> postgresql://user:***@host
  auto scheme_end = url.find("://");
  auto at = url.find('@');
  if (scheme_end == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string conninfo_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// URI components are percent-encoded ("options=-csearch_path%3Dx", passwords with '@').
std::string uri_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// postgresql://user:pass@host:port/db?k=v -> "host='..' port='..' user='..' dbname='..' k='v'".
// SOCI's backend mangles URI-form strings, so they are converted to libpq keyword form here.
std::string postgres_conninfo(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string userinfo, hostport = rest, db;
  if (auto slash = hostport.find('/'); slash != std::string::npos) {
    db = hostport.substr(slash + 1);
    hostport = hostport.substr(0, slash);
  }
  if (auto at = hostport.rfind('@'); at != std::string::npos) {
    userinfo = hostport.substr(0, at);
    hostport = hostport.substr(at + 1);
  }
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) out += (out.empty() ? "" : " ") + uri_decode(k) + "=" + conninfo_value(uri_decode(v));
  };
  std::string host = hostport, port;
  if (auto colon = hostport.rfind(':'); colon != std::string::npos && hostport.find(']') == std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  add("host", host);
  add("port", port);
  if (auto colon = userinfo.find(':'); colon != std::string::npos) {
    add("user", userinfo.substr(0, colon));
    add("password", userinfo.substr(colon + 1));
  } else {
    add("user", userinfo);
  }
  add("dbname", db);
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (auto eq = kv.find('='); eq != std::string::npos) add(kv.substr(0, eq), kv.substr(eq + 1));
    start = amp == std::string::npos ? query.size() : amp + 1;
  }
  return out;
}

}  // namespace

DatabaseUrl parse_database_url(const std::string& url) {
  DatabaseUrl out;
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // tolerate sqlite://path
    if (path.empty()) throw std::invalid_argument("URL del database SQLite senza percorso: " + url);
    out.engine = Engine::Sqlite;
    out.sqlite_path = path;
    // SOCI's sqlite3 backend takes "db=PATH"; quote it so spaces survive. Its timeout is replaced
    // by retry_soon once the session is open.
    out.connect_string = "db=\"" + path + "\" timeout=10 shared_cache=false";
    out.redacted = url;
    return out;
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    out.engine = Engine::Postgresql;
    out.connect_string = postgres_conninfo(url);
    out.redacted = redact_password(url);
    return out;
  }
  throw std::invalid_argument("URL del database non supportato (usa sqlite:PERCORSO o postgresql://...): " +
                              redact_password(url));
}

Database::Database(const DatabaseUrl& url, std::size_t pool_size)
    : url_(url), pool_(std::make_unique<soci::connection_pool>(pool_size)), size_(pool_size) {
  if (url_.engine == Engine::Sqlite) {
    // Spliced into a PRAGMA: only the four values SQLite knows.
    for (auto& c : url_.sqlite_synchronous) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto& sync = url_.sqlite_synchronous;
    if (sync != "OFF" && sync != "NORMAL" && sync != "FULL" && sync != "EXTRA")
      throw std::invalid_argument("synchronous di SQLite non valido (OFF, NORMAL, FULL, EXTRA): " + sync);
    auto parent = std::filesystem::path(url_.sqlite_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  for (std::size_t i = 0; i != size_; ++i) {
    soci::session& s = pool_->at(i);
    if (url_.engine == Engine::Sqlite) {
      s.open(*soci::factory_sqlite3(), url_.connect_string);
      // WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
      s << "PRAGMA journal_mode=WAL";
      s << "PRAGMA foreign_keys=ON";
      s << "PRAGMA synchronous=" + url_.sqlite_synchronous;
      auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
      sqlite_api::sqlite3_busy_handler(backend->conn_, retry_soon, nullptr);
    } else {
      s.open(*soci::factory_postgresql(), url_.connect_string);
      s << "SET client_min_messages TO WARNING";
    }
  }
}

Database::~Database() = default;

Session Database::acquire() { return Session(*this, pool_->lease()); }

std::string Database::auto_id_column() const {
  return url_.engine == Engine::Sqlite ? "id INTEGER PRIMARY KEY AUTOINCREMENT"
                                       : "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
}

Session::Session(Database& db, std::size_t slot) : db_(db), slot_(slot), sql_(&db.pool_->at(slot)) {}
Session::~Session() { db_.pool_->give_back(slot_); }

std::string now_iso8601() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace au::store
