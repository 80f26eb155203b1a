// Search at national scale: the project's Xapian index (au::search::SearchIndex) against
// PostgreSQL 15 full-text search on the same synthetic national catalogue.
//
// The catalogue is the real one (loaded from an imported database with store::load_snapshot)
// with its comuni replaced by `--comuni N` generated ones (default 7,900, about Italy's count).
// Generated comune i copies the local variants of real comune (i mod 92), so the share of
// services with local texts is Umbria's. Documents come from app::search_documents(), the
// function the server indexes with, so the documents are exactly what `serve` would index.
// Everything is deterministic: same database, same flags -> same documents and queries.
//
// Three commands, run as separate processes so that time and memory are measured honestly (the
// two builds may run at the same time, one per core):
//   search_scale build-xapian --database URL --index DIR [--comuni N]
//       builds the Xapian index with SearchIndex::rebuild (timed: wall and CPU time, peak RSS).
//   search_scale build-pg --database URL --pg CONNINFO [--comuni N]
//       loads the same documents into PostgreSQL (COPY into a table whose tsvector is a stored
//       generated column, then the GIN index); wall time and the backend's CPU time.
//   search_scale query --index DIR [--pg CONNINFO] [--queries 2000] [--queries-all 2000]
//                      [--threads 1,2]
//       opens the built index and runs the fixed query set in the same client loop against
//       each engine; reports p50/p99/mean latency and queries/s, and the RSS of this process.
// Output is Markdown (tables), written to stdout, plus "KEY value" lines prefixed with '@' that
// bench/run.sh reads (RSS figures, timings).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/application.h"
#include "domain/catalog_snapshot.h"
#include "search/search_index.h"
#include "store/catalog_repository.h"
#include "store/database.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Process memory, from /proc/self/status (kB).
long proc_status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':') {
      return std::strtol(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

double cpu_seconds_self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU time (user + system) of another process on this machine, from /proc/PID/stat.
double cpu_seconds_of(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
  for (int f = 3; f <= 15 && rest >> field; ++f) {
    if (f == 14) utime = std::stod(field);
    if (f == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint64_t dir_bytes(const fs::path& p) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The synthetic national catalogue.

// Italian place-name parts; combined by index so names are unique and deterministic.
const char* const kPrefixes[] = {"San", "Santa", "Monte", "Castel", "Borgo", "Villa", "Colle",
                                 "Poggio", "Ponte", "Rocca", "Torre", "Casale", "Pieve", "Serra",
                                 "Valle", "Fonte"};
const char* const kStems[] = {"Giovanni", "Martino", "Lorenzo", "Vito", "Pietro", "Marco",
                              "Croce", "Nuovo", "Vecchio", "Alto", "Verde", "Rotondo", "Franco",
                              "Fiorito", "Bianco", "Rosso"};
const char* const kSuffixes[] = {"", " in Valle", " sul Mare", " di Sopra", " di Sotto",
                                 " al Piano", " Marittimo", " Scalo", " Terme", " d'Arda",
                                 " sull'Oglio", " Ligure", " Irpino", " Calabro", " Veneto",
                                 " in Chianti"};

std::string comune_name(std::size_t i) {
  const std::size_t p = std::size(kPrefixes), s = std::size(kStems), x = std::size(kSuffixes);
  char num[32];
  std::snprintf(num, sizeof num, " %05zu", i + 1);
  return std::string(kPrefixes[i % p]) + " " + kStems[(i / p) % s] + kSuffixes[(i / (p * s)) % x] +
         num;
}

std::shared_ptr<const au::domain::CatalogSnapshot> national_catalogue(
    const au::domain::CatalogSnapshot& real, std::size_t n_comuni) {
  using au::domain::Ente;
  using au::domain::EnteKind;
  std::vector<Ente> enti;
  std::vector<const Ente*> templates;
  for (const auto& e : real.enti()) {
    if (e.kind == EnteKind::Comune) {
      templates.push_back(&e);
    } else {
      enti.push_back(e);
    }
  }
  if (templates.empty()) throw std::runtime_error("the database has no comuni: import data/ first");
  if (n_comuni > 99999) throw std::invalid_argument("--comuni: at most 99999 (5-digit codes)");
  std::sort(templates.begin(), templates.end(), [](auto* a, auto* b) { return a->id < b->id; });

  std::multimap<std::string, const au::domain::ServiceVariant*> variants_of;  // by ente id
  for (const auto& v : real.variants()) variants_of.emplace(v.ente_id, &v);

  std::vector<au::domain::ServiceVariant> variants;
  for (std::size_t i = 0; i < n_comuni; ++i) {
    const Ente& tpl = *templates[i % templates.size()];
    Ente c = tpl;
    char code[32];
    std::snprintf(code, sizeof code, "9%05zu", i + 1);
    c.id = std::string("comune-") + code;
    c.istat_code = code;
    c.name = comune_name(i);
    c.slug = "comune-" + std::string(code + 1);
    enti.push_back(c);
    auto [b, e] = variants_of.equal_range(tpl.id);
    for (auto it = b; it != e; ++it) {
      au::domain::ServiceVariant v = *it->second;
      v.ente_id = c.id;
      variants.push_back(std::move(v));
    }
  }
  return std::make_shared<const au::domain::CatalogSnapshot>(real.generation(), std::move(enti),
                                                             real.services(), std::move(variants),
                                                             real.terms());
}

// ---------------------------------------------------------------------------------------------
// The fixed query set: what people type into a comune or regional portal, with accents left
// out, elisions, misspellings and a few comune-specific searches.
const std::vector<std::string>& queries() {
  static const std::vector<std::string> q = {
      "carta d'identità",         "carta identita elettronica", "cie",
      "residenza",                "cambio di residenza",        "cambio indirizzo",
      "tari",                     "tassa rifiuti",              "imu",
      "passo carrabile",          "certificato anagrafico",     "certificati anagrafici",
      "certificato di residenza", "stato di famiglia",          "autorizazione",
      "autorizzazione unica ambientale", "aua",                 "scia",
      "scia edilizia",            "permesso di costruire",      "cambio destinazione d'uso",
      "autorizzazione paesaggistica", "emissioni in atmosfera", "occupazione suolo pubblico",
      "matrimonio",               "pubblicazioni di matrimonio", "separazione",
      "divorzio",                 "nascita",                    "dichiarazione di nascita",
      "testamento biologico",     "tessera elettorale",         "scrutatori",
      "presidente di seggio",     "asilo nido",                 "mensa scolastica",
      "trasporto scolastico",     "ztl",                        "contrassegno disabili",
      "parcheggio disabili",      "accesso agli atti",          "accesso civico",
      "autentica firma",          "acconciatore",               "parrucchiere",
      "licenza di pesca",         "caccia cinghiale",           "fascicolo sanitario",
      "certifcato resdenza",      "nell'anagrafe",              "carta d'identità San Martino",
      "tari Monte Verde",
  };
  return q;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL helpers (libpq).

struct PgConn {
  PGconn* c = nullptr;
  explicit PgConn(const std::string& conninfo) : c(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error("postgresql: " + msg);
    }
  }
  ~PgConn() { PQfinish(c); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  void exec(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const auto st = PQresultStatus(r);
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error("postgresql: " + err);
  }
  std::string value(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
      std::string err = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("postgresql: " + err);
    }
    std::string v = PQgetvalue(r, 0, 0);
    PQclear(r);
    return v;
  }
};

// COPY text format escaping.
void copy_escape(std::string& out, const std::string& s) {
  for (char ch : s) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += ch;
    }
  }
}

// The text PostgreSQL indexes for a document: the same fields Xapian indexes (title, summary,
// keywords, body), in one `body` column beside `title`.
std::string pg_body(const au::search::SearchDoc& d) {
  std::string b = d.summary;
  for (const auto& k : d.keywords) b += "\n" + k;
  b += "\n" + d.body;
  return b;
}

struct PgLoadTimes {
  double copy_s = 0, index_s = 0, backend_cpu_s = 0;
  std::uint64_t table_bytes = 0, index_bytes = 0;
};

PgLoadTimes pg_load(const std::string& conninfo, const std::vector<au::search::SearchDoc>& docs) {
  PgConn pg(conninfo);
  pg.exec("DROP TABLE IF EXISTS docs");
  // The tsvector is a stored generated column (to_tsvector('italian', title || ' ' || body)):
  // the usual production layout, and it lets ts_rank read the vector instead of re-parsing the
  // text of every match.
  pg.exec(
      "CREATE TABLE docs (id text PRIMARY KEY, kind text NOT NULL, title text NOT NULL, "
      "body text NOT NULL, tsv tsvector GENERATED ALWAYS AS "
      "(to_tsvector('italian', title || ' ' || body)) STORED)");
  PgLoadTimes t;
  // The server runs on this machine: its backend's CPU time is read from /proc.
  const long backend = std::stol(pg.value("SELECT pg_backend_pid()"));
  const double backend_cpu0 = cpu_seconds_of(backend);
  const auto t0 = Clock::now();
  PGresult* r = PQexec(pg.c, "COPY docs (id, kind, title, body) FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("postgresql COPY: " + err);
  }
  PQclear(r);
  std::string buf;
  for (const auto& d : docs) {
    copy_escape(buf, d.doc_id);
    buf += '\t';
    buf += d.doc_id.starts_with("var:") ? "var" : "main";
    buf += '\t';
    copy_escape(buf, d.title);
    buf += '\t';
    copy_escape(buf, pg_body(d));
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      if (PQputCopyData(pg.c, buf.data(), static_cast<int>(buf.size())) != 1) {
        throw std::runtime_error(std::string("postgresql COPY: ") + PQerrorMessage(pg.c));
      }
      buf.clear();
    }
  }
  if (!buf.empty() && PQputCopyData(pg.c, buf.data(), static_cast<int>(buf.size())) != 1) {
    throw std::runtime_error(std::string("postgresql COPY: ") + PQerrorMessage(pg.c));
  }
  if (PQputCopyEnd(pg.c, nullptr) != 1) throw std::runtime_error(PQerrorMessage(pg.c));
  r = PQgetResult(pg.c);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("postgresql COPY: " + err);
  }
  PQclear(r);
  while ((r = PQgetResult(pg.c)) != nullptr) PQclear(r);
  t.copy_s = seconds_since(t0);

  const auto t1 = Clock::now();
  pg.exec("SET maintenance_work_mem = '512MB'");
  pg.exec("CREATE INDEX docs_tsv ON docs USING gin (tsv)");
  pg.exec("CREATE INDEX docs_kind ON docs (kind)");
  pg.exec("VACUUM ANALYZE docs");
  t.index_s = seconds_since(t1);
  t.backend_cpu_s = cpu_seconds_of(backend) - backend_cpu0;
  t.table_bytes = std::stoull(pg.value("SELECT pg_table_size('docs')"));
  t.index_bytes = std::stoull(pg.value("SELECT pg_indexes_size('docs')"));
  return t;
}

// ---------------------------------------------------------------------------------------------
// The client loop shared by both engines: `total` queries taken in a fixed order from the query
// set, spread over `threads` threads (each with its own engine handle), one latency per query.

struct RunResult {
  std::vector<double> latencies_ms;
  double wall_s = 0;
  // CPU time spent per query by this process (all threads) plus the engine's server processes
  // (PostgreSQL backends): unlike latency, it does not depend on what else shares the cores.
  double cpu_us_per_query = 0;
  std::uint64_t zero_hit_queries = 0;
};

// An engine handle answers one query and returns how many hits it got. `server_pid` is the
// process doing the work on the engine's side, if not this one (a PostgreSQL backend).
struct Searcher {
  std::function<std::size_t(const std::string&)> search;
  long server_pid = 0;
};
using SearcherFactory = std::function<Searcher()>;

RunResult run_queries(const SearcherFactory& make, std::size_t total, unsigned threads) {
  const auto& qs = queries();
  std::vector<Searcher> searchers;
  for (unsigned t = 0; t < threads; ++t) searchers.push_back(make());
  // Warm-up: every query once per handle, untimed (caches, prepared statements).
  for (auto& s : searchers) {
    for (const auto& q : qs) s.search(q);
  }
  const auto servers_cpu = [&searchers] {
    double sum = 0;
    for (const auto& s : searchers) sum += s.server_pid ? cpu_seconds_of(s.server_pid) : 0;
    return sum;
  };
  RunResult out;
  out.latencies_ms.resize(total);
  std::vector<std::size_t> hits(total);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;
  const double cpu0 = cpu_seconds_self() + servers_cpu();
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        for (std::size_t i; (i = next.fetch_add(1)) < total;) {
          const auto q0 = Clock::now();
          hits[i] = searchers[t].search(qs[i % qs.size()]);
          out.latencies_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - q0).count();
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(failure_mu);
        failure = e.what();
        failed = true;
        next = total;
      }
    });
  }
  for (auto& th : pool) th.join();
  out.wall_s = seconds_since(t0);
  out.cpu_us_per_query = (cpu_seconds_self() + servers_cpu() - cpu0) * 1e6 / static_cast<double>(total);
  if (failed) throw std::runtime_error(failure);
  // Hit counts per distinct query (from the first pass of the query set).
  for (std::size_t i = 0; i < std::min(total, qs.size()); ++i) out.zero_hit_queries += hits[i] == 0;
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

