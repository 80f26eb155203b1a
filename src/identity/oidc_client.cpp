#include "identity/oidc_client.h"

#include <chrono>
#include <stdexcept>

#include "domain/fiscal_code.h"
#include "identity/crypto.h"
#include "identity/id_token.h"
#include "web/http.h"

namespace au::identity {

using nlohmann::json;

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string string_claim(const json& j, const std::string& name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Only URLs on the issuer's own scheme: a discovery document of an https provider that names a
// plain-http token endpoint would have the client secret sent in clear.
bool plausible_endpoint(const std::string& url, const std::string& issuer) {
  std::string scheme = issuer.rfind("https://", 0) == 0 ? "https://" : "http://";
  return url.rfind(scheme, 0) == 0 && url.size() > scheme.size();
}

}  // namespace

std::string fiscal_code_from_claims(const json& claims, const std::string& claim_name) {
  std::string raw = string_claim(claims, claim_name);
  if (raw.rfind("TINIT-", 0) == 0) raw = raw.substr(6);
  std::string code = domain::normalize_fiscal_code(raw);
  return domain::valid_personal_fiscal_code(code) ? code : std::string();
}

OidcClient::OidcClient(OidcSettings settings, HttpSender send) : settings_(std::move(settings)), send_(std::move(send)) {
  while (!settings_.issuer.empty() && settings_.issuer.back() == '/') settings_.issuer.pop_back();
}

const OidcClient::Metadata& OidcClient::metadata() {
  if (metadata_) return *metadata_;
  web::OutboundRequest req;
  req.url = settings_.issuer + "/.well-known/openid-configuration";
  req.timeout_ms = settings_.http_timeout_ms;
  req.headers = {{"Accept", "application/json"}};
  auto res = send_(req);
  if (res.status != 200) throw std::runtime_error("Il servizio di autenticazione non risponde. Riprova tra qualche minuto.");
  json doc = json::parse(res.body, nullptr, false);
  if (!doc.is_object()) throw std::runtime_error("Il servizio di autenticazione ha risposto in modo non valido.");
  Metadata m;
  m.issuer = string_claim(doc, "issuer");
  m.authorization_endpoint = string_claim(doc, "authorization_endpoint");
  m.token_endpoint = string_claim(doc, "token_endpoint");
  m.jwks_uri = string_claim(doc, "jwks_uri");
  m.end_session_endpoint = string_claim(doc, "end_session_endpoint");
  // OIDC Discovery §4.3: the issuer in the document must be the one we asked.
  std::string issuer = m.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  if (issuer != settings_.issuer || !plausible_endpoint(m.authorization_endpoint, issuer) ||
      !plausible_endpoint(m.token_endpoint, issuer) || !plausible_endpoint(m.jwks_uri, issuer) ||
      (!m.end_session_endpoint.empty() && !plausible_endpoint(m.end_session_endpoint, issuer)))
    throw std::runtime_error("Il servizio di autenticazione ha una configurazione non valida.");
  metadata_ = std::move(m);
  return *metadata_;
}

bool OidcClient::refresh_keys(bool force) {
  std::int64_t now = steady_ms();
  // A flood of tokens with invented kids must not turn into a flood of JWKS fetches: forced
  // refetches are at most one per 10 s (measured between forced ones, so a rotation right
  // after the first fetch is still picked up).
  if (!keys_.keys.empty() && (!force || now - keys_forced_ms_ < 10000)) return true;
  if (force) keys_forced_ms_ = now;
  web::OutboundRequest req;
  req.url = metadata().jwks_uri;
  req.timeout_ms = settings_.http_timeout_ms;
  req.headers = {{"Accept", "application/json"}};
  auto res = send_(req);
  keys_fetched_ms_ = now;
  if (res.status != 200) return !keys_.keys.empty();
  json doc = json::parse(res.body, nullptr, false);
  if (!doc.is_object()) return !keys_.keys.empty();
  KeySet fresh = KeySet::from_jwks(doc);
  if (!fresh.keys.empty()) keys_ = std::move(fresh);
  return !keys_.keys.empty();
}

AuthorizationRequest OidcClient::begin() {
  AuthorizationRequest a;
  a.state = random_token(43);
  a.nonce = random_token(43);
  a.code_verifier = random_token(64);
  std::string endpoint;
  {
    std::lock_guard lock(mutex_);
    endpoint = metadata().authorization_endpoint;
  }
  std::string sep = endpoint.find('?') == std::string::npos ? "?" : "&";
  a.url = endpoint + sep + "response_type=code&client_id=" + web::percent_encode(settings_.client_id) +
          "&redirect_uri=" + web::percent_encode(settings_.redirect_uri) + "&scope=" +
          web::percent_encode(settings_.scopes) + "&state=" + a.state + "&nonce=" + a.nonce +
          "&code_challenge=" + pkce_challenge(a.code_verifier) + "&code_challenge_method=S256";
  return a;
}

LoginOutcome OidcClient::finish(const std::string& code, const std::string& code_verifier, const std::string& nonce,
                                std::int64_t now_seconds) {
  std::string token_endpoint;
  {
    std::lock_guard lock(mutex_);
    try {
      token_endpoint = metadata().token_endpoint;
    } catch (const std::exception&) {
      return {std::nullopt, "provider-unreachable"};
    }
  }
  web::OutboundRequest req;
  req.method = "POST";
  req.url = token_endpoint;
  req.timeout_ms = settings_.http_timeout_ms;
  // client_secret_basic (RFC 6749 §2.3.1): id and secret form-encoded, then base64.
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"},
                 {"Authorization", "Basic " + base64_encode(web::percent_encode(settings_.client_id) + ":" +
                                                            web::percent_encode(settings_.client_secret))}};
  req.body = "grant_type=authorization_code&code=" + web::percent_encode(code) +
             "&redirect_uri=" + web::percent_encode(settings_.redirect_uri) +
             "&code_verifier=" + web::percent_encode(code_verifier);
  auto res = send_(req);
  if (res.status == 0) return {std::nullopt, "provider-unreachable"};
  json body = json::parse(res.body, nullptr, false);
  if (res.status != 200 || !body.is_object()) {
    std::string err = body.is_object() ? string_claim(body, "error") : "";
    return {std::nullopt, "token-endpoint-" + (err.empty() ? std::to_string(res.status) : err)};
  }
  std::string id_token = string_claim(body, "id_token");
  if (id_token.empty()) return {std::nullopt, "no-id-token"};
  return verify_id_token(id_token, nonce, now_seconds);
}

