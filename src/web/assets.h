// Static assets (Bootstrap Italia from npm, our CSS/JS, the fonts) served under content-hashed
// names with a one-year immutable cache.
//
// Contract: AssetManifest::load() reads every file listed in a manifest once at start-up and
// keeps the bytes (and a gzip copy of compressible ones) in memory. url(name) gives the public
// URL of a logical name ("bi_css" -> "/static/bootstrap-italia.1a2b3c4d5e6f.min.css");
// find(path) returns the asset for a request path or nullptr. Only listed files are served:
// a path is never mapped onto the file system, so "../" cannot escape.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace au::web {

struct Asset {
  std::string url;
  std::string content_type;
  std::shared_ptr<const std::string> body;
  std::shared_ptr<const std::string> gzip;  // null when not worth compressing
  std::string etag;
};

struct AssetSource {
  std::string name;                 // logical name used by templates and by "asset:NAME" in CSS
  std::filesystem::path file;
  std::string public_name;          // e.g. "bootstrap-italia.min.css" -> hash inserted before ".min.css"
};

class AssetManifest {
 public:
  // Loads the sources in order: a CSS file may refer to assets listed before it with "asset:NAME".
  // Throws std::runtime_error naming a missing file.
  void load(const std::vector<AssetSource>& sources);
  std::string url(const std::string& name) const;  // "" when unknown
  const Asset* find(const std::string& path) const;
  std::size_t size() const { return by_path_.size(); }

 private:
  std::map<std::string, Asset> by_path_;
  std::map<std::string, std::string> url_by_name_;
};

std::string content_type_for(const std::filesystem::path& file);

}  // namespace au::web
