#include "api/practices_api.h"

#include <set>

#include "api/identity_api.h"
#include "practices/practice_access.h"
#include "practices/practice_view.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;

namespace {

std::string param(const std::vector<web::QueryParam>& q, const std::string& key) {
  for (const auto& p : q)
    if (p.key == key) return p.value;
  return {};
}

std::string caller_label(const identity::Caller& caller) {
  if (caller.session) return caller.session->display_name();
  if (caller.application) return caller.application->name;
  return {};
}

web::Response no_store(web::Response r, const char* route) {
  r.headers["Cache-Control"] = "no-store";
  r.route = route;
  return r;
}

}  // namespace

std::optional<web::Response> PracticesApi::handle(const web::Request& req, const identity::Caller& caller) {
  const std::string& path = req.path;
  if (path != "/api/v1/practices" && path.rfind("/api/v1/practices/", 0) != 0) return std::nullopt;
  if (req.method != "GET" && req.method != "HEAD") {
    web::Response r = web::problem(405, "Metodo non consentito", "Le pratiche si leggono con GET.");
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  if (caller.anonymous())
    return unauthorized("Accedi con SPID o CIE, o usa un token con l'ambito pratiche:lettura.");
  const domain::Principal& who = caller.principal();
  const std::string now = store::now_iso8601();
  if (caller.application) {
    domain::Resource res;
    res.scope = "pratiche:lettura";
    if (!domain::decide(who, domain::Action::CallApi, res, now))
      return web::problem(403, "Ambito non concesso", "Il token non include l'ambito pratiche:lettura.");
  }
  std::vector<web::QueryParam> query;
  if (!web::parse_query(req.query, query))
    return web::problem(400, "Parametri non validi", "La query string non è codificata correttamente.");
  // As everywhere in the API: an unknown or repeated parameter is a mistake worth telling.
  std::set<std::string> seen;
  for (const auto& q : query) {
    if (q.key != "stato" && q.key != "ente" && q.key != "vista" && q.key != "motivo")
      return web::problem(400, "Parametro sconosciuto", "Parametro non previsto: '" + q.key.substr(0, 40) + "'.");
    if (!seen.insert(q.key).second)
      return web::problem(400, "Parametro ripetuto", "Il parametro '" + q.key + "' compare più volte.");
  }
  auto catalog = deps_.catalog();
  const domain::Date today = practices::rome_today();
  auto seg = web::split_path(path);

  if (seg.size() == 4 && seg[3] == "accessi") {
    if (!who.is_person()) return web::problem(403, "Solo per le persone", "Il registro degli accessi è personale.");
    json items = json::array();
    for (const auto& e : store::access_log_of(*deps_.db, who.subject, 200))
      items.push_back({{"practice_id", e.practice_id},
                       {"at", e.at},
                       {"who", e.actor_label},
                       {"kind", e.actor_kind},
                       {"kind_label", practices::reader_kind_label(e.actor_kind)},
                       {"reason", e.reason}});
    return no_store(web::json_response(200, {{"items", items}}), "api_practice_accesses");
  }

  if (seg.size() == 4) {
    auto p = store::find_practice(*deps_.db, seg[3]);
    if (!p || !practices::may_read(who, *p, now))
      return web::problem(404, "Pratica non trovata", "Nessuna pratica con questo identificativo tra le tue.");
    const bool own = who.is_person() && (who.subject == p->applicant || who.subject == p->beneficiary);
    std::string reason = param(query, "motivo");
    if (!own) {
      if (reason.empty() || reason.size() > 200)
        return web::problem(400, "Motivo mancante",
                            "Per leggere la pratica di un'altra persona indica il motivo nel parametro 'motivo' "
                            "(al massimo 200 caratteri): resta nel registro che la persona consulta.");
      practices::record_read(*deps_.db, who, caller_label(caller), *p, reason, practices::ReadKind::Detail);
    }
    auto view = practices::load_practice_view(*deps_.db, *p, *catalog, deps_.base_url, today);
    return no_store(web::json_response(200, practices::practice_detail_json(view)), "api_practice");
  }
  if (seg.size() != 3)
    return web::problem(404, "Risorsa non trovata", "Vedi /api/v1/openapi.yaml per le operazioni sulle pratiche.");

  const std::string view_kind = param(query, "vista"), status = param(query, "stato"), ente = param(query, "ente");
  if (!view_kind.empty() && view_kind != "ente")
    return web::problem(400, "Parametro non valido", "vista ammette solo il valore 'ente'.");
  if (!status.empty() && !domain::parse_status_code(status))
    return web::problem(400, "Parametro non valido",
                        "stato ammette: in-bozza, in-corso, sospeso-utente, sospeso-pa, concluso-positivo, "
                        "concluso-negativo.");
  std::vector<store::PracticeRecord> records;
  if (view_kind == "ente") {
    if (!who.is_person() || !who.has(domain::Role::OperatoreEnte))
      return web::problem(403, "Solo per gli operatori", "La vista per ente è riservata agli operatori dell'ente.");
    records = practices::ente_practices(*deps_.db, who, who.ente_id, domain::format_date(today));
  } else {
    records = practices::visible_practices(*deps_.db, who, now);
  }
  json items = json::array();
  for (auto& p : records) {
    if (!ente.empty() && p.ente_id != ente) continue;
    auto v = practices::load_practice_view(*deps_.db, p, *catalog, deps_.base_url, today);
    if (!status.empty() && domain::status_code(v.projection.status) != status) continue;
    practices::record_read(*deps_.db, who, caller_label(caller), v.record, "elenco delle pratiche",
                           practices::ReadKind::List);
    json item = practices::practice_summary_json(v);
    if (view_kind == "ente") item["applicant"] = {{"id", v.record.applicant.substr(0, 3) + "***"}};
    items.push_back(std::move(item));
  }
  return no_store(web::json_response(200, {{"items", items}, {"total", items.size()}}), "api_practices");
}

}  // namespace au::api