// ---------------------------------------------------------------------------------------------

struct Args {
  std::string command, database, index, pg;
  std::size_t comuni = 7900, total = 2000, total_all = 2000;
  std::vector<unsigned> threads = {1, 2};
};

Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) throw std::invalid_argument("usage: search_scale build-xapian|build-pg|query [options]");
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + k);
      return argv[++i];
    };
    if (k == "--database") a.database = next();
    else if (k == "--index") a.index = next();
    else if (k == "--pg") a.pg = next();
    else if (k == "--comuni") a.comuni = std::stoul(next());
    else if (k == "--queries") a.total = std::stoul(next());
    else if (k == "--queries-all") a.total_all = std::stoul(next());
    else if (k == "--threads") {
      a.threads.clear();
      std::stringstream ss(next());
      for (std::string t; std::getline(ss, t, ',');) a.threads.push_back(static_cast<unsigned>(std::stoul(t)));
    } else {
      throw std::invalid_argument("unknown option " + k);
    }
  }
  if (a.index.empty() && a.command != "build-pg") throw std::invalid_argument("--index DIR is required");
  return a;
}

// The national documents, exactly as the server would index them.
std::vector<au::search::SearchDoc> national_documents(const Args& a) {
  if (a.database.empty()) throw std::invalid_argument("--database URL is required");
  std::shared_ptr<const au::domain::CatalogSnapshot> real;
  {
    au::store::Database db(au::store::parse_database_url(a.database), 1);
    real = au::store::load_snapshot(db);
  }
  return au::app::search_documents(*national_catalogue(*real, a.comuni));
}

