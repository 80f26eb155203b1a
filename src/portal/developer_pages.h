// The API store for integrators (/sviluppatori): the published APIs with their OpenAPI
// documents rendered for people, and, for a logged-in integrator, their applications:
// registration (client id + secret shown once, or a registered public key), details with the
// usage of the last days, secret rotation and revocation.
//
// Contract: handle() answers /sviluppatori[/...] and returns nullopt for other paths. The API
// list and references are public; application pages need a session and are visible only to
// the owner (others get 404) and administrators. POSTs need the CSRF token.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "identity/api_access.h"
#include "identity/caller.h"
#include "portal/page_renderer.h"
#include "store/database.h"
#include "web/http.h"

namespace au::portal {

struct DeveloperDeps {
  store::Database* db = nullptr;
  const PageRenderer* renderer = nullptr;
  identity::ApiAccess* access = nullptr;
  std::filesystem::path openapi_file;  // docs/openapi.yaml
};

class DeveloperPages {
 public:
  explicit DeveloperPages(DeveloperDeps deps);
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  web::Response home(const identity::Caller& caller, const std::string& notice, const std::string& error,
                     int status = 200);
  web::Response reference();
  web::Response application(const identity::ActiveSession& s, const std::string& client_id, const std::string& notice,
                            const std::string& secret);
  web::Response post(const web::Request& req, const identity::ActiveSession& s, const std::vector<std::string>& parts);

  DeveloperDeps deps_;
  nlohmann::json reference_;  // the OpenAPI document as page context, built once
};

// The OpenAPI document (YAML) as a readable context: info, and the operations grouped by tag
// with their parameters and responses. Throws std::runtime_error if the file cannot be read.
nlohmann::json openapi_reference(const std::filesystem::path& yaml_file);

}  // namespace au::portal
