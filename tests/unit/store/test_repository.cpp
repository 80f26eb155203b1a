// The store on the engine under test: SQLite in a temporary file, or the PostgreSQL database
// named by AU_TEST_DATABASE_URL (scripts/run-tests.sh runs this binary on both).
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "domain/catalog_json.h"
#include "store/catalog_repository.h"
#include "store/database.h"
#include "store/migrations.h"

using namespace au;
namespace fs = std::filesystem;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* pg = std::getenv("AU_TEST_DATABASE_URL");
    if (pg && *pg) {
      // A private schema per test keeps PostgreSQL runs independent of each other.
      schema_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
      {
        store::Database admin(store::parse_database_url(pg), 1);
        auto s = admin.acquire();
        *s << "CREATE SCHEMA " + schema_;
      }
      std::string url = std::string(pg) + (std::string(pg).find('?') == std::string::npos ? "?" : "&") +
                        "options=-csearch_path%3D" + schema_;
      db_ = std::make_unique<store::Database>(store::parse_database_url(url), 2);
    } else {
      dir_ = fs::temp_directory_path() / ("au-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
      db_ = std::make_unique<store::Database>(store::parse_database_url("sqlite:" + (dir_ / "db.sqlite").string()), 2);
    }
    migrations_ = store::load_migrations(fs::path(AU_SOURCE_DIR) / "migrations");
    store::apply_migrations(*db_, migrations_);
  }
  void TearDown() override {
    db_.reset();
    if (!schema_.empty()) {
      store::Database admin(store::parse_database_url(std::getenv("AU_TEST_DATABASE_URL")), 1);
      auto s = admin.acquire();
      *s << "DROP SCHEMA " + schema_ + " CASCADE";
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  domain::Ente comune() {
    domain::Ente e;
    e.id = "comune-054039";
    e.slug = "perugia";
    e.kind = domain::EnteKind::Comune;
    e.name = "Perugia";
    e.istat_code = "054039";
    return e;
  }
  domain::Service service() {
    domain::Service s;
    s.id = "rc-prova";
    s.slug = "prova";
    s.title = "Servizio di prova";
    s.summary = "Una prova";
    s.authority = domain::AuthorityKind::EachComune;
    return s;
  }

  static inline int counter_ = 0;
  std::unique_ptr<store::Database> db_;
  std::vector<store::Migration> migrations_;
  fs::path dir_;
  std::string schema_;
};

}  // namespace

TEST_F(StoreTest, MigrationsAreAppliedOnce) {
  EXPECT_EQ(store::pending_migrations(*db_, migrations_), 0);
  EXPECT_EQ(store::apply_migrations(*db_, migrations_), 0);
}

TEST_F(StoreTest, DatabaseUrlsAreParsedAndRedacted) {
  auto u = store::parse_database_url("postgresql://au:segreto@db.example:5433/catalogo?sslmode=require");
  EXPECT_EQ(u.engine, store::Engine::Postgresql);
  EXPECT_EQ(u.redacted.find("segreto"), std::string::npos);
  EXPECT_NE(u.connect_string.find("port='5433'"), std::string::npos);
  EXPECT_NE(u.connect_string.find("sslmode='require'"), std::string::npos);
  EXPECT_THROW(store::parse_database_url("mysql://x"), std::invalid_argument);
  EXPECT_THROW(store::parse_database_url("sqlite:"), std::invalid_argument);
}

TEST_F(StoreTest, UpsertReportsInsertUpdateUnchangedAndBumpsVersion) {
  auto s = db_->acquire();
  EXPECT_EQ(store::upsert_ente(*s, comune()), store::WriteOutcome::Inserted);
  EXPECT_EQ(store::upsert_ente(*s, comune()), store::WriteOutcome::Unchanged);
  auto svc = service();
  EXPECT_EQ(store::upsert_service(*s, svc), store::WriteOutcome::Inserted);
  EXPECT_EQ(store::upsert_service(*s, svc), store::WriteOutcome::Unchanged);
  svc.summary = "Una prova cambiata";
  EXPECT_EQ(store::upsert_service(*s, svc), store::WriteOutcome::Updated);
  store::bump_generation(*s);
  auto snap = store::load_snapshot(*db_);
  ASSERT_NE(snap->service_by_slug("prova"), nullptr);
  EXPECT_EQ(snap->service_by_slug("prova")->version, 2);
  EXPECT_EQ(snap->service_by_slug("prova")->summary, "Una prova cambiata");
  EXPECT_EQ(snap->generation(), 1u);
}

