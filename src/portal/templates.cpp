#include "portal/templates.h"

#include <kainjow/mustache.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace au::portal {

namespace mu = kainjow::mustache;

namespace {

mu::data to_mustache(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mu::data d{mu::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), to_mustache(it.value()));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mu::data d{mu::data::type::list};
      for (const auto& v : j) d.push_back(to_mustache(v));
      return d;
    }
    // An empty string is "absent": kainjow treats "" as true in sections, so optional fields
    // ({{#email}}Email: {{email}}{{/email}}) would render their labels with nothing after them.
    case nlohmann::json::value_t::string:
      return j.get_ref<const std::string&>().empty() ? mu::data{false} : mu::data{j.get<std::string>()};
    case nlohmann::json::value_t::boolean: return mu::data{j.get<bool>()};
    case nlohmann::json::value_t::null: return mu::data{false};
    default: return mu::data{j.dump()};  // numbers print as JSON prints them
  }
}

}  // namespace

void TemplateSet::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::runtime_error("cartella dei template mancante: " + dir.string());
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".mustache") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string name = e.path().stem().string();
    mu::mustache check{ss.str()};
    if (!check.is_valid()) throw std::runtime_error("template " + name + " non valido: " + check.error_message());
    sources_[name] = ss.str();
  }
  for (const auto& [name, source] : sources_) {
    for (std::size_t pos = 0; (pos = source.find("{{>", pos)) != std::string::npos;) {
      std::size_t end = source.find("}}", pos);
      if (end == std::string::npos) break;
      std::string ref = source.substr(pos + 3, end - pos - 3);
      ref.erase(0, ref.find_first_not_of(' '));
      ref.erase(ref.find_last_not_of(' ') + 1);
      if (!sources_.count(ref)) throw std::runtime_error("il template " + name + " usa un partial inesistente: " + ref);
      partials_.insert(ref);
      pos = end;
    }
  }
}

std::string TemplateSet::render(const std::string& name, const nlohmann::json& context) const {
  auto it = sources_.find(name);
  if (it == sources_.end()) throw std::runtime_error("template sconosciuto: " + name);
  mu::data data = to_mustache(context);
  // Partials share the context's namespace in kainjow: only the templates used as partials are
  // registered, and contexts must not use their names as keys (checked here).
  for (const auto& pname : partials_) {
    if (context.contains(pname)) throw std::runtime_error("la chiave di contesto \"" + pname + "\" coincide con un partial");
    const std::string* src = &sources_.at(pname);
    data.set(pname, mu::partial{[src] { return *src; }});
  }
  mu::mustache tmpl{it->second};
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) throw std::runtime_error("errore nel template " + name + ": " + tmpl.error_message());
  return out;
}

}  // namespace au::portal
