// Page templates (mustache files in templates/) rendered with a JSON context.
//
// Contract: TemplateSet::load() reads every *.mustache file of a directory once; each is
// also available to the others as a partial ({{> name}}). render() HTML-escapes every {{x}}
// (triple mustache is reserved for HTML the portal produced itself, see templates/README.md)
// and throws std::runtime_error on an unknown template or a template error.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>

namespace au::portal {

class TemplateSet {
 public:
  void load(const std::filesystem::path& dir);
  std::string render(const std::string& name, const nlohmann::json& context) const;
  bool has(const std::string& name) const { return sources_.count(name) != 0; }

 private:
  std::map<std::string, std::string> sources_;
  std::set<std::string> partials_;
};

}  // namespace au::portal
