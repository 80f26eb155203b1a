#include "notify/template_library.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace au::notify {

namespace {

constexpr auto kCacheFor = std::chrono::seconds(5);

}  // namespace

TemplateLibrary::TemplateLibrary(store::Database& db, std::filesystem::path bundled_dir)
    : db_(db), dir_(std::move(bundled_dir)) {}

int TemplateLibrary::seed(const std::string& now) {
  namespace fs = std::filesystem;
  int files = 0;
  if (!fs::is_directory(dir_)) return 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".mustache";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    const auto dot = stem.rfind('.');
    if (dot == std::string::npos) continue;
    const std::string kind = stem.substr(0, dot), channel = stem.substr(dot + 1);
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = domain::parse_template_file(text.str());
    if (!parsed) throw std::runtime_error("modello di notifica illeggibile: " + name);
    auto problems = domain::template_problems(kind, channel, *parsed);
    if (!problems.empty()) throw std::runtime_error("modello di notifica non valido: " + name + ": " + problems.front());
    store::seed_template(db_, kind, channel, parsed->subject, parsed->body, now);
    ++files;
  }
  return files;
}

std::optional<store::TemplateRecord> TemplateLibrary::current(const std::string& kind, const std::string& channel) {
  const auto key = std::make_pair(kind, channel);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && now - it->second.first < kCacheFor) return it->second.second;
  }
  auto found = store::current_template(db_, kind, channel);
  std::lock_guard lock(mutex_);
  cache_[key] = {now, found};
  return found;
}

TemplateLibrary::SaveResult TemplateLibrary::save(const std::string& kind, const std::string& channel,
                                                  const std::string& subject, const std::string& body,
                                                  const std::string& author, const std::string& now) {
  SaveResult r;
  r.problems = domain::template_problems(kind, channel, domain::TemplateText{subject, body});
  if (!r.problems.empty()) return r;
  r.version = store::add_template_version(db_, kind, channel, subject, body, author, now);
  std::lock_guard lock(mutex_);
  cache_.erase({kind, channel});
  return r;
}

}  // namespace au::notify
