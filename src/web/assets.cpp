#include "web/assets.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "web/gzip.h"

namespace au::web {

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("file statico mancante: " + p.string() + " (esegui 'make deps')");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string short_hash(const std::string& data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 12);
}

bool compressible(const std::string& type) {
  return type.rfind("text/", 0) == 0 || type.find("javascript") != std::string::npos ||
         type.find("svg") != std::string::npos || type.find("json") != std::string::npos;
}

}  // namespace

std::string content_type_for(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> types = {
      {".css", "text/css; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},            {".woff2", "font/woff2"},
      {".woff", "font/woff"},               {".png", "image/png"},
      {".ico", "image/x-icon"},             {".txt", "text/plain; charset=utf-8"},
      {".json", "application/json"},        {".yaml", "application/yaml"}};
  auto it = types.find(file.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

void AssetManifest::load(const std::vector<AssetSource>& sources) {
  for (const auto& src : sources) {
    std::string data = read_all(src.file);
    std::string type = content_type_for(src.file);
    if (type.rfind("text/css", 0) == 0) {
      // Resolve "asset:NAME" references to already-loaded assets' hashed URLs.
      static const std::string marker = "url(\"asset:";
      for (std::size_t at; (at = data.find(marker)) != std::string::npos;) {
        std::size_t pos = at + 5;  // the "asset:" inside url("...")
        std::size_t end = data.find('"', pos);
        std::string name = data.substr(pos + 6, end - pos - 6);
        std::string u = url(name);
        if (u.empty()) throw std::runtime_error("riferimento a un asset sconosciuto: " + name + " in " + src.file.string());
        data.replace(pos, end - pos, u);
      }
    }
    std::string hash = short_hash(data);
    std::string pub = src.public_name.empty() ? src.file.filename().string() : src.public_name;
    // Insert the hash before the first dot: "bootstrap-italia.min.css" -> "bootstrap-italia.<h>.min.css"
    auto dot = pub.find('.');
    std::string hashed = dot == std::string::npos ? pub + "." + hash : pub.substr(0, dot) + "." + hash + pub.substr(dot);
    Asset a;
    a.url = "/static/" + hashed;
    a.content_type = type;
    a.etag = "\"" + hash + "\"";
    if (compressible(type) && data.size() > 1024) a.gzip = std::make_shared<const std::string>(gzip_compress(data, 9));
    a.body = std::make_shared<const std::string>(std::move(data));
    url_by_name_[src.name] = a.url;
    by_path_[a.url] = std::move(a);
  }
}

std::string AssetManifest::url(const std::string& name) const {
  auto it = url_by_name_.find(name);
  return it == url_by_name_.end() ? std::string() : it->second;
}

const Asset* AssetManifest::find(const std::string& path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &it->second;
}

}  // namespace au::web
