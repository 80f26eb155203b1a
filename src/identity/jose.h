// JSON Web Keys, signatures and tokens (RFC 7515, 7517, 7518, 7519), verified with OpenSSL.
//
// Contract: only RS256 and ES256 are accepted, and only when the key's type matches the
// algorithm (an RSA key never verifies an HMAC or EC signature: this defeats `alg: none` and
// the HS256-with-the-public-key forgery). Everything that is not a well-formed compact JWS
// with a JSON header and payload is rejected with a reason; nothing here throws for bad input.
// Keys are immutable and shared between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace au::identity {

enum class KeyType { Rsa, Ec };

// A public (or private) key usable for RS256 (RSA ≥ 2048 bits) or ES256 (EC P-256).
class Key {
 public:
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // From a JWK object (kty RSA with n/e, or kty EC crv P-256 with x/y; "d" ignored);
  // nullptr with `error` set for anything else (other curves, points off the curve, RSA keys
  // outside 2048-8192 bits, bad base64url, "use" other than "sig", "alg" not matching kty).
  static std::shared_ptr<const Key> from_jwk(const nlohmann::json& jwk, std::string& error);
  // From PEM (public "BEGIN PUBLIC KEY" or private "BEGIN PRIVATE KEY"); nullptr on error.
  static std::shared_ptr<const Key> from_pem(std::string_view pem, std::string& error);
  // New key pairs (private), for our own token signing and for tests.
  static std::shared_ptr<const Key> generate_rsa(int bits = 2048);
  static std::shared_ptr<const Key> generate_ec_p256();

  KeyType type() const { return type_; }
  bool has_private() const { return private_; }
  const std::string& kid() const { return kid_; }
  std::shared_ptr<const Key> with_kid(std::string kid) const;
  // "RS256" for RSA, "ES256" for EC.
  std::string algorithm() const;
  // The public JWK (kty, n/e or crv/x/y, kid, alg, use "sig").
  nlohmann::json public_jwk() const;
  std::string private_pem() const;  // PKCS#8; empty if no private part
  std::string public_pem() const;
  // RFC 7638 thumbprint (base64url SHA-256 of the canonical public JWK).
  std::string thumbprint() const;

  // Signature over `data` in JWS form (RS256: PKCS#1 v1.5; ES256: raw r||s, 64 bytes).
  std::string sign(std::string_view data) const;  // throws std::logic_error without private key
  bool verify(std::string_view data, std::string_view signature) const;

  struct Impl;
 private:
  Key();
  std::unique_ptr<Impl> impl_;
  KeyType type_ = KeyType::Rsa;
  bool private_ = false;
  std::string kid_;
};
using KeyPtr = std::shared_ptr<const Key>;

// A set of keys by kid (a JWKS document).
struct KeySet {
  std::vector<KeyPtr> keys;
  // Parses {"keys":[...]}; keys that are not usable (other kty/alg/use "enc") are skipped.
  static KeySet from_jwks(const nlohmann::json& jwks);
  KeyPtr find(const std::string& kid) const;  // nullptr if absent
  nlohmann::json to_jwks() const;             // public parts only
};

// A compact JWS split into its parts, header and payload parsed; signature NOT yet checked.
struct Jws {
  nlohmann::json header, payload;
  std::string signing_input;  // "<b64 header>.<b64 payload>"
  std::string signature;      // decoded bytes
  std::string alg() const;
  std::string kid() const;
};
// Structural parse: three base64url parts, JSON object header and payload, size ≤ 16 KiB,
// header with a string "alg". On failure `error` gets a short reason code.
std::optional<Jws> parse_jws(std::string_view compact, std::string& error);

// Verifies a parsed JWS with the key of its `kid` in `keys` (when the header has no kid and the
// set has exactly one key of the right type, that key). Rejects: alg other than RS256/ES256,
// alg not matching the key type, unknown kid (reason "unknown-kid", so callers may refresh
// the JWKS once), bad signature, and any "crit" header (Malformed: we implement no extension).
enum class VerifyResult { Ok, Malformed, UnsupportedAlgorithm, UnknownKid, BadSignature };
VerifyResult verify_jws(const Jws& jws, const KeySet& keys);
std::string describe(VerifyResult r);

// Signs a JWT with `key` (header alg from the key, typ given, kid from the key).
std::string sign_jwt(const Key& key, const nlohmann::json& payload, const std::string& typ = "JWT");

}  // namespace au::identity
