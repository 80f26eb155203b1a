// The personal area: routing of /area-personale, the dashboard, delegations and acting for a
// client. Login and logout are in account_login.cpp, the role dashboards (ente, editors,
// administration) in account_roles.cpp. Every decision about who may see what is
// domain::decide().
#include "portal/account_pages.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "domain/fiscal_code.h"
#include "domain/utc_time.h"
#include "identity/crypto.h"
#include "portal/view_helpers.h"
#include "store/identity_repository.h"

namespace au::portal {

using nlohmann::json;
using domain::Action;

namespace {

std::string status_label(const std::string& status) {
  if (status == "in-attesa") return "In attesa di accettazione";
  if (status == "attiva") return "Attiva";
  if (status == "rifiutata") return "Rifiutata";
  if (status == "revocata") return "Revocata";
  return status;
}

std::string scope_label(const store::DelegationRecord& d, const domain::CatalogSnapshot& cat) {
  if (d.all_services) return "Tutti i servizi";
  std::vector<std::string> names;
  for (const auto& id : d.services)
    if (const auto* s = cat.service_by_id(id)) names.push_back(s->title);
  for (const auto& id : d.enti)
    if (const auto* e = cat.ente_by_id(id)) names.push_back("Servizi di " + e->name);
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "; ") + n;
  return out.empty() ? "Nessun servizio" : out;
}

// valid_until is stored exclusive (the day after the last one): people read the last day.
std::string last_day_label(const std::string& valid_until) {
  auto t = domain::parse_utc(valid_until);
  return t ? date_label(domain::format_utc(*t - 86400)) : date_label(valid_until);
}

std::string mask_fiscal_code(const std::string& cf) {
  // Lists that others may see show the code partially: enough to recognise, not to reuse.
  return cf.size() == 16 ? cf.substr(0, 6) + "*****" + cf.substr(11) : cf;
}

}  // namespace

std::string safe_return_to(const std::string& t) {
  const std::string fallback = "/area-personale";
  if (t.empty() || t.size() > 512 || t[0] != '/') return fallback;
  if (t.size() > 1 && (t[1] == '/' || t[1] == '\\')) return fallback;
  for (unsigned char c : t)
    if (c < 0x20 || c == 0x7f || c == '\\') return fallback;
  return t;
}

web::Response redirect(const std::string& location) {
  web::Response r(302, "text/plain; charset=utf-8", "Reindirizzamento a " + location);
  r.headers["Location"] = location;
  r.headers["Cache-Control"] = "no-store";
  r.route = "redirect";
  return r;
}

std::string form_get(const std::vector<web::QueryParam>& form, const std::string& key) {
  for (const auto& p : form)
    if (p.key == key) return p.value;
  return "";
}

std::vector<std::string> form_all(const std::vector<web::QueryParam>& form, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& p : form)
    if (p.key == key && !p.value.empty()) out.push_back(p.value);
  return out;
}

AccountPages::AccountPages(AccountDeps deps) : deps_(std::move(deps)) {}

json AccountPages::context(const Session& s, const std::string& title, const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& crumbs) const {
  json ctx = deps_.renderer->base_context(title + " - UmbriaSemplice", title, path);
  ctx["page"]["noindex"] = true;
  std::vector<std::pair<std::string, std::string>> items = {{"Home", "/"}};
  items.insert(items.end(), crumbs.begin(), crumbs.end());
  ctx["page"]["breadcrumb"] = breadcrumb(items);
  ctx["user"] = {{"name", s.display_name()}};
  ctx["csrf"] = s.record.csrf_token;
  const auto& p = s.principal;
  json roles = json::array();
  for (auto r : p.roles) roles.push_back(domain::role_label(r));
  ctx["account"] = account_nav(s, *deps_.db);
  ctx["account"]["fiscal_code"] = s.record.fiscal_code;
  ctx["account"]["spid_level"] = s.record.spid_level;
  ctx["account"]["roles"] = roles;
  ctx["account"]["acting_for"] = s.record.acting_for;
  return ctx;
}

