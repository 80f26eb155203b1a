#include "identity/modi.h"

#include "identity/crypto.h"
#include "identity/id_token.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace au::identity {
namespace {

using nlohmann::json;

constexpr std::int64_t kTokenLifetime = 300;

ModiResult fail(int status, std::string reason) {
  ModiResult r;
  r.ok = false;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const std::string* string_claim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// Last second at which a token that passed check_claims could still be accepted.
std::int64_t replay_horizon(const json& claims, const ModiExpectations& expect) {
  double until = claims.at("exp").get<double>();
  if (expect.max_age_seconds > 0) {
    until = std::min(until, claims.at("iat").get<double>() +
                                static_cast<double>(expect.max_age_seconds));
  }
  until += static_cast<double>(expect.skew_seconds);
  constexpr double kMax = 4.0e18;  // well inside int64
  if (!(until < kMax)) return static_cast<std::int64_t>(kMax);
  if (!(until > 0)) return 0;
  return static_cast<std::int64_t>(until) + 1;  // round up a fractional NumericDate
}

// RFC 3230 §4.3.2: Digest = instance-digest *("," instance-digest), each "<alg>=<value>".
// Returns the decoded SHA-256 value, or the 400 reason in `error`.
std::optional<std::string> parse_digest(std::string_view header, std::string& error) {
  std::optional<std::string> sha256;
  bool any = false;
  while (true) {
    const auto comma = header.find(',');
    const std::string_view part = trim(header.substr(0, comma));
    if (!part.empty()) {
      any = true;
      const auto eq = part.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        error = "malformed-digest";
        return std::nullopt;
      }
      const std::string_view alg = part.substr(0, eq);
      if (web::iequals(alg, "SHA-256")) {
        if (sha256) {  // two SHA-256 instances: ambiguous
          error = "malformed-digest";
          return std::nullopt;
        }
        auto raw = base64_decode(part.substr(eq + 1));
        if (!raw || raw->size() != 32) {
          error = "malformed-digest";
          return std::nullopt;
        }
        sha256 = std::move(*raw);
      }
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!any) {
    error = "malformed-digest";
    return std::nullopt;
  }
  if (!sha256) {
    error = "unsupported-digest-algorithm";
    return std::nullopt;
  }
  return sha256;
}

// Every signed header must equal the request's; Digest must be signed, and so must
// Content-Type and Content-Encoding when the request carries them.
bool signed_headers_match(const json& claims, const web::Request& req) {
  const auto it = claims.find("signed_headers");
  if (it == claims.end() || !it->is_array() || it->empty()) return false;
  std::set<std::string> seen;
  for (const auto& entry : *it) {
    if (!entry.is_object() || entry.size() != 1) return false;
    const auto only = entry.begin();
    const auto& value = only.value();
    if (!value.is_string()) return false;
    const std::string key = lower(only.key());
    if (!seen.insert(key).second) return false;  // the same header twice: ambiguous
    const auto h = req.headers.find(key);
    if (h == req.headers.end() || h->second != value.get_ref<const std::string&>()) return false;
  }
  if (!seen.count("digest")) return false;
  for (const char* required : {"content-type", "content-encoding"}) {
    if (req.headers.count(required) && !seen.count(required)) return false;
  }
  return true;
}

// Signature and claims of one token against the client's keys; empty string when valid.
std::string check_token(const Jws& jws, const ModiClient& client, const ModiExpectations& expect) {
  const VerifyResult v = verify_jws(jws, client.keys);
  if (v != VerifyResult::Ok) return describe(v);
  ClaimExpectations ce;
  ce.issuer = client.client_id;
  ce.audience = expect.audience;
  ce.now = expect.now;
  ce.skew_seconds = expect.skew_seconds;
  ce.max_age_seconds = expect.max_age_seconds;
  ce.require_jti = true;
  if (auto reason = check_claims(jws.payload, ce); !reason.empty()) return reason;
  if (const auto it = jws.payload.find("sub"); it != jws.payload.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>() != client.client_id) {
      return "wrong-subject";
    }
  }
  return "";
}

}  // namespace

