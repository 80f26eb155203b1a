#include "api/identity_api.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "domain/utc_time.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;

namespace {

std::string now_utc() { return domain::format_utc(std::time(nullptr)); }

web::Response tagged(web::Response r, const char* route) {
  r.route = route;
  r.headers["Cache-Control"] = "no-store";
  return r;
}

json delegation_json(const store::DelegationRecord& d) {
  return {{"id", d.id},
          {"grantor", d.grantor},
          {"grantor_kind", d.grantor_kind},
          {"grantor_name", d.grantor_name},
          {"delegate", d.delegate},
          {"all_services", d.all_services},
          {"services", d.services},
          {"enti", d.enti},
          {"valid_from", d.valid_from},
          {"valid_until", d.valid_until},
          {"status", d.status},
          {"created_at", d.created_at}};
}

web::Response result_response(const identity::DelegationResult& r) {
  if (r.status == 404) return web::problem(404, "Delega non trovata", "La delega indicata non esiste.");
  if (r.status == 403) return web::problem(403, "Operazione non consentita", "Non puoi compiere questa operazione su questa delega.");
  if (!r.error.empty())
    return web::problem(r.status, r.status == 409 ? "Stato della delega non compatibile" : "Dati non validi", r.error);
  json body = r.delegation ? delegation_json(*r.delegation) : json::object();
  if (!r.acceptance_code.empty()) body["acceptance_code"] = r.acceptance_code;
  return web::json_response(r.status, body);
}

}  // namespace

