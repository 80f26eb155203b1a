// The notification templates in use: versions kept in the database (store/
// notification_settings_repository.h), version 1 of each seeded from the bundled files
// templates/notifications/<kind>.<channel>.mustache, later versions saved by administrators.
//
// Contract: save() validates first (domain::template_problems: unknown fields, syntax, App IO
// and SMS limits with the kind's sample values) and stores nothing when there is a problem, so a
// template is rejected when saved, never when sent. current() is cached for a few seconds per
// process: a new version is used by every worker within that time, and what was already
// rendered never changes.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/notification_template.h"
#include "store/database.h"
#include "store/notification_settings_repository.h"

namespace au::notify {

class TemplateLibrary {
 public:
  TemplateLibrary(store::Database& db, std::filesystem::path bundled_dir);

  // Seeds version 1 of every bundled file whose kind x channel has none; returns the number of
  // files read. Throws std::runtime_error naming a bundled file that does not validate.
  int seed(const std::string& now);

  std::optional<store::TemplateRecord> current(const std::string& kind, const std::string& channel);

  struct SaveResult {
    int version = 0;                    // the new version when saved
    std::vector<std::string> problems;  // Italian, empty when saved
  };
  SaveResult save(const std::string& kind, const std::string& channel, const std::string& subject,
                  const std::string& body, const std::string& author, const std::string& now);

 private:
  store::Database& db_;
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::pair<std::chrono::steady_clock::time_point,
                                                          std::optional<store::TemplateRecord>>> cache_;
};

}  // namespace au::notify
