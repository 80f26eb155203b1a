// Checks of the claims of a signed token: ID tokens (OIDC Core §3.1.3.7), our own access
// tokens and client assertions (RFC 7523).
//
// Contract: check_claims() runs after the signature has been verified (jose.h) and enforces
// issuer, audience (string or array containing ours; for ID tokens with several audiences
// `azp` must be ours), expiry, not-before and issued-at with a small clock skew, and the nonce
// when one is expected. Time is passed in (seconds since the epoch). Returns an empty string
// when every check passes, otherwise a short Italian-free reason code for logs and problem
// details: "malformed-claims" (not an object; exp or iat missing; exp, iat or nbf not a
// number), "wrong-issuer", "wrong-audience", "wrong-azp", "expired", "not-yet-valid",
// "issued-in-future", "too-old", "missing-nonce", "wrong-nonce", "missing-jti".
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace au::identity {

struct ClaimExpectations {
  std::string issuer;                 // required, exact match
  std::string audience;               // required: equal to aud, or contained in the aud array
  std::string nonce;                  // when not empty, must equal the nonce claim
  std::int64_t now = 0;               // seconds since the epoch
  std::int64_t skew_seconds = 60;     // tolerated clock difference
  std::int64_t max_age_seconds = 0;   // when > 0, iat must be no older than this (+ skew)
  bool require_jti = false;
};

std::string check_claims(const nlohmann::json& claims, const ClaimExpectations& expect);

}  // namespace au::identity
