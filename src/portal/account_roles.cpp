// The role dashboards of the personal area (AccountPages, see account_pages.h): an operator's
// ente, an editor's thematic communities, the administration of roles and applications.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "domain/completeness.h"
#include "domain/fiscal_code.h"
#include "identity/roles.h"
#include "portal/account_pages.h"
#include "portal/view_helpers.h"
#include "store/catalog_repository.h"
#include "store/identity_repository.h"

namespace au::portal {

using nlohmann::json;
using domain::Action;

web::Response AccountPages::ente_page(const Session& s, const std::string& ente_slug) {
  auto cat = deps_.catalog();
  const domain::Ente* e = cat->ente_by_slug(ente_slug);
  domain::Resource res;
  res.ente_id = e ? e->id : "";
  auto dec = domain::decide(s.principal, Action::ViewEnteData, res, store::now_iso8601());
  if (!e) return deps_.renderer->error_page(404, "L'ente richiesto non esiste.");
  if (!dec) return denied(dec, "dati dell'ente");
  json ctx = context(s, e->name, "/area-personale/enti/" + e->slug, {{"Area personale", "/area-personale"}, {e->name, ""}});
  json rows = json::array();
  std::vector<const domain::Service*> services;
  if (e->kind == domain::EnteKind::Comune)
    services = cat->services_in(*e);
  else
    for (const auto& svc : cat->services())
      if (svc.competent_ente_id == e->id) services.push_back(&svc);
  for (const auto* svc : services) {
    auto fb = store::feedback_stats(*deps_.db, svc->id);
    rows.push_back({{"title", svc->title},
                    {"url", "/servizi/" + svc->slug},
                    {"clicks", store::click_count(*deps_.db, svc->id, e->id)},
                    {"feedback", fb.count}});
  }
  ctx["ente"] = {{"name", e->name}, {"services", rows}, {"count", rows.size()}};
  return render("account_ente", ctx, "ente_dashboard");
}

web::Response AccountPages::editorial_page(const Session& s) {
  auto dec = domain::decide(s.principal, Action::ViewEditorialDashboard, {}, store::now_iso8601());
  if (!dec) return denied(dec, "cruscotto redazionale");
  auto cat = deps_.catalog();
  bool admin = s.principal.has(domain::Role::Amministratore);
  json ctx = context(s, "Redazione", "/area-personale/redazione", {{"Area personale", "/area-personale"}, {"Redazione", ""}});
  json rows = json::array();
  for (const auto& svc : cat->services()) {
    if (!admin && !s.principal.communities.count(svc.category)) continue;
    auto c = domain::assess_completeness(svc);
    std::string missing;
    for (const auto& m : c.missing) missing += (missing.empty() ? "" : ", ") + m;
    rows.push_back({{"title", svc.title},
                    {"url", "/servizi/" + svc.slug},
                    {"category", cat->term_label("subject-matter", svc.category)},
                    {"score", c.score},
                    {"missing", missing}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) { return a["score"] < b["score"]; });
  json communities = json::array();
  for (const auto& c : s.principal.communities) communities.push_back(cat->term_label("subject-matter", c));
  ctx["editorial"] = {{"services", rows}, {"communities", communities}, {"all", admin}};
  return render("account_editorial", ctx, "editorial_dashboard");
}

web::Response AccountPages::admin_page(const Session& s, const std::string& notice, const std::string& error, int status) {
  auto dec = domain::decide(s.principal, Action::ManageRoles, {}, store::now_iso8601());
  if (!dec) return denied(dec, "amministrazione");
  json ctx = context(s, "Amministrazione", "/area-personale/amministrazione",
                     {{"Area personale", "/area-personale"}, {"Amministrazione", ""}});
  json roles = json::array();
  for (const auto& a : store::all_role_assignments(*deps_.db)) {
    domain::Role r;
    roles.push_back({{"fiscal_code", a.fiscal_code},
                     {"role", a.role},
                     {"role_label", domain::parse_role(a.role, r) ? domain::role_label(r) : a.role},
                     {"scope", a.scope},
                     {"label", a.label},
                     {"since", date_label(a.granted_at)}});
  }
  json apps = json::array();
  for (const auto& a : store::all_applications(*deps_.db))
    apps.push_back({{"client_id", a.client_id}, {"name", a.name}, {"environment", a.environment},
                    {"status", a.status}, {"active", a.status == "attiva"}, {"rate", a.rate_per_second},
                    {"burst", a.burst}, {"quota", a.daily_quota}});
  ctx["admin"] = {{"roles", roles}, {"applications", apps}};
  ctx["notice"] = notice;
  ctx["error"] = error;
  return render("account_admin", ctx, "admin", status);
}

web::Response AccountPages::admin_post(const web::Request& req, const Session& s, const std::vector<std::string>& parts) {
  std::vector<web::QueryParam> form;
  if (auto bad = read_form(req, s, form)) return *bad;
  std::string now = store::now_iso8601();
  if (auto dec = domain::decide(s.principal, Action::ManageRoles, {}, now); !dec) return denied(dec, "amministrazione");
  auto cat = deps_.catalog();
  if (parts.size() == 3 && (parts[2] == "ruoli" || parts[2] == "revoca-ruolo")) {
    store::RoleAssignment a{form_get(form, "codice_fiscale"), form_get(form, "ruolo"), form_get(form, "ambito"),
                            form_get(form, "etichetta"), s.record.fiscal_code, now};
    if (parts[2] == "revoca-ruolo") {
      std::string cf = domain::normalize_fiscal_code(a.fiscal_code);
      bool removed = store::revoke_role(*deps_.db, cf, a.role, a.scope);
      deps_.sessions->forget_person(cf);
      return admin_page(s, removed ? "Ruolo revocato." : "", removed ? "" : "Quel ruolo non era assegnato.", removed ? 200 : 422);
    }
    if (std::string err = identity::check_role_assignment(*cat, a); !err.empty()) return admin_page(s, "", err, 422);
    store::grant_role(*deps_.db, a);
    deps_.sessions->forget_person(a.fiscal_code);
    return admin_page(s, "Ruolo assegnato.", "");
  }
  if (parts.size() == 5 && parts[2] == "applicazioni" && parts[4] == "limiti") {
    // Each application has its own limits; new ones start from the configured defaults.
    double rate = 0;
    long long burst = 0, quota = 0;
    try {
      std::size_t used = 0;
      std::string r = form_get(form, "al_secondo"), b = form_get(form, "picco"), q = form_get(form, "al_giorno");
      rate = std::stod(r, &used);
      if (used != r.size()) throw std::invalid_argument(r);
      burst = std::stoll(b, &used);
      if (used != b.size()) throw std::invalid_argument(b);
      quota = std::stoll(q, &used);
      if (used != q.size()) throw std::invalid_argument(q);
    } catch (const std::exception&) {
      return admin_page(s, "", "I limiti devono essere numeri: richieste al secondo, picco e richieste al giorno.", 422);
    }
    if (!(rate > 0 && rate <= 10000) || burst < 1 || burst > 100000 || quota < 1 || quota > 1000000000)
      return admin_page(s, "", "Limiti fuori intervallo: al secondo da 0 a 10.000, picco da 1 a 100.000, al giorno da 1 a un miliardo.", 422);
    bool changed = store::set_application_limits(*deps_.db, parts[3], rate, burst, quota);
    return admin_page(s, changed ? "Limiti aggiornati." : "", changed ? "" : "L'applicazione non esiste o è revocata.",
                      changed ? 200 : 422);
  }
  if (parts.size() == 5 && parts[2] == "applicazioni" && parts[4] == "revoca") {
    bool revoked = store::revoke_application(*deps_.db, parts[3], now);
    return admin_page(s, revoked ? "Applicazione revocata: i suoi token non sono più accettati." : "",
                      revoked ? "" : "L'applicazione non esiste o è già revocata.", revoked ? 200 : 422);
  }
  return deps_.renderer->error_page(404, "Operazione di amministrazione non trovata.");
}

}  // namespace au::portal
