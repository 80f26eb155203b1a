// Verification of a back-office request under the ModI security patterns ID_AUTH_REST_02
// (caller authentication with a signed JWT and a unique jti) and INTEGRITY_REST_01 (body
// digest in `Digest`, RFC 3230, covered by a JWS in `Agid-JWT-Signature`).
//
// Contract: verify_modi_request() is pure except for the replay check, which is injected
// (JtiSeen). It never throws for bad input; every failure is a ModiResult with a status and a
// machine-readable reason:
//   - 401 for anything that fails authentication or integrity: "missing-authorization",
//     "malformed-token", "unknown-client", "wrong-subject", the jose.h reasons ("unknown-kid",
//     "bad-signature", "unsupported-algorithm", "malformed"), the id_token.h claim reasons
//     ("expired", "too-old", "wrong-audience", "missing-jti"...), "replayed-jti",
//     "missing-digest", "digest-mismatch", "missing-signature", "signed-headers-mismatch",
//     "replayed-signature-jti"; failures of the Agid-JWT-Signature token itself carry the
//     prefix "signature-" ("signature-bad-signature", "signature-expired"...);
//   - 400 for a Digest header we cannot parse: "unsupported-digest-algorithm" (no SHA-256
//     instance), "malformed-digest" (syntax, base64, length other than 32 bytes);
//   - 500 "no-replay-store" when no JtiSeen was given (fail closed).
// The caller is the token's `iss` (= client_id, looked up with find_client); `sub`, when
// present, must equal it. Both tokens must verify with the keys of that one client (a client
// may publish two keys during rotation). A request with an empty body and neither Digest nor
// Agid-JWT-Signature needs no integrity check; when either header is present it is checked.
// The replay checks run last, after every stateless check passed, so a rejected request does
// not burn its jti: first the Authorization jti in namespace client_id, then the signature jti
// in namespace client_id + ":sig". expires_at passed to JtiSeen is the last second at which the
// token could still be accepted (min(exp, iat + max_age) + skew): the store must keep the jti
// at least that long.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "identity/jose.h"
#include "web/http.h"

namespace au::identity {

struct ModiClient {
  std::string client_id;
  std::string ente_id;
  KeySet keys;  // up to two active keys, for rotation
};

struct ModiExpectations {
  std::string audience;  // our URL of the API
  std::int64_t now = 0;  // seconds since the epoch
  std::int64_t skew_seconds = 60;
  std::int64_t max_age_seconds = 300;
};

// Returns false when the jti was already used; otherwise records it (until expires_at) and
// returns true.
using JtiSeen = std::function<bool(const std::string& client_id, const std::string& jti,
                                   std::int64_t expires_at)>;

struct ModiResult {
  bool ok = false;
  int status = 401;    // 200 when ok
  std::string reason;  // machine code, empty when ok
  std::string client_id;
  std::string ente_id;
};

ModiResult verify_modi_request(
    const web::Request& req,
    const std::function<const ModiClient*(const std::string& client_id)>& find_client,
    const ModiExpectations& expect, const JtiSeen& jti_seen);

// Header values for a request signed as `client_id` with `key` (tests, back-office simulator).
// digest and agid_jwt_signature are empty when the body is empty. Tokens live 5 minutes and
// carry a fresh random jti each.
struct ModiSigned {
  std::string authorization, digest, agid_jwt_signature;
};
ModiSigned sign_modi_request(const Key& key, const std::string& client_id,
                             const std::string& audience, const std::string& body,
                             const std::string& content_type, std::int64_t now);

}  // namespace au::identity
