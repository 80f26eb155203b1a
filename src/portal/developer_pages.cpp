// The developer portal: API reference rendered from docs/openapi.yaml, and the integrator's
// applications (credentials through identity::ApiAccess).
#include "portal/developer_pages.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "domain/utc_time.h"
#include "portal/account_pages.h"
#include "portal/markdown.h"
#include "portal/view_helpers.h"

namespace au::portal {

using nlohmann::json;

namespace {

std::string text(const YAML::Node& n, const char* key) {
  return n && n[key] && n[key].IsScalar() ? n[key].as<std::string>() : std::string();
}

// Follows a local "$ref: '#/components/...'" so parameters and responses show their content.
YAML::Node resolve(const YAML::Node& root, const YAML::Node& n) {
  if (!n || !n.IsMap() || !n["$ref"]) return n;
  std::string ref = n["$ref"].as<std::string>();
  if (ref.rfind("#/", 0) != 0) return n;
  YAML::Node cur = YAML::Clone(root);
  std::size_t pos = 2;
  while (pos <= ref.size()) {
    std::size_t slash = ref.find('/', pos);
    std::string key = ref.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (!cur.IsMap() || !cur[key]) return n;
    cur = cur[key];
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return cur;
}

// 2 -> "2", 2.5 -> "2,5": Italian decimal comma, no trailing ".0".
std::string rate_label(double r) {
  if (r == static_cast<double>(static_cast<long long>(r))) return std::to_string(static_cast<long long>(r));
  std::string s = std::to_string(r);
  while (!s.empty() && s.back() == '0') s.pop_back();
  for (auto& c : s)
    if (c == '.') c = ',';
  return s;
}

}  // namespace

json openapi_reference(const std::filesystem::path& file) {
  YAML::Node root = YAML::LoadFile(file.string());
  json out;
  out["title"] = text(root["info"], "title");
  out["version"] = text(root["info"], "version");
  out["description_html"] = markdown_to_html(text(root["info"], "description"));
  std::map<std::string, json> by_tag;
  for (const auto& path : root["paths"]) {
    std::string p = path.first.as<std::string>();
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters" || !op.second.IsMap()) continue;
      json o;
      o["method"] = method;
      o["method_upper"] = std::string(method.begin(), method.end());
      for (auto& c : o["method_upper"].get_ref<std::string&>()) c = static_cast<char>(std::toupper(c));
      o["path"] = p;
      o["summary"] = text(op.second, "summary");
      o["description_html"] = markdown_to_html(text(op.second, "description"));
      o["anchor"] = method + "-" + p;
      for (auto& c : o["anchor"].get_ref<std::string&>())
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
      json params = json::array();
      for (const auto& raw : op.second["parameters"]) {
        YAML::Node prm = resolve(root, raw);
        params.push_back({{"name", text(prm, "name")},
                          {"in", text(prm, "in")},
                          {"required", prm["required"] && prm["required"].as<bool>()},
                          {"description", text(prm, "description")}});
      }
      o["parameters"] = params;
      o["has_parameters"] = !params.empty();
      json responses = json::array();
      for (const auto& r : op.second["responses"]) {
        YAML::Node resp = resolve(root, r.second);
        responses.push_back({{"status", r.first.as<std::string>()}, {"description", text(resp, "description")}});
      }
      o["responses"] = responses;
      std::string tag = op.second["tags"] && op.second["tags"].size() ? op.second["tags"][0].as<std::string>() : "altro";
      by_tag[tag].push_back(o);
    }
  }
  json groups = json::array();
  for (auto& [tag, ops] : by_tag) groups.push_back({{"tag", tag}, {"operations", ops}});
  out["groups"] = groups;
  return out;
}

DeveloperPages::DeveloperPages(DeveloperDeps deps) : deps_(std::move(deps)) {
  try {
    reference_ = openapi_reference(deps_.openapi_file);
  } catch (const std::exception& e) {
    spdlog::error("documento OpenAPI non leggibile: {}", e.what());
    reference_ = json::object();
  }
}

std::optional<web::Response> DeveloperPages::handle(const web::Request& req, const identity::Caller& caller) {
  auto parts = web::split_path(req.path);
  if (parts.empty() || parts[0] != "sviluppatori") return std::nullopt;
  bool get = req.method == "GET" || req.method == "HEAD";
  auto not_allowed = [&](const std::string& allow) {
    web::Response r = deps_.renderer->error_page(405, "Questa pagina accetta solo: " + allow + ".");
    r.headers["Allow"] = allow;
    return r;
  };
  if (parts.size() == 1) return get ? home(caller, "", "") : not_allowed("GET, HEAD");
  if (parts.size() == 3 && parts[1] == "api" && parts[2] == "catalogo") return get ? reference() : not_allowed("GET, HEAD");
  if (parts[1] != "applicazioni") return deps_.renderer->error_page(404, "La pagina che cerchi non esiste.");
  if (!caller.session) {
    if (!get) return deps_.renderer->error_page(401, "La sessione è scaduta: accedi di nuovo.");
    return redirect("/accedi?ritorno=" + web::percent_encode(safe_return_to(req.path)));
  }
  if (req.method == "POST") return post(req, *caller.session, parts);
  if (parts.size() == 3 && get) return application(*caller.session, parts[2], "", "");
  return not_allowed("POST");
}

web::Response DeveloperPages::home(const identity::Caller& caller, const std::string& notice, const std::string& error,
                                   int status) {
  json ctx = deps_.renderer->base_context("Sviluppatori - UmbriaSemplice",
                                          "Le API di Accesso Unico per app e gestionali: catalogo dei servizi, "
                                          "pratiche e notifiche, con credenziali e quote per applicazione.",
                                          "/sviluppatori");
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Sviluppatori", ""}});
  json apis = json::array({{{"name", reference_.value("title", std::string("API del catalogo"))},
                            {"version", reference_.value("version", std::string())},
                            {"url", "/sviluppatori/api/catalogo"},
                            {"spec", "/api/v1/openapi.yaml"}}});
  json scopes = json::array();
  for (const auto& s : identity::api_scopes()) scopes.push_back({{"code", s.code}, {"description", s.description}});
  ctx["dev"] = {{"apis", apis}, {"scopes", scopes}, {"token_endpoint", deps_.access->settings().token_endpoint},
                {"notice", notice}, {"error", error}};
  web::Response r;
  if (caller.session) {
    const auto& s = *caller.session;
    ctx["user"] = {{"name", s.display_name()}};
    ctx["csrf"] = s.record.csrf_token;
    json apps = json::array();
    for (const auto& a : store::applications_of(*deps_.db, s.record.fiscal_code))
      apps.push_back({{"client_id", a.client_id}, {"name", a.name}, {"environment", a.environment},
                      {"status", a.status}, {"url", "/sviluppatori/applicazioni/" + a.client_id}});
    ctx["dev"]["applications"] = apps;
    ctx["dev"]["logged_in"] = true;
  } else {
    ctx["dev"]["logged_in"] = false;
  }
  r = deps_.renderer->page("developer_home", ctx, "developer_portal", status);
  if (caller.session) r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response DeveloperPages::reference() {
  json ctx = deps_.renderer->base_context("Riferimento API del catalogo - UmbriaSemplice",
                                          "Operazioni, parametri e risposte delle API del catalogo dei servizi.",
                                          "/sviluppatori/api/catalogo");
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Sviluppatori", "/sviluppatori"}, {"API del catalogo", ""}});
  ctx["reference"] = reference_;
  return deps_.renderer->page("developer_reference", ctx, "developer_reference");
}

web::Response DeveloperPages::application(const identity::ActiveSession& s, const std::string& client_id,
                                          const std::string& notice, const std::string& secret) {
  auto app = store::find_application(*deps_.db, client_id);
  domain::Resource res;
  res.owner = app ? app->owner : "";
  auto dec = domain::decide(s.principal, domain::Action::ManageApplication, res, domain::format_utc(std::time(nullptr)));
  if (!app || !dec) {
    spdlog::warn("accesso negato: applicazione ({})", app ? dec.reason : "unknown-application");
    web::Response r = deps_.renderer->error_page(404, "L'applicazione richiesta non esiste.");
    r.headers["Cache-Control"] = "no-store";
    return r;
  }
  json ctx = deps_.renderer->base_context(app->name + " - Sviluppatori - UmbriaSemplice", "Applicazione registrata",
                                          "/sviluppatori/applicazioni/" + client_id);
  ctx["page"]["noindex"] = true;
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Sviluppatori", "/sviluppatori"}, {app->name, ""}});
  ctx["user"] = {{"name", s.display_name()}};
  ctx["csrf"] = s.record.csrf_token;
  json usage = json::array();
  for (const auto& u : store::usage_of(*deps_.db, client_id, 14))
    usage.push_back({{"day", date_label(u.day + "T00:00:00Z")}, {"calls", u.calls}, {"throttled", u.throttled}});
  json secrets = json::array();
  for (const auto& sec : store::valid_secrets(*deps_.db, client_id, domain::format_utc(std::time(nullptr))))
    secrets.push_back({{"hint", "…" + sec.hint},
                       {"created", date_label(sec.created_at)},
                       {"expires", sec.expires_at.empty() ? "" : date_label(sec.expires_at) + " " + sec.expires_at.substr(11, 5)}});
  ctx["app"] = {{"client_id", app->client_id},
                {"name", app->name},
                {"description", app->description},
                {"environment", app->environment},
                {"scopes", app->scopes},
                {"auth_method", app->auth_method == "client_secret" ? "Segreto condiviso" : "Chiave pubblica (private_key_jwt)"},
                {"uses_secret", app->auth_method == "client_secret"},
                {"active", app->status == "attiva"},
                {"status", app->status},
                {"rate", rate_label(app->rate_per_second)},
                {"burst", app->burst},
                {"quota", app->daily_quota},
                {"usage", usage},
                {"has_usage", !usage.empty()},
                {"secrets", secrets},
                {"new_secret", secret},
                {"notice", notice},
                {"token_endpoint", deps_.access->settings().token_endpoint}};
  web::Response r = deps_.renderer->page("developer_application", ctx, "developer_application");
  r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response DeveloperPages::post(const web::Request& req, const identity::ActiveSession& s,
                                   const std::vector<std::string>& parts) {
  std::vector<web::QueryParam> form;
  if (req.header("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0 || req.body.size() > 65536 ||
      !web::parse_query(req.body, form))
    return deps_.renderer->error_page(400, "Il modulo inviato non è valido.");
  if (!identity::csrf_ok(req, s, form_get(form, "csrf"), deps_.renderer->base_url()))
    return deps_.renderer->error_page(403, "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova.");
  std::string now = domain::format_utc(std::time(nullptr));
  identity::Caller caller;
  caller.session = std::shared_ptr<const identity::ActiveSession>(std::shared_ptr<void>(), &s);
  if (parts.size() == 2) {
    if (auto d = domain::decide(s.principal, domain::Action::RegisterApplication, {}, now); !d)
      return deps_.renderer->error_page(403, "Non puoi registrare applicazioni.");
    identity::NewApplication app;
    app.owner = s.record.fiscal_code;
    app.name = form_get(form, "nome");
    app.description = form_get(form, "descrizione");
    app.environment = form_get(form, "ambiente");
    app.scopes = form_all(form, "scope");
    app.public_jwk = form_get(form, "chiave_pubblica");
    auto reg = deps_.access->register_application(app);
    if (!reg.error.empty()) return home(caller, "", reg.error, 422);
    return application(s, reg.client_id, "Applicazione registrata.", reg.client_secret);
  }
  if (parts.size() == 4) {
    auto app = store::find_application(*deps_.db, parts[2]);
    domain::Resource res;
    res.owner = app ? app->owner : "";
    auto dec = domain::decide(s.principal, domain::Action::ManageApplication, res, now);
    if (!app || !dec) return deps_.renderer->error_page(404, "L'applicazione richiesta non esiste.");
    if (parts[3] == "ruota-segreto") {
      std::string secret = deps_.access->rotate_secret(app->client_id);
      if (secret.empty()) return deps_.renderer->error_page(409, "Questa applicazione non usa un segreto o è revocata.");
      return application(s, app->client_id, "Nuovo segreto creato: il precedente resta valido per 24 ore.", secret);
    }
    if (parts[3] == "revoca") {
      deps_.access->revoke(app->client_id);
      return application(s, app->client_id, "Applicazione revocata: i suoi token non sono più accettati.", "");
    }
  }
  return deps_.renderer->error_page(404, "Operazione non trovata.");
}

}  // namespace au::portal
