// Identity endpoints of the API: who the caller is (/api/v1/me), the caller's delegations
// (/api/v1/delegations...), the OAuth 2.0 token endpoint (/oauth/token) and our public keys
// (/.well-known/jwks.json).
//
// Contract: handle() answers those paths and returns nullopt for others. /api/v1/me and the
// delegation endpoints need a caller (session cookie or bearer token): 401 problem+json with
// WWW-Authenticate otherwise. Delegations belong to people: an application gets 403. Writes
// from a browser session need the X-CSRF-Token header (the session's token). Bodies are JSON,
// at most 64 KiB; errors are problem+json, never 5xx for bad input.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "domain/catalog_snapshot.h"
#include "identity/api_access.h"
#include "identity/caller.h"
#include "identity/delegations.h"
#include "identity/sessions.h"
#include "web/http.h"

namespace au::api {

struct IdentityApiDeps {
  identity::ApiAccess* access = nullptr;
  identity::DelegationService* delegations = nullptr;
  identity::SessionManager* sessions = nullptr;
  std::string base_url;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class IdentityApi {
 public:
  explicit IdentityApi(IdentityApiDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  web::Response me(const identity::Caller& caller);
  web::Response delegations(const web::Request& req, const identity::Caller& caller, const std::vector<std::string>& rest);
  IdentityApiDeps deps_;
};

// 401 problem+json with a WWW-Authenticate challenge (RFC 6750 §3).
web::Response unauthorized(const std::string& detail, const std::string& error = "");

}  // namespace au::api
