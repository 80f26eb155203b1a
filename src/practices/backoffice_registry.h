// The back-office clients allowed to write practices: for each, its ente, its system, its
// public keys (ModI, at most two: rotation) and the mapping of its own state codes onto the
// common status model.
//
// Contract: find() answers from a per-node cache refreshed from the database at most every
// `ttl` (default 5 s), so a key rotated or a client revoked takes effect on every node within
// that time without a query per request. A revoked client, or one whose stored keys or mapping
// do not parse, is absent (logged once per refresh). register_client() validates and stores
// (the CLI `backoffice register` and the tests use it).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/practice_status.h"
#include "identity/modi.h"
#include "store/database.h"

namespace au::practices {

struct BackofficeClient {
  identity::ModiClient modi;  // client_id, ente_id, keys
  std::string name;
  std::string system;         // "VBG", "protocollo", ... (with ente and reference, identifies a practice)
  domain::StatusMapping mapping;
};

class BackofficeRegistry {
 public:
  explicit BackofficeRegistry(store::Database& db, std::chrono::milliseconds ttl = std::chrono::seconds(5))
      : db_(db), ttl_(ttl) {}

  std::shared_ptr<const BackofficeClient> find(const std::string& client_id);
  // Forgets the cache (after a registration in this process).
  void invalidate();

  // Validates and stores a client: client_id 3..64 [A-Za-z0-9._-], ente id non-empty, system
  // 1..40, 1 or 2 public keys (JWKS, RS256/ES256, each with a distinct kid), a valid mapping.
  // Returns the problems (Italian); empty when stored.
  std::vector<std::string> register_client(const std::string& client_id, const std::string& ente_id,
                                           const std::string& name, const std::string& system,
                                           const nlohmann::json& jwks, const nlohmann::json& mapping);

 private:
  void reload_if_stale();
  store::Database& db_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point loaded_at_{};
  bool loaded_ = false;
  std::map<std::string, std::shared_ptr<const BackofficeClient>> clients_;
};

}  // namespace au::practices
