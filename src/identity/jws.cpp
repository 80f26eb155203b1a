// Compact JWS: parsing, verification against a key set, signing of JWTs (jose.h). The keys
// themselves (JWK/PEM import and export, signatures) are in jose.cpp.
#include <nlohmann/json.hpp>

#include "identity/crypto.h"
#include "identity/jose.h"

namespace au::identity {

namespace {
constexpr std::size_t kMaxCompactJws = 16384;  // no honest token of ours or of a provider comes near it
}  // namespace

std::string Jws::alg() const {
  const auto it = header.find("alg");
  return it != header.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Jws::kid() const {
  const auto it = header.find("kid");
  return it != header.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Jws> parse_jws(std::string_view compact, std::string& error) {
  if (compact.size() > kMaxCompactJws) {
    error = "token-too-large";
    return std::nullopt;
  }
  const std::size_t dot1 = compact.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    error = "not-three-parts";
    return std::nullopt;
  }
  const auto header_b64 = compact.substr(0, dot1);
  const auto payload_b64 = compact.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto signature_b64 = compact.substr(dot2 + 1);
  const auto header_raw = base64url_decode(header_b64);
  const auto payload_raw = base64url_decode(payload_b64);
  const auto signature = base64url_decode(signature_b64);
  if (!header_raw || !payload_raw || !signature) {
    error = "bad-base64url";
    return std::nullopt;
  }
  Jws jws;
  jws.header = nlohmann::json::parse(*header_raw, nullptr, false);
  if (jws.header.is_discarded() || !jws.header.is_object()) {
    error = "header-not-json-object";
    return std::nullopt;
  }
  jws.payload = nlohmann::json::parse(*payload_raw, nullptr, false);
  if (jws.payload.is_discarded() || !jws.payload.is_object()) {
    error = "payload-not-json-object";
    return std::nullopt;
  }
  const auto alg = jws.header.find("alg");
  if (alg == jws.header.end() || !alg->is_string()) {
    error = "missing-alg";
    return std::nullopt;
  }
  jws.signing_input = std::string(compact.substr(0, dot2));
  jws.signature = *signature;
  return jws;
}

VerifyResult verify_jws(const Jws& jws, const KeySet& keys) {
  if (!jws.header.is_object()) return VerifyResult::Malformed;
  // We understand no extension header, and RFC 7515 §4.1.11 forbids ignoring one marked
  // critical (e.g. "b64": false would change what the signature covers).
  if (jws.header.contains("crit")) return VerifyResult::Malformed;
  const auto alg_it = jws.header.find("alg");
  if (alg_it == jws.header.end() || !alg_it->is_string()) {
    return VerifyResult::UnsupportedAlgorithm;
  }
  const auto& alg = alg_it->get_ref<const std::string&>();
  KeyType wanted;
  if (alg == "RS256") {
    wanted = KeyType::Rsa;
  } else if (alg == "ES256") {
    wanted = KeyType::Ec;
  } else {
    return VerifyResult::UnsupportedAlgorithm;
  }

  KeyPtr key;
  const auto kid_it = jws.header.find("kid");
  if (kid_it != jws.header.end()) {
    if (!kid_it->is_string()) return VerifyResult::Malformed;
    const auto& kid = kid_it->get_ref<const std::string&>();
    if (kid.empty()) return VerifyResult::UnknownKid;
    bool kid_known = false;
    // A provider may (wrongly) reuse one kid for an RSA and an EC key: take the one the
    // algorithm names, never the other.
    for (const auto& k : keys.keys) {
      if (k->kid() != kid) continue;
      kid_known = true;
      if (k->type() == wanted) {
        key = k;
        break;
      }
    }
    if (!key) return kid_known ? VerifyResult::UnsupportedAlgorithm : VerifyResult::UnknownKid;
  } else {
    int candidates = 0;
    for (const auto& k : keys.keys) {
      if (k->type() == wanted) {
        key = k;
        ++candidates;
      }
    }
    if (candidates != 1) return VerifyResult::UnknownKid;
  }
  return key->verify(jws.signing_input, jws.signature) ? VerifyResult::Ok
                                                       : VerifyResult::BadSignature;
}

std::string describe(VerifyResult r) {
  switch (r) {
    case VerifyResult::Ok: return "ok";
    case VerifyResult::Malformed: return "malformed";
    case VerifyResult::UnsupportedAlgorithm: return "unsupported-algorithm";
    case VerifyResult::UnknownKid: return "unknown-kid";
    case VerifyResult::BadSignature: return "bad-signature";
  }
  return "unknown";
}

std::string sign_jwt(const Key& key, const nlohmann::json& payload, const std::string& typ) {
  nlohmann::json header = {{"alg", key.algorithm()}, {"typ", typ}};
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string input = base64url_encode(header.dump());
  input.push_back('.');
  input += base64url_encode(payload.dump());
  const std::string signature = key.sign(input);
  input.push_back('.');
  input += base64url_encode(signature);
  return input;
}

}  // namespace au::identity