int build_xapian(const Args& a) {
  auto docs = national_documents(a);
  std::uint64_t text_bytes = 0, variants = 0;
  for (const auto& d : docs) {
    text_bytes += d.title.size() + d.summary.size() + d.body.size();
    for (const auto& k : d.keywords) text_bytes += k.size();
    variants += d.doc_id.starts_with("var:");
  }
  const long rss_docs = proc_status_kb("VmRSS");

  fs::remove_all(a.index);
  double build_s = 0, build_cpu = 0;
  {
    au::search::SearchIndex index(a.index);
    const double cpu0 = cpu_seconds_self();
    const auto t0 = Clock::now();
    index.rebuild(docs);
    build_s = seconds_since(t0);
    build_cpu = cpu_seconds_self() - cpu0;
    if (index.size() != docs.size()) throw std::runtime_error("index size differs from the document count");
  }
  const long hwm_build = proc_status_kb("VmHWM");
  std::cout << "@DOCS " << docs.size() << "\n@VARIANTS " << variants << "\n@COMUNI " << a.comuni
            << "\n@TEXT_MB " << fmt(text_bytes / 1048576.0, 0) << "\n@XAPIAN_BUILD_S " << fmt(build_s, 1)
            << "\n@XAPIAN_BUILD_CPU_S " << fmt(build_cpu, 1) << "\n@XAPIAN_INDEX_MB "
            << fmt(dir_bytes(a.index) / 1048576.0, 0) << "\n@BUILD_RSS_DOCS_MB " << fmt(rss_docs / 1024.0, 0)
            << "\n@BUILD_HWM_MB " << fmt(hwm_build / 1024.0, 0) << "\n";
  return 0;
}