web::Response unauthorized(const std::string& detail, const std::string& error) {
  web::Response r = web::problem(401, "Autenticazione necessaria", detail);
  r.headers["WWW-Authenticate"] =
      error.empty() ? "Bearer realm=\"accesso-unico\"" : "Bearer realm=\"accesso-unico\", error=\"" + error + "\"";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

std::optional<web::Response> IdentityApi::handle(const web::Request& req, const identity::Caller& caller) {
  const std::string& path = req.path;
  if (path == "/oauth/token") {
    if (req.method != "POST") {
      web::Response r = web::problem(405, "Metodo non consentito", "Il token endpoint accetta solo POST.");
      r.headers["Allow"] = "POST";
      return tagged(r, "oauth_token");
    }
    auto t = deps_.access->issue_token(req);
    web::Response r(t.status, "application/json", t.body.dump());
    if (t.status == 401) r.headers["WWW-Authenticate"] = "Basic realm=\"accesso-unico\"";
    r.headers["Pragma"] = "no-cache";
    return tagged(r, "oauth_token");
  }
  if (path == "/.well-known/jwks.json") {
    if (req.method != "GET" && req.method != "HEAD") {
      web::Response r = web::problem(405, "Metodo non consentito", "Solo GET.");
      r.headers["Allow"] = "GET, HEAD";
      return r;
    }
    web::Response r(200, "application/jwk-set+json", deps_.access->jwks().dump());
    r.headers["Cache-Control"] = "public, max-age=300";
    r.route = "jwks";
    return r;
  }
  auto parts = web::split_path(path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1") return std::nullopt;
  if (parts[2] == "me" && parts.size() == 3) {
    if (req.method != "GET" && req.method != "HEAD") {
      web::Response r = web::problem(405, "Metodo non consentito", "/api/v1/me accetta solo GET.");
      r.headers["Allow"] = "GET, HEAD";
      return tagged(r, "api_me");
    }
    if (!req.query.empty()) return tagged(web::problem(400, "Parametri non ammessi", "/api/v1/me non ha parametri."), "api_me");
    return tagged(me(caller), "api_me");
  }
  if (parts[2] == "delegations")
    return tagged(delegations(req, caller, std::vector<std::string>(parts.begin() + 3, parts.end())), "api_delegations");
  return std::nullopt;
}

web::Response IdentityApi::me(const identity::Caller& caller) {
  if (caller.anonymous())
    return unauthorized("Serve un token di accesso valido (Authorization: Bearer) o una sessione dell'area personale.");
  const auto& p = caller.principal();
  json roles = json::array();
  for (auto r : p.roles) roles.push_back(domain::role_code(r));
  if (caller.application) {
    const auto& a = *caller.application;
    json scopes = json::array();
    for (const auto& s : p.scopes) scopes.push_back(s);
    return web::json_response(200, {{"kind", "application"},
                                    {"client_id", a.client_id},
                                    {"name", a.name},
                                    {"environment", a.environment},
                                    {"scopes", scopes}});
  }
  const auto& s = *caller.session;
  json body = {{"kind", "person"},
               {"fiscal_code", s.record.fiscal_code},
               {"given_name", s.record.given_name},
               {"family_name", s.record.family_name},
               {"spid_level", s.record.spid_level},
               {"roles", roles}};
  if (!p.ente_id.empty()) body["ente"] = p.ente_id;
  if (!p.businesses.empty()) body["businesses"] = p.businesses;
  if (!p.communities.empty()) body["communities"] = p.communities;
  if (!s.record.acting_for.empty()) body["acting_for"] = s.record.acting_for;
  return web::json_response(200, body);
}

web::Response IdentityApi::delegations(const web::Request& req, const identity::Caller& caller,
                                       const std::vector<std::string>& rest) {
  if (caller.anonymous()) return unauthorized("Accedi all'area personale per gestire le deleghe.");
  if (!caller.session)
    return web::problem(403, "Operazione non consentita", "Le deleghe appartengono alle persone, non alle applicazioni.");
  const auto& s = *caller.session;
  const auto& p = s.principal;
  std::string now = now_utc();
  if (rest.empty() && (req.method == "GET" || req.method == "HEAD")) {
    if (!req.query.empty()) return web::problem(400, "Parametri non ammessi", "/api/v1/delegations non ha parametri.");
    json granted = json::array(), received = json::array();
    for (const auto& d : deps_.delegations->granted_by(p)) granted.push_back(delegation_json(d));
    for (const auto& d : deps_.delegations->received_by(p)) received.push_back(delegation_json(d));
    return web::json_response(200, {{"granted", granted}, {"received", received}});
  }
  if (req.method != "POST") {
    web::Response r = web::problem(405, "Metodo non consentito", rest.empty() ? "Usa GET o POST." : "Usa POST.");
    r.headers["Allow"] = rest.empty() ? "GET, HEAD, POST" : "POST";
    return r;
  }
  if (!req.query.empty()) return web::problem(400, "Parametri non ammessi", "Le operazioni sulle deleghe non hanno parametri di query.");
  // A cookie rides along on cross-site requests: writes need the session's token in a header.
  if (!identity::csrf_ok(req, s, "", deps_.base_url))
    return web::problem(403, "Token CSRF mancante o non valido", "Invia l'intestazione X-CSRF-Token della sessione.");
  // revoke/reject carry nothing: an empty body is accepted as {}.
  bool empty_ok = !rest.empty() && rest.size() == 2 && req.body.empty();
  if (!empty_ok && req.header("Content-Type").rfind("application/json", 0) != 0)
    return web::problem(415, "Formato non supportato", "Il corpo deve essere application/json.");
  if (req.body.size() > 65536) return web::problem(413, "Corpo troppo grande", "Al massimo 64 KiB.");
  json body = empty_ok ? json::object() : json::parse(req.body, nullptr, false);
  if (!body.is_object()) return web::problem(400, "JSON non valido", "Il corpo deve essere un oggetto JSON.");
  // Members present with the wrong type are errors, not silently "absent" (a grantor sent as a
  // list must not turn a business's delegation into a personal one).
  for (const char* k : {"grantor", "delegate", "scope", "valid_from", "valid_until", "code"})
    if (body.contains(k) && !body[k].is_string())
      return web::problem(422, "Dati non validi", std::string("Il campo ") + k + " deve essere una stringa.");
  auto str = [&](const char* k) { return body.contains(k) ? body[k].get<std::string>() : std::string(); };
  auto list = [&](const char* k, std::vector<std::string>& out) {
    if (!body.contains(k)) return true;
    if (!body[k].is_array() || body[k].size() > 100) return false;
    for (const auto& v : body[k]) {
      if (!v.is_string()) return false;
      out.push_back(v.get<std::string>());
    }
    return true;
  };
  identity::DelegationResult r;
  if (rest.empty()) {
    identity::DelegationRequest d;
    d.grantor = str("grantor");
    d.delegate = str("delegate");
    d.scope = str("scope");
    d.valid_from = str("valid_from");
    d.valid_until = str("valid_until");
    if (!list("services", d.services) || !list("enti", d.enti))
      return web::problem(422, "Dati non validi", "services ed enti devono essere elenchi di al massimo 100 stringhe.");
    r = deps_.delegations->grant(p, s.display_name(), d, *deps_.catalog(), now);
  } else if (rest.size() == 1 && rest[0] == "accept") {
    r = deps_.delegations->accept(p, str("code"), now);
  } else if (rest.size() == 2 && rest[1] == "reject") {
    r = deps_.delegations->reject(p, rest[0], now);
  } else if (rest.size() == 2 && rest[1] == "revoke") {
    r = deps_.delegations->revoke(p, rest[0], now);
  } else {
    return web::problem(404, "Risorsa non trovata", "Operazione sulle deleghe non trovata.");
  }
  if (r.status == 403 || r.status == 404) spdlog::warn("accesso negato: delega via API ({})", r.reason);
  if (r.delegation) {
    deps_.sessions->forget_person(r.delegation->delegate);
    deps_.sessions->forget_person(s.record.fiscal_code);
  }
  return result_response(r);
}

}  // namespace au::api
