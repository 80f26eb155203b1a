// The API store's credentials: applications of integrators, the OAuth 2.0 client-credentials
// token endpoint (PDND-voucher style), bearer-token checks and per-application throttling.
//
// Contract:
// - An application authenticates with a client secret (HTTP Basic or form fields; stored as
//   SHA-256, compared in constant time, two valid during a rotation overlap) or with a signed
//   client assertion (RFC 7523 private_key_jwt: iss = sub = client id, aud = the token
//   endpoint, exp, unique jti; replays rejected) verified with the public key it registered.
// - issue_token() answers RFC 6749 §5.1/§5.2 bodies; access tokens are RS256 JWTs signed with
//   the key in the database (published at /.well-known/jwks.json), valid `token_lifetime`
//   seconds, carrying client_id, scope and the environment (test/live).
// - authenticate() accepts a bearer token only if its signature, issuer, audience and times
//   verify AND the application is still active in the database: revocation is immediate.
// - meter() applies the per-second token bucket (this node) and the daily quota (all nodes,
//   counted in the database) and returns what the X-RateLimit-* headers must say.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access_policy.h"
#include "identity/jose.h"
#include "identity/rate_limiter.h"
#include "store/database.h"
#include "store/identity_repository.h"
#include "web/http.h"

namespace au::identity {

struct ScopeInfo {
  std::string code, description;
};
// The scopes an application may ask for, with their Italian descriptions.
const std::vector<ScopeInfo>& api_scopes();

struct ApiAccessSettings {
  std::string issuer;                        // our base URL
  std::string audience;                      // base URL + "/api/v1"
  std::string token_endpoint;                // base URL + "/oauth/token"
  std::int64_t token_lifetime_seconds = 600;
  std::int64_t secret_overlap_seconds = 24 * 3600;
  RateLimit default_rate{10, 20};
  std::int64_t default_daily_quota = 10000;
};

struct NewApplication {
  std::string owner, name, description, environment, public_jwk;  // public_jwk empty: secret
  std::vector<std::string> scopes;
};
struct Registration {
  std::string error;                         // Italian message for people, empty on success
  std::string client_id, client_secret;      // the secret is shown once and never stored in clear
};

struct TokenResponse {
  int status = 200;
  nlohmann::json body;
};

struct BearerCheck {
  std::optional<domain::Principal> principal;
  std::optional<store::ApplicationRecord> application;
  std::string error;                         // reason when principal is empty
};

struct MeterResult {
  bool allowed = true;
  std::int64_t limit = 0, remaining = 0, reset_seconds = 0, retry_after_seconds = 0;
};

class ApiAccess {
 public:
  ApiAccess(store::Database& db, ApiAccessSettings settings);

  Registration register_application(const NewApplication& app);
  // A new secret (shown once); the previous one stays valid for the overlap. Empty if the
  // application is not active or uses a public key.
  std::string rotate_secret(const std::string& client_id);
  bool revoke(const std::string& client_id);

  TokenResponse issue_token(const web::Request& req);
  BearerCheck authenticate(const std::string& bearer_token);
  MeterResult meter(const store::ApplicationRecord& app);

  // Our public keys (JWKS) for integrators who verify tokens themselves.
  nlohmann::json jwks();
  const ApiAccessSettings& settings() const { return settings_; }

 private:
  KeyPtr signing_key();
  std::optional<store::ApplicationRecord> authenticate_client(const std::vector<web::QueryParam>& form,
                                                              const web::Request& req, std::string& error);

  store::Database& db_;
  ApiAccessSettings settings_;
  RateLimiter limiter_;
  std::mutex key_mutex_;
  KeyPtr key_;
};

// "Bearer xyz" -> "xyz"; empty when the header is not a bearer credential.
std::string bearer_token(const web::Request& req);

}  // namespace au::identity