TEST_F(StoreTest, VariantsAndTermsRoundTrip) {
  auto s = db_->acquire();
  store::upsert_ente(*s, comune());
  store::upsert_service(*s, service());
  domain::ServiceVariant v;
  v.service_id = "rc-prova";
  v.ente_id = "comune-054039";
  v.channel_url = "https://example.org/sportello";
  v.cost_cents = 1600;
  EXPECT_EQ(store::upsert_variant(*s, v), store::WriteOutcome::Inserted);
  EXPECT_EQ(store::upsert_variant(*s, v), store::WriteOutcome::Unchanged);
  EXPECT_EQ(store::upsert_term(*s, {"topic", "residenza", "Residenza", "", "residenza"}, 0), store::WriteOutcome::Inserted);
  EXPECT_EQ(store::upsert_term(*s, {"topic", "residenza", "Residenza", "", "residenza"}, 0), store::WriteOutcome::Unchanged);
  auto snap = store::load_snapshot(*db_);
  const auto* loaded = snap->variant("rc-prova", "comune-054039");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->channel_url, "https://example.org/sportello");
  ASSERT_TRUE(loaded->cost_cents.has_value());
  EXPECT_EQ(*loaded->cost_cents, 1600);
  EXPECT_EQ(snap->term_label("topic", "residenza"), "Residenza");
}

TEST_F(StoreTest, ForeignKeysAreEnforced) {
  auto s = db_->acquire();
  domain::ServiceVariant v;
  v.service_id = "non-esiste";
  v.ente_id = "nemmeno";
  EXPECT_ANY_THROW(store::upsert_variant(*s, v));
}

TEST_F(StoreTest, TransactionRollbackWritesNothing) {
  {
    auto s = db_->acquire();
    soci::transaction tx(*s);
    store::upsert_ente(*s, comune());
    // no commit: the destructor rolls back
  }
  auto snap = store::load_snapshot(*db_);
  EXPECT_EQ(snap->ente_by_id("comune-054039"), nullptr);
}

TEST_F(StoreTest, FeedbackAndClicksAreCounted) {
  {
    auto s = db_->acquire();
    store::upsert_ente(*s, comune());
    store::upsert_service(*s, service());
  }
  store::record_feedback(*db_, {"rc-prova", "/servizi/prova", "Le indicazioni erano chiare", "", 5});
  store::record_feedback(*db_, {"rc-prova", "/servizi/prova", "", "", 2});
  store::record_feedback(*db_, {"", "/argomenti", "", "", 4});
  auto stats = store::feedback_stats(*db_, "rc-prova");
  EXPECT_EQ(stats.count, 2);
  EXPECT_DOUBLE_EQ(stats.average, 3.5);
  EXPECT_EQ(stats.by_rating[5], 1);
  store::record_click(*db_, "rc-prova", "comune-054039");
  store::record_click(*db_, "rc-prova", "comune-054039");
  EXPECT_EQ(store::click_count(*db_, "rc-prova", "comune-054039"), 2);
  EXPECT_EQ(store::click_count(*db_, "rc-prova", "altro"), 0);
}

TEST_F(StoreTest, SqliteRunsInWalModeWithForeignKeys) {
  if (db_->engine() != store::Engine::Sqlite) GTEST_SKIP() << "solo SQLite";
  auto s = db_->acquire();
  std::string mode;
  int fk = 0;
  *s << "PRAGMA journal_mode", soci::into(mode);
  *s << "PRAGMA foreign_keys", soci::into(fk);
  EXPECT_EQ(mode, "wal");
  EXPECT_EQ(fk, 1);
}
