// `accesso-unico audit verify` on a private SQLite database: exit 0 on an intact history;
// exit 3 naming the record when one is altered, removed or the chain's tail is cut.
#include <gtest/gtest.h>

#include <soci/soci.h>

#include <filesystem>

#include "identity/hash_chain.h"
#include "server_fixture.h"
#include "store/migrations.h"
#include "store/practice_repository.h"

namespace au::test {
namespace {

namespace fs = std::filesystem;

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("au-audit-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "db.sqlite").string();
    store::Database db(store::parse_database_url(url_), 1);
    store::apply_migrations(db, store::load_migrations(fs::path(AU_SOURCE_DIR) / "migrations"));
    store::AppendRequest req;
    store::PracticeRecord p;
    p.id = "pr-audit";
    p.ente_id = "comune-054039";
    p.service_id = "svc";
    p.title = "Pratica";
    p.client_id = "vbg";
    p.backoffice_system = "VBG";
    p.backoffice_ref = "R-1";
    p.applicant = "RSSMRA85C52G478I";
    p.opened_at = p.updated_at = "2026-11-27T10:00:00Z";
    p.status = "in-corso";
    req.open = p;
    for (int i = 1; i <= 5; ++i) {
      store::NewEvent e;
      e.source = "urn:test";
      e.event_id = "e" + std::to_string(i);
      e.type = "it.umbria.accessounico.pratica.messaggio";
      e.event_time = "2026-11-2" + std::to_string(i) + "T10:00:00Z";
      e.event_time_ms = i;
      e.client_id = "vbg";
      e.document = R"({"data":{"text":"nota )" + std::to_string(i) + R"("}})";
      req.events.push_back(e);
    }
    store::AppendHooks hooks;
    hooks.chain_hash = [](std::int64_t s, const std::string& prev, const std::string& payload) {
      return identity::chain_hash(s, prev, payload);
    };
    store::append_batch(db, {req}, hooks);
  }
  void TearDown() override { fs::remove_all(dir_); }

  int verify(std::string& out) { return run_and_capture({AU_BINARY, "--log-level", "error", "--database", url_, "audit", "verify"}, out); }
  void sql(const std::string& statement) {
    store::Database db(store::parse_database_url(url_), 1);
    auto s = db.acquire();
    *s << statement;
  }

  static inline int counter_ = 0;
  fs::path dir_;
  std::string url_;
};

TEST_F(AuditCli, IntactHistoryExitsZero) {
  std::string out;
  EXPECT_EQ(verify(out), 0) << out;
  EXPECT_NE(out.find("storico integro: 5 eventi"), std::string::npos) << out;
}

TEST_F(AuditCli, AlteredRecordIsNamed) {
  sql("UPDATE practice_events SET document = REPLACE(document, 'nota 3', 'nota X') WHERE sequence = 3");
  std::string out;
  EXPECT_EQ(verify(out), 3) << out;
  EXPECT_NE(out.find("record 3: altered"), std::string::npos) << out;
}

TEST_F(AuditCli, RemovedRecordIsNamed) {
  sql("DELETE FROM practice_events WHERE sequence = 2");
  std::string out;
  EXPECT_EQ(verify(out), 3) << out;
  EXPECT_NE(out.find("record 2: missing"), std::string::npos) << out;
}

TEST_F(AuditCli, ReorderedRecordsAreNamed) {
  // Swap the contents of records 2 and 4 (keeping their sequence numbers): both are reported.
  sql("UPDATE practice_events SET event_id = 'tmp' WHERE sequence = 2");
  sql("UPDATE practice_events SET event_id = 'e2' WHERE sequence = 4");
  sql("UPDATE practice_events SET event_id = 'e4' WHERE sequence = 2");
  std::string out;
  EXPECT_EQ(verify(out), 3) << out;
  EXPECT_NE(out.find("record 2: altered"), std::string::npos) << out;
  EXPECT_NE(out.find("record 4: altered"), std::string::npos) << out;
}

TEST_F(AuditCli, CutTailIsDetectedThroughTheAnchoredHead) {
  sql("DELETE FROM practice_events WHERE sequence = 5");
  std::string out;
  EXPECT_EQ(verify(out), 3) << out;
  EXPECT_NE(out.find("record 5"), std::string::npos) << out;
}

}  // namespace
}  // namespace au::test