int build_pg(const Args& a) {
  if (a.pg.empty()) throw std::invalid_argument("build-pg needs --pg CONNINFO");
  auto docs = national_documents(a);
  const PgLoadTimes t = pg_load(a.pg, docs);
  std::cout << "@PG_DOCS " << docs.size() << "\n@PG_COPY_S " << fmt(t.copy_s, 1) << "\n@PG_INDEX_S "
            << fmt(t.index_s, 1) << "\n@PG_BACKEND_CPU_S " << fmt(t.backend_cpu_s, 1) << "\n@PG_TABLE_MB "
            << fmt(t.table_bytes / 1048576.0, 0) << "\n@PG_INDEX_MB " << fmt(t.index_bytes / 1048576.0, 0)
            << "\n";
  return 0;
}

int query(const Args& a) {
  const long rss_start = proc_status_kb("VmRSS");
  au::search::SearchIndex index(a.index);
  const std::uint64_t ndocs = index.size();
  const long rss_open = proc_status_kb("VmRSS");

  struct Mode {
    const char* name;
    bool variants;
  };
  const Mode modes[] = {{"portal default (variants hidden)", false},
                        {"all documents (include_variants)", true}};

  std::cout << "| engine | documents searched | threads | queries | q/s | p50 ms | p99 ms | mean ms | "
               "max ms | CPU/query µs | zero-hit queries (of "
            << queries().size() << ") |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::map<std::string, double> p99;
  for (const auto& m : modes) {
    for (unsigned th : a.threads) {
      struct Engine {
        std::string name;
        SearcherFactory make;
      };
      std::vector<Engine> engines;
      engines.push_back({"Xapian (SearchIndex::search)", [&index, &m]() -> Searcher {
                           return {[&index, &m](const std::string& text) {
                                     au::search::SearchQuery q;
                                     q.text = text;
                                     q.include_variants = m.variants;
                                     return index.search(q).hits.size();
                                   },
                                   0};
                         }});
      if (!a.pg.empty()) {
        engines.push_back({"PostgreSQL 15 FTS", [&a, &m]() -> Searcher {
                             auto conn = std::make_shared<PgConn>(a.pg);
                             const std::string sql = std::string(
                                 "SELECT id, title, ts_rank(tsv, q) AS rank FROM docs, "
                                 "plainto_tsquery('italian', $1) q WHERE tsv @@ q") +
                                 (m.variants ? "" : " AND kind = 'main'") +
                                 " ORDER BY rank DESC LIMIT 10";
                             PGresult* r = PQprepare(conn->c, "search", sql.c_str(), 1, nullptr);
                             if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                               std::string err = PQresultErrorMessage(r);
                               PQclear(r);
                               throw std::runtime_error("postgresql prepare: " + err);
                             }
                             PQclear(r);
                             const long backend = std::stol(conn->value("SELECT pg_backend_pid()"));
                             return {[conn](const std::string& text) -> std::size_t {
                               const char* params[1] = {text.c_str()};
                               PGresult* res = PQexecPrepared(conn->c, "search", 1, params, nullptr, nullptr, 0);
                               if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                                 std::string err = PQresultErrorMessage(res);
                                 PQclear(res);
                                 throw std::runtime_error("postgresql query: " + err);
                               }
                               // Copy every row out, as the portal would.
                               const int n = PQntuples(res);
                               std::vector<std::pair<std::string, std::string>> rows;
                               for (int i = 0; i < n; ++i) rows.emplace_back(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
                               PQclear(res);
                               return rows.size();
                             },
                             backend};
                           }});
      }
      for (const auto& e : engines) {
        const RunResult r = run_queries(e.make, m.variants ? a.total_all : a.total, th);
        const double mean =
            std::accumulate(r.latencies_ms.begin(), r.latencies_ms.end(), 0.0) / r.latencies_ms.size();
        const double p = percentile(r.latencies_ms, 99);
        p99[e.name + "/" + m.name + "/" + std::to_string(th)] = p;
        std::cout << "| " << e.name << " | " << (m.variants ? thousands(ndocs) : "main only (57) of " + thousands(ndocs))
                  << " — " << m.name << " | " << th << " | " << r.latencies_ms.size() << " | "
                  << thousands(static_cast<std::uint64_t>(r.latencies_ms.size() / r.wall_s)) << " | "
                  << fmt(percentile(r.latencies_ms, 50), 2) << " | " << fmt(p, 2) << " | " << fmt(mean, 2)
                  << " | " << fmt(*std::max_element(r.latencies_ms.begin(), r.latencies_ms.end()), 1)
                  << " | " << fmt(r.cpu_us_per_query, 0) << " | " << r.zero_hit_queries << " |\n";
        std::cout.flush();
      }
    }
  }
  std::cout << "\n";
  for (const auto& [k, v] : p99) std::cout << "@P99 " << k << " " << fmt(v, 2) << "\n";
  std::cout << "@QUERY_SET " << queries().size() << "\n@QUERY_DOCS " << ndocs << "\n@QUERY_RSS_START_MB " << fmt(rss_start / 1024.0, 0)
            << "\n@QUERY_RSS_OPEN_MB " << fmt(rss_open / 1024.0, 0) << "\n@QUERY_RSS_AFTER_MB "
            << fmt(proc_status_kb("VmRSS") / 1024.0, 0) << "\n@QUERY_HWM_MB "
            << fmt(proc_status_kb("VmHWM") / 1024.0, 0) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv);
    if (a.command == "build-xapian") return build_xapian(a);
    if (a.command == "build-pg") return build_pg(a);
    if (a.command == "query") return query(a);
    throw std::invalid_argument("unknown command " + a.command);
  } catch (const std::exception& e) {
    std::cerr << "search_scale: " << e.what() << "\n";
    return 1;
  }
}
