#include "practices/backoffice_registry.h"

#include <set>

#include <spdlog/spdlog.h>

#include "store/practice_repository.h"

namespace au::practices {

namespace {

bool valid_client_id(const std::string& id) {
  if (id.size() < 3 || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

std::shared_ptr<const BackofficeClient> client_from(const store::BackofficeClientRecord& r) {
  auto c = std::make_shared<BackofficeClient>();
  c->modi.client_id = r.client_id;
  c->modi.ente_id = r.ente_id;
  c->name = r.name;
  c->system = r.system;
  try {
    c->modi.keys = identity::KeySet::from_jwks(nlohmann::json::parse(r.keys_json));
    std::vector<std::string> errors;
    auto mapping = domain::StatusMapping::from_json(nlohmann::json::parse(r.status_mapping), errors);
    if (!mapping) return nullptr;
    c->mapping = std::move(*mapping);
  } catch (const std::exception&) {
    return nullptr;
  }
  if (c->modi.keys.keys.empty()) return nullptr;
  return c;
}

}  // namespace

void BackofficeRegistry::reload_if_stale() {
  auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - loaded_at_ < ttl_) return;
  std::map<std::string, std::shared_ptr<const BackofficeClient>> fresh;
  for (const auto& r : store::list_backoffice_clients(db_)) {
    if (!r.revoked_at.empty()) continue;
    auto c = client_from(r);
    if (!c) {
      spdlog::warn("client di back office {} ignorato: chiavi o tabella degli stati non valide", r.client_id);
      continue;
    }
    fresh.emplace(r.client_id, std::move(c));
  }
  clients_ = std::move(fresh);
  loaded_at_ = now;
  loaded_ = true;
}

std::shared_ptr<const BackofficeClient> BackofficeRegistry::find(const std::string& client_id) {
  std::lock_guard lock(mutex_);
  reload_if_stale();
  auto it = clients_.find(client_id);
  return it == clients_.end() ? nullptr : it->second;
}

void BackofficeRegistry::invalidate() {
  std::lock_guard lock(mutex_);
  loaded_ = false;
}

std::vector<std::string> BackofficeRegistry::register_client(const std::string& client_id, const std::string& ente_id,
                                                             const std::string& name, const std::string& system,
                                                             const nlohmann::json& jwks, const nlohmann::json& mapping) {
  std::vector<std::string> problems;
  if (!valid_client_id(client_id))
    problems.push_back("client_id: da 3 a 64 caratteri tra lettere, cifre, '.', '_' e '-'");
  if (ente_id.empty()) problems.push_back("ente: obbligatorio");
  if (system.empty() || system.size() > 40) problems.push_back("sistema: da 1 a 40 caratteri");
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    problems.push_back("chiavi: serve un JWKS {\"keys\": [...]}");
  } else {
    const auto& keys = jwks["keys"];
    if (keys.empty() || keys.size() > 2) problems.push_back("chiavi: una o due chiavi pubbliche (rotazione)");
    std::set<std::string> kids;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::string error;
      auto key = identity::Key::from_jwk(keys[i], error);
      if (!key) {
        problems.push_back("chiavi[" + std::to_string(i) + "]: " + error);
        continue;
      }
      if (key->has_private()) problems.push_back("chiavi[" + std::to_string(i) + "]: contiene la parte privata");
      if (key->kid().empty() || !kids.insert(key->kid()).second)
        problems.push_back("chiavi[" + std::to_string(i) + "]: serve un kid distinto per ogni chiave");
    }
  }
  std::vector<std::string> mapping_errors;
  auto parsed = domain::StatusMapping::from_json(mapping, mapping_errors);
  for (const auto& e : mapping_errors) problems.push_back("tabella degli stati: " + e);
  if (!problems.empty()) return problems;
  store::BackofficeClientRecord r;
  r.client_id = client_id;
  r.ente_id = ente_id;
  r.name = name.empty() ? system : name;
  r.system = system;
  nlohmann::json public_keys = nlohmann::json::object({{"keys", nlohmann::json::array()}});
  for (const auto& k : jwks["keys"]) {
    std::string error;
    public_keys["keys"].push_back(identity::Key::from_jwk(k, error)->public_jwk());
  }
  r.keys_json = public_keys.dump();
  r.status_mapping = parsed->to_json().dump();
  store::upsert_backoffice_client(db_, r);
  invalidate();
  return {};
}

}  // namespace au::practices
