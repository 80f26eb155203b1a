#include "identity/api_access.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <sstream>

#include "domain/utc_time.h"
#include "identity/crypto.h"
#include "identity/id_token.h"

namespace au::identity {

using nlohmann::json;

namespace {

std::int64_t epoch_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool known_scope(const std::string& code) {
  for (const auto& s : api_scopes())
    if (s.code == code) return true;
  return false;
}

// RFC 6749 §5.2 error body; problem-detail members ride along for clients that read those.
TokenResponse oauth_error(int status, const std::string& code, const std::string& description) {
  return {status, json{{"error", code},
                       {"error_description", description},
                       {"title", "Richiesta di token non valida"},
                       {"status", status},
                       {"detail", description}}};
}

// A string member of a JSON object, or "" when absent or not a string (never throws: tokens
// come from outside).
std::string string_member(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Media types compare case-insensitively and may carry parameters (";charset=...").
bool is_form_type(const std::string& content_type) {
  std::string_view t = content_type;
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return web::iequals(t, "application/x-www-form-urlencoded");
}

const std::string* form_value(const std::vector<web::QueryParam>& form, const std::string& key) {
  const std::string* found = nullptr;
  for (const auto& p : form)
    if (p.key == key) {
      if (found) return nullptr;  // repeated parameters are ambiguous (RFC 6749 §3.1)
      found = &p.value;
    }
  return found;
}

bool repeated(const std::vector<web::QueryParam>& form) {
  std::set<std::string> seen;
  for (const auto& p : form)
    if (!seen.insert(p.key).second) return true;
  return false;
}

}  // namespace

const std::vector<ScopeInfo>& api_scopes() {
  static const std::vector<ScopeInfo> scopes = {
      {"catalogo:lettura", "Lettura del catalogo dei servizi, degli enti e dei comuni (dati pubblici)."},
      {"pratiche:lettura", "Lettura dello stato delle pratiche (solo dati di prova in ambiente di test)."},
      {"pratiche:scrittura", "Invio di eventi sulle pratiche da parte dei sistemi di back-office."},
      {"notifiche:invio", "Invio di notifiche ai cittadini tramite i canali scelti da loro."},
  };
  return scopes;
}

std::string bearer_token(const web::Request& req) {
  std::string h = req.header("Authorization");
  if (h.size() < 8 || !web::iequals(std::string_view(h).substr(0, 7), "Bearer ")) return "";
  std::string token = h.substr(7);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  return token;
}

ApiAccess::ApiAccess(store::Database& db, ApiAccessSettings settings) : db_(db), settings_(std::move(settings)) {}

KeyPtr ApiAccess::signing_key() {
  std::lock_guard lock(key_mutex_);
  if (key_) return key_;
  auto [kid, pem] = store::current_signing_key(db_, [] {
    auto k = Key::generate_rsa(2048);
    return std::make_pair(k->thumbprint(), k->private_pem());
  });
  std::string error;
  auto key = Key::from_pem(pem, error);
  if (!key) throw std::runtime_error("chiave di firma dei token non leggibile: " + error);
  key_ = key->with_kid(kid);
  return key_;
}

json ApiAccess::jwks() {
  KeySet set;
  set.keys.push_back(signing_key());
  return set.to_jwks();
}

Registration ApiAccess::register_application(const NewApplication& app) {
  Registration r;
  auto length_ok = [](const std::string& s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max;
  };
  if (!length_ok(app.name, 3, 80)) r.error = "Il nome dell'applicazione deve avere da 3 a 80 caratteri.";
  else if (app.description.size() > 500) r.error = "La descrizione può avere al massimo 500 caratteri.";
  else if (app.environment != "test" && app.environment != "live") r.error = "L'ambiente deve essere \"test\" o \"live\".";
  else if (app.scopes.empty()) r.error = "Scegli almeno un ambito di accesso (scope).";
  else
    for (const auto& s : app.scopes)
      if (!known_scope(s)) r.error = "L'ambito \"" + s.substr(0, 40) + "\" non esiste.";
  std::string jwk_text;
  if (r.error.empty() && !app.public_jwk.empty()) {
    json jwk = json::parse(app.public_jwk, nullptr, false);
    std::string err;
    if (!jwk.is_object() || jwk.contains("d") || !Key::from_jwk(jwk, err))
      r.error = "La chiave pubblica deve essere una JWK RSA (almeno 2048 bit) o EC P-256, senza parte privata.";
    else
      jwk_text = jwk.dump();
  }
  if (!r.error.empty()) return r;
  store::ApplicationRecord rec;
  rec.client_id = "au-" + random_token(24);
  rec.owner = app.owner;
  rec.name = app.name;
  rec.description = app.description;
  rec.environment = app.environment;
  std::set<std::string> unique(app.scopes.begin(), app.scopes.end());
  for (const auto& s : unique) rec.scopes += (rec.scopes.empty() ? "" : " ") + s;
  rec.auth_method = jwk_text.empty() ? "client_secret" : "private_key_jwt";
  rec.public_jwk = jwk_text;
  rec.rate_per_second = settings_.default_rate.per_second;
  rec.burst = static_cast<std::int64_t>(settings_.default_rate.burst);
  rec.daily_quota = settings_.default_daily_quota;
  rec.status = "attiva";
  rec.created_at = domain::format_utc(epoch_now());
  std::string hash, hint;
  if (jwk_text.empty()) {
    r.client_secret = random_token(48);
    hash = sha256_hex(r.client_secret);
    hint = r.client_secret.substr(r.client_secret.size() - 4);
  }
  store::insert_application(db_, rec, hash, hint);
  r.client_id = rec.client_id;
  return r;
}

std::string ApiAccess::rotate_secret(const std::string& client_id) {
  auto app = store::find_application(db_, client_id);
  if (!app || app->status != "attiva" || app->auth_method != "client_secret") return "";
  std::string secret = random_token(48);
  std::int64_t now = epoch_now();
  store::rotate_secret(db_, client_id, sha256_hex(secret), secret.substr(secret.size() - 4), domain::format_utc(now),
                       domain::format_utc(now + settings_.secret_overlap_seconds));
  return secret;
}

bool ApiAccess::revoke(const std::string& client_id) {
  return store::revoke_application(db_, client_id, domain::format_utc(epoch_now()));
}

std::optional<store::ApplicationRecord> ApiAccess::authenticate_client(const std::vector<web::QueryParam>& form,
                                                                       const web::Request& req, std::string& error) {
  std::string client_id, secret;
  const std::string* assertion = form_value(form, "client_assertion");
  std::string basic = req.header("Authorization");
  if (basic.size() > 6 && web::iequals(std::string_view(basic).substr(0, 6), "Basic ")) {
    auto decoded = base64_decode(basic.substr(6));
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      error = "Credenziali Basic non valide.";
      return std::nullopt;
    }
    // RFC 6749 §2.3.1: both parts are form-url-encoded before base64.
    if (!web::percent_decode(decoded->substr(0, colon), client_id, true) ||
        !web::percent_decode(decoded->substr(colon + 1), secret, true)) {
      error = "Credenziali Basic non valide.";
      return std::nullopt;
    }
  } else if (assertion) {
    const std::string* type = form_value(form, "client_assertion_type");
    if (!type || *type != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      error = "client_assertion_type deve essere urn:ietf:params:oauth:client-assertion-type:jwt-bearer.";
      return std::nullopt;
    }
    std::string perr;
    auto jws = parse_jws(*assertion, perr);
    if (!jws || !jws->payload.contains("iss") || !jws->payload["iss"].is_string()) {
      error = "L'asserzione del client non è un JWT valido.";
      return std::nullopt;
    }
    client_id = jws->payload["iss"].get<std::string>();
    auto app = store::find_application(db_, client_id);
    if (!app || app->auth_method != "private_key_jwt" || app->status != "attiva") {
      error = "Client sconosciuto o non abilitato all'autenticazione con chiave.";
      return std::nullopt;
    }
    std::string kerr;
    auto key = Key::from_jwk(json::parse(app->public_jwk, nullptr, false), kerr);
    KeySet keys;
    if (key) keys.keys.push_back(key->with_kid(jws->kid()));
    if (!key || verify_jws(*jws, keys) != VerifyResult::Ok) {
      error = "Firma dell'asserzione del client non valida.";
      return std::nullopt;
    }
    ClaimExpectations expect;
    expect.issuer = client_id;
    expect.audience = settings_.token_endpoint;
    expect.now = epoch_now();
    expect.max_age_seconds = 300;
    expect.require_jti = true;
    std::string reason = check_claims(jws->payload, expect);
    if (reason.empty() && string_member(jws->payload, "sub") != client_id) reason = "wrong-subject";
    if (!reason.empty()) {
      error = "Asserzione del client non accettata (" + reason + ").";
      return std::nullopt;
    }
    std::int64_t exp = jws->payload["exp"].get<std::int64_t>();
    if (!store::remember_assertion(db_, client_id, jws->payload["jti"].get<std::string>(),
                                   domain::format_utc(exp + 60))) {
      error = "Asserzione del client già usata (jti ripetuto).";
      return std::nullopt;
    }
    return app;
  } else {
    const std::string* id = form_value(form, "client_id");
    const std::string* sec = form_value(form, "client_secret");
    if (!id || !sec) {
      error = "Autenticazione del client mancante: usa HTTP Basic, client_secret o client_assertion.";
      return std::nullopt;
    }
    client_id = *id;
    secret = *sec;
  }
  auto app = store::find_application(db_, client_id);
  if (!app || app->status != "attiva" || app->auth_method != "client_secret") {
    error = "Client sconosciuto o credenziali non valide.";
    return std::nullopt;
  }
  std::string hash = sha256_hex(secret);
  bool match = false;
  for (const auto& s : store::valid_secrets(db_, client_id, domain::format_utc(epoch_now())))
    match = constant_time_equal(s.secret_hash, hash) || match;  // no early exit: same time per secret
  if (!match) {
    error = "Client sconosciuto o credenziali non valide.";
    return std::nullopt;
  }
  return app;
}

TokenResponse ApiAccess::issue_token(const web::Request& req) {
  if (!is_form_type(req.header("Content-Type")))
    return oauth_error(400, "invalid_request", "Il corpo deve essere application/x-www-form-urlencoded.");
  std::vector<web::QueryParam> form;
  if (req.body.size() > 16384 || !web::parse_query(req.body, form))
    return oauth_error(400, "invalid_request", "Corpo della richiesta non valido.");
  if (repeated(form)) return oauth_error(400, "invalid_request", "Parametri ripetuti.");
  const std::string* grant = form_value(form, "grant_type");
  if (!grant) return oauth_error(400, "invalid_request", "grant_type mancante.");
  if (*grant != "client_credentials")
    return oauth_error(400, "unsupported_grant_type", "Questo endpoint rilascia solo token client_credentials.");
  // RFC 6749 §2.3: a client uses exactly one authentication method per request.
  int methods = (req.header("Authorization").empty() ? 0 : 1) + (form_value(form, "client_secret") ? 1 : 0) +
                (form_value(form, "client_assertion") ? 1 : 0);
  if (methods > 1)
    return oauth_error(400, "invalid_request", "Usa un solo metodo di autenticazione del client per richiesta.");
  std::string error;
  auto app = authenticate_client(form, req, error);
  if (!app) {
    TokenResponse r = oauth_error(401, "invalid_client", error);
    return r;
  }
  std::vector<std::string> granted = split_spaces(app->scopes), requested;
  if (const std::string* scope = form_value(form, "scope")) {
    requested = split_spaces(*scope);
    for (const auto& s : requested)
      if (std::find(granted.begin(), granted.end(), s) == granted.end())
        return oauth_error(400, "invalid_scope", "L'ambito \"" + s.substr(0, 40) + "\" non è concesso a questa applicazione.");
  } else {
    requested = granted;
  }
  std::string scope;
  for (const auto& s : requested) scope += (scope.empty() ? "" : " ") + s;
  std::int64_t now = epoch_now();
  json claims = {{"iss", settings_.issuer},
                 {"aud", settings_.audience},
                 {"sub", app->client_id},
                 {"client_id", app->client_id},
                 {"scope", scope},
                 {"env", app->environment},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + settings_.token_lifetime_seconds},
                 {"jti", random_token(32)}};
  std::string token = sign_jwt(*signing_key(), claims, "at+jwt");
  return {200, json{{"access_token", token},
                    {"token_type", "Bearer"},
                    {"expires_in", settings_.token_lifetime_seconds},
                    {"scope", scope}}};
}