LoginOutcome OidcClient::verify_id_token(const std::string& id_token, const std::string& nonce,
                                         std::int64_t now_seconds) {
  if (nonce.empty()) return {std::nullopt, "missing-expected-nonce"};  // every login sends one
  std::string error;
  auto jws = parse_jws(id_token, error);
  if (!jws) return {std::nullopt, "malformed-token"};
  std::string issuer;
  {
    std::lock_guard lock(mutex_);
    try {
      issuer = metadata().issuer;
    } catch (const std::exception&) {
      return {std::nullopt, "provider-unreachable"};
    }
    if (!refresh_keys(false)) return {std::nullopt, "jwks-unavailable"};
    VerifyResult v = verify_jws(*jws, keys_);
    if (v == VerifyResult::UnknownKid) {
      // The provider may have rotated its keys: fetch them again (rate-limited) and retry once.
      refresh_keys(true);
      v = verify_jws(*jws, keys_);
    }
    if (v != VerifyResult::Ok) return {std::nullopt, describe(v)};
  }
  ClaimExpectations expect;
  expect.issuer = issuer;
  expect.audience = settings_.client_id;
  expect.nonce = nonce;
  expect.now = now_seconds;
  expect.skew_seconds = settings_.clock_skew_seconds;
  expect.max_age_seconds = 600;
  std::string reason = check_claims(jws->payload, expect);
  if (!reason.empty()) return {std::nullopt, reason};
  Identity id;
  id.fiscal_code = fiscal_code_from_claims(jws->payload, settings_.fiscal_code_claim);
  if (id.fiscal_code.empty()) return {std::nullopt, "invalid-fiscal-code"};
  id.given_name = string_claim(jws->payload, "given_name").substr(0, 200);
  id.family_name = string_claim(jws->payload, "family_name").substr(0, 200);
  id.email = string_claim(jws->payload, "email").substr(0, 320);
  id.spid_level = string_claim(jws->payload, "acr").substr(0, 200);
  id.id_token = id_token;
  return {std::move(id), ""};
}

std::string OidcClient::end_session_url(const std::string& id_token_hint, const std::string& state) {
  std::string endpoint;
  {
    std::lock_guard lock(mutex_);
    try {
      endpoint = metadata().end_session_endpoint;
    } catch (const std::exception&) {
      return "";
    }
  }
  if (endpoint.empty()) return "";
  std::string sep = endpoint.find('?') == std::string::npos ? "?" : "&";
  std::string url = endpoint + sep + "client_id=" + web::percent_encode(settings_.client_id);
  if (!id_token_hint.empty()) url += "&id_token_hint=" + web::percent_encode(id_token_hint);
  if (!settings_.post_logout_redirect_uri.empty())
    url += "&post_logout_redirect_uri=" + web::percent_encode(settings_.post_logout_redirect_uri);
  if (!state.empty()) url += "&state=" + web::percent_encode(state);
  return url;
}

}  // namespace au::identity
