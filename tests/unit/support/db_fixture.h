// A fresh, migrated database per test on the engine under test: a SQLite file in a private
// temporary directory, or, when AU_TEST_DATABASE_URL names a PostgreSQL server, a private
// schema of that database (dropped at the end of the test). Shared by the module tests that
// need the store (identity, practices).
#pragma once

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "store/database.h"
#include "store/migrations.h"

namespace au::testing_support {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter_++);
    const char* pg = std::getenv("AU_TEST_DATABASE_URL");
    if (pg != nullptr && *pg != '\0') {
      schema_ = "tid_" + tag;
      {
        store::Database admin(store::parse_database_url(pg), 1);
        auto s = admin.acquire();
        *s << "CREATE SCHEMA " + schema_;
      }
      url_ = std::string(pg) + (std::string(pg).find('?') == std::string::npos ? "?" : "&") +
             "options=-csearch_path%3D" + schema_;
    } else {
      dir_ = fs::temp_directory_path() / ("au-unit-db-" + tag);
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "db.sqlite").string();
    }
    db_ = std::make_unique<store::Database>(store::parse_database_url(url_), 2);
    store::apply_migrations(*db_, store::load_migrations(fs::path(AU_SOURCE_DIR) / "migrations"));
  }

  void TearDown() override {
    db_.reset();
    if (!schema_.empty()) {
      store::Database admin(store::parse_database_url(std::getenv("AU_TEST_DATABASE_URL")), 1);
      auto s = admin.acquire();
      *s << "DROP SCHEMA " + schema_ + " CASCADE";
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  bool on_postgresql() const { return !schema_.empty(); }

  static inline int counter_ = 0;
  std::unique_ptr<store::Database> db_;
  std::string url_;
  std::filesystem::path dir_;
  std::string schema_;
};

}  // namespace au::testing_support
