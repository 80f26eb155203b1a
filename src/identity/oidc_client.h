// The portal as an OpenID Connect relying party of the regional login broker (LoginUmbria,
// the gateway to SPID and CIE): authorization code flow with PKCE (S256).
//
// Contract: the provider is configured by issuer URL; its discovery document and JWKS are
// fetched on first use and cached. begin() prepares an authorization request (state and nonce
// of 43 random characters, PKCE verifier); finish() exchanges the code at the token endpoint
// and accepts the ID token only if its signature verifies with the provider's key (RS256 or
// ES256; the JWKS is fetched again, at most every 10 seconds, when a token names an unknown
// kid) and iss, aud, exp, iat, nonce hold within a small clock skew. The person's fiscal code
// is taken from the configured claim (default https://attributes.eid.gov.it/fiscal_number,
// "TINIT-" prefix removed) and must be a valid codice fiscale. Thread-safe.
// Errors come back as values with a reason code for logs; nothing personal is in them.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "identity/jose.h"
#include "web/http_client.h"

namespace au::identity {

struct OidcSettings {
  std::string issuer;                 // e.g. https://login.regione.umbria.it (discovery at /.well-known/openid-configuration)
  std::string client_id, client_secret;
  std::string redirect_uri;           // <base_url>/auth/callback
  std::string post_logout_redirect_uri;
  std::string scopes = "openid profile email";
  std::string fiscal_code_claim = "https://attributes.eid.gov.it/fiscal_number";
  std::int64_t clock_skew_seconds = 60;
  long http_timeout_ms = 5000;
  bool demo = false;                  // the provider is the local demo provider (pages say so)
};

struct AuthorizationRequest {
  std::string url;                    // where to send the browser
  std::string state, nonce, code_verifier;
};

struct Identity {
  std::string fiscal_code, given_name, family_name, email;
  std::string spid_level;             // the acr value, e.g. https://www.spid.gov.it/SpidL2
  std::string id_token;               // kept for RP-initiated logout (id_token_hint)
};

struct LoginOutcome {
  std::optional<Identity> identity;
  std::string error;                  // reason code when identity is empty
};

using HttpSender = std::function<web::OutboundResponse(const web::OutboundRequest&)>;

class OidcClient {
 public:
  explicit OidcClient(OidcSettings settings, HttpSender send = web::http_send);

  const OidcSettings& settings() const { return settings_; }
  // Throws std::runtime_error (Italian message) when the provider cannot be reached.
  AuthorizationRequest begin();
  LoginOutcome finish(const std::string& code, const std::string& code_verifier, const std::string& nonce,
                      std::int64_t now_seconds);
  // Verifies an ID token already obtained (used by finish(); public for tests).
  LoginOutcome verify_id_token(const std::string& id_token, const std::string& nonce, std::int64_t now_seconds);
  // The provider's end-session URL for RP-initiated logout, or empty if it has none.
  std::string end_session_url(const std::string& id_token_hint, const std::string& state);

 private:
  struct Metadata {
    std::string issuer, authorization_endpoint, token_endpoint, jwks_uri, end_session_endpoint;
  };
  const Metadata& metadata();          // discovery, cached (call with mutex_ held)
  bool refresh_keys(bool force);       // call with mutex_ held; false if the fetch failed

  OidcSettings settings_;
  HttpSender send_;
  std::mutex mutex_;
  std::optional<Metadata> metadata_;
  KeySet keys_;
  std::int64_t keys_fetched_ms_ = 0;
  std::int64_t keys_forced_ms_ = -100000;  // last refetch caused by an unknown kid
};

// Fiscal code from the claims: the configured claim, "TINIT-" prefix removed, normalised;
// empty when absent or not a valid personal codice fiscale.
std::string fiscal_code_from_claims(const nlohmann::json& claims, const std::string& claim_name);

}  // namespace au::identity