ModiResult verify_modi_request(
    const web::Request& req,
    const std::function<const ModiClient*(const std::string& client_id)>& find_client,
    const ModiExpectations& expect, const JtiSeen& jti_seen) {
  if (!jti_seen) return fail(500, "no-replay-store");

  // ID_AUTH_REST_01/02: Authorization: Bearer <JWT>.
  const std::string authz = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (authz.size() <= kBearer.size() ||
      !web::iequals(std::string_view(authz).substr(0, kBearer.size()), kBearer)) {
    return fail(401, "missing-authorization");
  }
  std::string error;
  const auto auth = parse_jws(trim(std::string_view(authz).substr(kBearer.size())), error);
  if (!auth) return fail(401, "malformed-token");
  const std::string* iss = string_claim(auth->payload, "iss");
  if (!iss || iss->empty()) return fail(401, "unknown-client");
  const ModiClient* client = find_client ? find_client(*iss) : nullptr;
  if (!client || client->client_id != *iss) return fail(401, "unknown-client");
  if (auto reason = check_token(*auth, *client, expect); !reason.empty()) {
    return fail(401, reason);
  }

  // INTEGRITY_REST_01: Digest + Agid-JWT-Signature, required when there is a body.
  const bool has_digest = req.headers.count("Digest") > 0;
  const bool has_signature = req.headers.count("Agid-JWT-Signature") > 0;
  std::optional<Jws> integrity;
  if (!req.body.empty() || has_digest || has_signature) {
    if (!has_digest) return fail(401, "missing-digest");
    const auto digest = parse_digest(req.header("Digest"), error);
    if (!digest) return fail(400, error);
    if (!constant_time_equal(*digest, sha256_raw(req.body))) return fail(401, "digest-mismatch");

    if (!has_signature) return fail(401, "missing-signature");
    integrity = parse_jws(trim(req.header("Agid-JWT-Signature")), error);
    if (!integrity) return fail(401, "signature-malformed-token");
    // iss is optional in the integrity token, but when present it names the same caller.
    if (const auto it = integrity->payload.find("iss"); it != integrity->payload.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>() != client->client_id) {
        return fail(401, "signature-wrong-issuer");
      }
    } else if (integrity->payload.is_object()) {
      integrity->payload["iss"] = client->client_id;  // for check_claims only
    }
    if (auto reason = check_token(*integrity, *client, expect); !reason.empty()) {
      return fail(401, "signature-" + reason);
    }
    if (!signed_headers_match(integrity->payload, req)) {
      return fail(401, "signed-headers-mismatch");
    }
  }

  // Replay checks last: a request rejected above does not consume its jti.
  if (!jti_seen(client->client_id, auth->payload.at("jti").get<std::string>(),
                replay_horizon(auth->payload, expect))) {
    return fail(401, "replayed-jti");
  }
  if (integrity &&
      !jti_seen(client->client_id + ":sig", integrity->payload.at("jti").get<std::string>(),
                replay_horizon(integrity->payload, expect))) {
    return fail(401, "replayed-signature-jti");
  }

  ModiResult ok;
  ok.ok = true;
  ok.status = 200;
  ok.client_id = client->client_id;
  ok.ente_id = client->ente_id;
  return ok;
}

ModiSigned sign_modi_request(const Key& key, const std::string& client_id,
                             const std::string& audience, const std::string& body,
                             const std::string& content_type, std::int64_t now) {
  ModiSigned out;
  const json auth = {{"iss", client_id}, {"sub", client_id},       {"aud", audience},
                     {"iat", now},       {"nbf", now},             {"exp", now + kTokenLifetime},
                     {"jti", random_token(32)}};
  out.authorization = "Bearer " + sign_jwt(key, auth);
  if (body.empty()) return out;

  out.digest = "SHA-256=" + base64_encode(sha256_raw(body));
  json signed_headers = json::array({json{{"digest", out.digest}}});
  if (!content_type.empty()) signed_headers.push_back(json{{"content-type", content_type}});
  const json integrity = {{"iss", client_id},
                          {"sub", client_id},
                          {"aud", audience},
                          {"iat", now},
                          {"nbf", now},
                          {"exp", now + kTokenLifetime},
                          {"jti", random_token(32)},
                          {"signed_headers", signed_headers}};
  out.agid_jwt_signature = sign_jwt(key, integrity);
  return out;
}

}  // namespace au::identity