web::Response AccountPages::render(const std::string& tmpl, const json& ctx, const std::string& route,
                                   int status) const {
  web::Response r = deps_.renderer->page(tmpl, ctx, route, status);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response AccountPages::denied(const domain::Decision& d, const std::string& what) const {
  // The reason is a code, the route a fixed name: nothing personal reaches the log.
  spdlog::warn("accesso negato: {} ({})", what, d.reason);
  web::Response r = d.status == 404
                        ? deps_.renderer->error_page(404, "La pagina che cerchi non esiste o non è disponibile per te.")
                        : deps_.renderer->error_page(403, "Non hai i permessi per questa operazione.");
  r.headers["Cache-Control"] = "no-store";
  r.route = "denied";
  return r;
}

std::optional<web::Response> AccountPages::read_form(const web::Request& req, const Session& s,
                                                     std::vector<web::QueryParam>& form) const {
  if (req.header("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0 || req.body.size() > 65536 ||
      !web::parse_query(req.body, form))
    return deps_.renderer->error_page(400, "Il modulo inviato non è valido.");
  if (!identity::csrf_ok(req, s, form_get(form, "csrf"), deps_.renderer->base_url())) {
    spdlog::warn("modulo rifiutato: token CSRF o origine non validi");
    return deps_.renderer->error_page(403, "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova.");
  }
  return std::nullopt;
}

std::optional<web::Response> AccountPages::handle(const web::Request& req, const identity::Caller& caller) {
  auto parts = web::split_path(req.path);
  if (parts.empty()) return std::nullopt;
  const std::string& first = parts[0];
  bool get = req.method == "GET" || req.method == "HEAD";
  bool post = req.method == "POST";
  auto not_allowed = [&](const std::string& allow) {
    web::Response r = deps_.renderer->error_page(405, "Questa pagina accetta solo: " + allow + ".");
    r.headers["Allow"] = allow;
    return r;
  };
  if (first == "accedi" && parts.size() == 1) return get ? login_page(req, caller) : not_allowed("GET, HEAD");
  if (first == "auth" && parts.size() == 2 && parts[1] == "login") return get ? login_start(req) : not_allowed("GET, HEAD");
  if (first == "auth" && parts.size() == 2 && parts[1] == "callback")
    return get ? login_callback(req) : not_allowed("GET, HEAD");
  if (first == "esci" && parts.size() == 1) {
    if (!post) return not_allowed("POST");
    if (!caller.session) return redirect("/");
    return logout(req, *caller.session);
  }
  if (first != "area-personale") return std::nullopt;
  if (!caller.session) {
    if (!get) return deps_.renderer->error_page(401, "La sessione è scaduta: accedi di nuovo.");
    std::string back = req.path + (req.query.empty() ? "" : "?" + req.query);
    return redirect("/accedi?ritorno=" + web::percent_encode(safe_return_to(back)));
  }
  const Session& s = *caller.session;
  if (parts.size() == 1) return get ? dashboard(s) : not_allowed("GET, HEAD");
  const std::string& section = parts[1];
  if (section == "deleghe") {
    if (parts.size() == 2 && get) return delegations_page(s, "", "");
    if (post) return delegation_post(req, s, parts);
    return not_allowed("POST");
  }
  if (section == "assistiti" && parts.size() == 3) return get ? client_page(s, parts[2]) : not_allowed("GET, HEAD");
  if (section == "per-conto-di" && parts.size() == 2) return post ? act_for_post(req, s) : not_allowed("POST");
  if (section == "enti" && parts.size() == 3) return get ? ente_page(s, parts[2]) : not_allowed("GET, HEAD");
  if (section == "redazione" && parts.size() == 2) return get ? editorial_page(s) : not_allowed("GET, HEAD");
  if (section == "amministrazione") {
    if (parts.size() == 2 && get) return admin_page(s, "", "");
    if (post) return admin_post(req, s, parts);
    return not_allowed("POST");
  }
  return deps_.renderer->error_page(404, "La pagina che cerchi non esiste nell'area personale.");
}

// --- personal area ---------------------------------------------------------------------

web::Response AccountPages::dashboard(const Session& s) {
  json ctx = context(s, "Area personale", "/area-personale", {{"Area personale", ""}});
  auto cat = deps_.catalog();
  const auto& p = s.principal;
  json businesses = json::array();
  for (const auto& a : store::roles_of(*deps_.db, s.record.fiscal_code))
    if (a.role == "rappresentante-impresa") businesses.push_back({{"vat", a.scope}, {"name", a.label}});
  ctx["businesses"] = businesses;
  ctx["has_businesses"] = !businesses.empty();
  json clients = json::array();
  std::string now = store::now_iso8601();
  std::set<std::string> seen;
  for (const auto& d : p.delegations_received)
    if (domain::delegation_in_force(d, now) && seen.insert(d.grantor).second) {
      auto rec = store::find_delegation(*deps_.db, d.id);
      clients.push_back({{"subject", d.grantor},
                         {"name", rec ? rec->grantor_name : d.grantor},
                         {"url", "/area-personale/assistiti/" + d.grantor},
                         {"selected", d.grantor == s.record.acting_for}});
    }
  ctx["clients"] = clients;
  ctx["has_clients"] = !clients.empty();
  if (!s.record.acting_for.empty()) {
    std::string name = s.record.acting_for;
    for (const auto& c : clients)
      if (c["subject"] == s.record.acting_for) name = c["name"];
    ctx["acting"] = {{"name", name}, {"subject", s.record.acting_for}};
  }
  if (p.has(domain::Role::OperatoreEnte))
    if (const auto* e = cat->ente_by_id(p.ente_id))
      ctx["operator_ente"] = {{"name", e->name}, {"url", "/area-personale/enti/" + e->slug}};
  json log = json::array();
  for (const auto& a : store::actions_on_behalf_of(*deps_.db, s.record.fiscal_code, 20))
    log.push_back({{"when", date_label(a.at) + " " + a.at.substr(11, 5)}, {"actor", mask_fiscal_code(a.actor)}, {"action", a.action}});
  ctx["on_behalf_log"] = log;
  ctx["has_on_behalf_log"] = !log.empty();
  return render("account_dashboard", ctx, "personal_area");
}

web::Response AccountPages::delegations_page(const Session& s, const std::string& notice, const std::string& error,
                                             int status) {
  json ctx = context(s, "Deleghe", "/area-personale/deleghe", {{"Area personale", "/area-personale"}, {"Deleghe", ""}});
  auto cat = deps_.catalog();
  auto item = [&](const store::DelegationRecord& d, bool granted) {
    json history = json::array();
    for (const auto& e : store::delegation_history(*deps_.db, d.id))
      history.push_back({{"when", date_label(e.at) + " " + e.at.substr(11, 5)}, {"event", e.event}});
    bool open = d.status == "in-attesa" || d.status == "attiva";
    return json{{"id", d.id},
                {"grantor_name", d.grantor_name},
                {"grantor", d.grantor},
                {"delegate", d.delegate},
                {"scope", scope_label(d, *cat)},
                {"valid_from", date_label(d.valid_from)},
                {"valid_until", last_day_label(d.valid_until)},
                {"status", status_label(d.status)},
                {"pending", d.status == "in-attesa"},
                {"can_revoke", open},
                {"can_reject", !granted && d.status == "in-attesa"},
                {"history", history}};
  };
  json granted = json::array(), received = json::array();
  for (const auto& d : deps_.delegations->granted_by(s.principal)) granted.push_back(item(d, true));
  for (const auto& d : deps_.delegations->received_by(s.principal)) received.push_back(item(d, false));
  ctx["granted"] = granted;
  ctx["received"] = received;
  ctx["has_granted"] = !granted.empty();
  ctx["has_received"] = !received.empty();
  json as = json::array({{{"value", "persona"}, {"label", "Me stesso (" + s.display_name() + ")"}}});
  for (const auto& a : store::roles_of(*deps_.db, s.record.fiscal_code))
    if (a.role == "rappresentante-impresa") as.push_back({{"value", a.scope}, {"label", a.label + " (P.IVA " + a.scope + ")"}});
  ctx["grant_as"] = as;
  json services = json::array();
  for (const auto& svc : cat->services()) services.push_back({{"id", svc.id}, {"title", svc.title}});
  ctx["services"] = services;
  json enti = json::array();
  for (const auto& e : cat->enti()) enti.push_back({{"id", e.id}, {"name", e.name}});
  ctx["enti"] = enti;
  std::string today = store::now_iso8601().substr(0, 10);
  ctx["form"] = {{"today", today}};
  ctx["notice"] = notice;
  ctx["error"] = error;
  return render("account_delegations", ctx, "delegations", status);
}

web::Response AccountPages::delegation_post(const web::Request& req, const Session& s,
                                            const std::vector<std::string>& parts) {
  std::vector<web::QueryParam> form;
  if (auto bad = read_form(req, s, form)) return *bad;
  const std::string now = store::now_iso8601();
  identity::DelegationResult res;
  std::string done;
  if (parts.size() == 2) {
    identity::DelegationRequest d;
    std::string as = form_get(form, "per_conto");
    d.grantor = as == "persona" || as.empty() ? s.record.fiscal_code : as;
    d.delegate = form_get(form, "delegato");
    d.scope = form_get(form, "ambito");
    d.services = form_all(form, "servizi");
    d.enti = form_all(form, "enti");
    d.valid_from = form_get(form, "dal");
    d.valid_until = form_get(form, "al");
    res = deps_.delegations->grant(s.principal, s.display_name(), d, *deps_.catalog(), now);
    done = "Delega creata. Comunica al professionista questo codice di accettazione: " + res.acceptance_code +
           " (lo vedi solo ora).";
  } else if (parts.size() == 3 && parts[2] == "accetta") {
    res = deps_.delegations->accept(s.principal, form_get(form, "codice"), now);
    if (res.delegation) done = "Delega accettata: ora puoi operare per conto di " + res.delegation->grantor_name + ".";
  } else if (parts.size() == 4 && parts[3] == "rifiuta") {
    res = deps_.delegations->reject(s.principal, parts[2], now);
    done = "Delega rifiutata.";
  } else if (parts.size() == 4 && parts[3] == "revoca") {
    res = deps_.delegations->revoke(s.principal, parts[2], now);
    done = "Delega revocata: non è più utilizzabile.";
  } else {
    return deps_.renderer->error_page(404, "Operazione sulle deleghe non trovata.");
  }
  if (res.status == 403 || res.status == 404)
    return denied(domain::Decision{false, res.status, res.reason, ""}, "gestione delega");
  if (!res.error.empty()) return delegations_page(s, "", res.error, res.status);
  if (res.delegation) {
    deps_.sessions->forget_person(res.delegation->delegate);
    deps_.sessions->forget_person(s.record.fiscal_code);
  }
  return delegations_page(s, done, "");
}

web::Response AccountPages::client_page(const Session& s, const std::string& grantor) {
  std::string now = store::now_iso8601();
  auto dec = identity::acting_for_allowed(s.principal, grantor, now);
  if (!dec) return denied(domain::Decision{false, 404, dec.reason, ""}, "area assistito");
  store::record_action_on_behalf(*deps_.db, {now, s.record.fiscal_code, grantor, dec.delegation_id,
                                             "consultazione dell'area personale", "/area-personale/assistiti"});
  json ctx = context(s, "Assistito", "/area-personale/assistiti/" + grantor,
                     {{"Area personale", "/area-personale"}, {"Assistito", ""}});
  auto cat = deps_.catalog();
  json delegations = json::array();
  std::string name = grantor;
  for (const auto& d : store::delegations_by_grantor(*deps_.db, grantor)) {
    if (d.delegate != s.record.fiscal_code) continue;  // only the delegations given to this professional
    name = d.grantor_name;
    delegations.push_back({{"scope", scope_label(d, *cat)},
                           {"status", status_label(d.status)},
                           {"valid_from", date_label(d.valid_from)},
                           {"valid_until", last_day_label(d.valid_until)}});
  }
  ctx["client"] = {{"name", name}, {"subject", grantor}, {"delegations", delegations}};
  return render("account_client", ctx, "client");
}

web::Response AccountPages::act_for_post(const web::Request& req, const Session& s) {
  std::vector<web::QueryParam> form;
  if (auto bad = read_form(req, s, form)) return *bad;
  std::string subject = form_get(form, "soggetto");
  std::string now = store::now_iso8601();
  if (subject.empty()) {
    if (!s.record.acting_for.empty())
      store::record_action_on_behalf(*deps_.db, {now, s.record.fiscal_code, s.record.acting_for,
                                                 s.record.acting_delegation, "fine dell'operatività per conto", ""});
    deps_.sessions->act_for(s, "", "");
    return redirect("/area-personale");
  }
  auto dec = identity::acting_for_allowed(s.principal, subject, now);
  if (!dec) return denied(dec, "operare per conto");
  deps_.sessions->act_for(s, subject, dec.delegation_id);
  store::record_action_on_behalf(*deps_.db, {now, s.record.fiscal_code, subject, dec.delegation_id,
                                             "inizio dell'operatività per conto", ""});
  return redirect("/area-personale");
}

}  // namespace au::portal