BearerCheck ApiAccess::authenticate(const std::string& bearer) {
  BearerCheck out;
  std::string perr;
  auto jws = parse_jws(bearer, perr);
  if (!jws) {
    out.error = "malformed-token";
    return out;
  }
  if (string_member(jws->header, "typ") != "at+jwt") {
    out.error = "wrong-token-type";  // an ID token or a client assertion is not an access token
    return out;
  }
  KeySet keys;
  keys.keys.push_back(signing_key());
  VerifyResult v = verify_jws(*jws, keys);
  if (v != VerifyResult::Ok) {
    out.error = describe(v);
    return out;
  }
  ClaimExpectations expect;
  expect.issuer = settings_.issuer;
  expect.audience = settings_.audience;
  expect.now = epoch_now();
  expect.skew_seconds = 30;
  std::string reason = check_claims(jws->payload, expect);
  if (!reason.empty()) {
    out.error = reason;
    return out;
  }
  std::string client_id = string_member(jws->payload, "client_id");
  auto app = store::find_application(db_, client_id);
  if (!app || app->status != "attiva") {
    out.error = "application-revoked";
    return out;
  }
  domain::Principal p;
  p.kind = domain::Principal::Kind::Application;
  p.subject = client_id;
  for (const auto& s : split_spaces(string_member(jws->payload, "scope"))) p.scopes.insert(s);
  p.environment = app->environment;
  p.application_owner = app->owner;
  out.principal = std::move(p);
  out.application = std::move(app);
  return out;
}

MeterResult ApiAccess::meter(const store::ApplicationRecord& app) {
  MeterResult m;
  RateDecision burst = limiter_.take(app.client_id, {app.rate_per_second, static_cast<double>(app.burst)}, steady_ms());
  std::int64_t now = epoch_now();
  std::string day = domain::format_utc(now).substr(0, 10);
  std::int64_t to_midnight = 86400 - now % 86400;
  if (!burst.allowed) {
    store::add_usage(db_, app.client_id, day, 0, 1);
    m.allowed = false;
    m.limit = burst.limit;
    m.remaining = 0;
    m.reset_seconds = burst.reset_seconds;
    m.retry_after_seconds = std::max<std::int64_t>(1, burst.retry_after_seconds);
    return m;
  }
  store::UsageDay today = store::add_usage(db_, app.client_id, day, 1, 0);
  if (today.calls > app.daily_quota) {
    // Over quota: the call is counted as throttled, not as served.
    store::add_usage(db_, app.client_id, day, -1, 1);
    m.allowed = false;
    m.limit = app.daily_quota;
    m.remaining = 0;
    m.reset_seconds = to_midnight;
    m.retry_after_seconds = to_midnight;
    return m;
  }
  // The headers describe whichever limit is nearer: the day's quota or the burst bucket.
  std::int64_t quota_left = app.daily_quota - today.calls;
  if (quota_left < burst.remaining) {
    m.limit = app.daily_quota;
    m.remaining = quota_left;
    m.reset_seconds = to_midnight;
  } else {
    m.limit = burst.limit;
    m.remaining = burst.remaining;
    m.reset_seconds = burst.reset_seconds;
  }
  return m;
}

}  // namespace au::identity
