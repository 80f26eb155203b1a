#include "api/notifications_api.h"

#include <spdlog/spdlog.h>

#include "api/identity_api.h"
#include "notify/bulk_send.h"
#include "store/notification_settings_repository.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

constexpr std::size_t kMaxBody = 256 * 1024;  // 1,000 recipients and 5,000 characters fit easily

web::Response method_not_allowed(const char* allow) {
  web::Response r = web::problem(405, "Metodo non consentito", std::string("Metodi ammessi: ") + allow + ".");
  r.headers["Allow"] = allow;
  return r;
}

}  // namespace

std::optional<web::Response> NotificationsApi::handle(const web::Request& req, const identity::Caller& caller) {
  if (req.path != "/api/v1/notifications" && req.path.rfind("/api/v1/notifications/", 0) != 0) return std::nullopt;
  web::Response r = route(req, caller);
  r.headers["Cache-Control"] = "no-store";
  r.route = "api_notifications";
  return r;
}

web::Response NotificationsApi::route(const web::Request& req, const identity::Caller& caller) {
  if (caller.anonymous())
    return unauthorized("Serve un token con l'ambito notifiche:invio o la sessione di un operatore.");
  Owner owner;
  if (caller.application) {
    domain::Resource res;
    res.scope = "notifiche:invio";
    res.live_data = true;  // the messages reach real people
    if (auto d = domain::decide(caller.principal(), domain::Action::CallApi, res, store::now_iso8601()); !d) {
      spdlog::warn("accesso negato: invii via API ({})", d.reason);
      if (d.reason == "test-environment")
        return web::problem(403, "Ambiente non ammesso",
                            "Le applicazioni di prova non inviano messaggi a persone reali: usa un'applicazione live.");
      return web::problem(403, "Ambito non concesso", "Il token non include l'ambito notifiche:invio.");
    }
    owner = {"application", caller.application->client_id, caller.application->client_id};
  } else {
    const auto& p = caller.session->principal;
    if (!p.has(domain::Role::OperatoreEnte) || p.ente_id.empty()) {
      spdlog::warn("accesso negato: invii via API (not-operator)");
      return web::problem(403, "Operazione non consentita",
                          "Gli invii sono riservati agli operatori di un ente e alle applicazioni con l'ambito "
                          "notifiche:invio.");
    }
    owner = {"ente", p.ente_id, p.subject};
  }
  auto parts = web::split_path(req.path);  // api v1 notifications [id [cancel]]
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (!req.query.empty()) return web::problem(400, "Parametri non ammessi", "Gli invii non hanno parametri di query.");
  if (!get && caller.session && !identity::csrf_ok(req, *caller.session, "", deps_.base_url))
    return web::problem(403, "Richiesta non verificata", "Invia l'intestazione X-CSRF-Token della sessione, da una pagina del portale (stessa origine).");
  if (parts.size() == 3) {
    if (req.method == "POST") return create(req, owner);
    if (!get) return method_not_allowed("GET, HEAD, POST");
    json list = json::array();
    for (const auto& b : store::bulk_sends_of(*deps_.db, owner.kind, owner.id, 100))
      list.push_back(notify::bulk_json(b, {}));
    return web::json_response(200, {{"notifications", list}});
  }
  if (parts.size() > 5 || (parts.size() == 5 && parts[4] != "cancel") || parts[3].size() > 40)
    return web::problem(404, "Risorsa non trovata", "Operazione sugli invii non trovata.");
  auto b = store::find_bulk_send(*deps_.db, parts[3]);
  if (!b || b->owner_kind != owner.kind || b->owner_id != owner.id)
    return web::problem(404, "Risorsa non trovata", "L'invio indicato non esiste.");
  if (parts.size() == 4) {
    if (!get) return method_not_allowed("GET, HEAD");
    return web::json_response(200, notify::bulk_json(*b, store::status_counts(*deps_.db, b->id)));
  }
  if (req.method != "POST") return method_not_allowed("POST");
  if (!store::cancel_bulk_send(*deps_.db, b->id, store::now_iso8601())) {
    if (b->status == "annullato")
      return web::json_response(200, notify::bulk_json(*b, store::status_counts(*deps_.db, b->id)));
    return web::problem(409, "Invio già partito", "I messaggi di questo invio sono già stati inviati: non si può annullare.");
  }
  b = store::find_bulk_send(*deps_.db, b->id);
  return web::json_response(200, notify::bulk_json(*b, store::status_counts(*deps_.db, b->id)));
}

web::Response NotificationsApi::create(const web::Request& req, const Owner& owner) {
  if (!web::is_json_media_type(req.header("Content-Type")))
    return web::problem(415, "Formato non supportato", "Il corpo deve essere application/json.");
  if (req.body.size() > kMaxBody) return web::problem(413, "Corpo troppo grande", "Al massimo 256 KiB.");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return web::problem(400, "JSON non valido", "Il corpo non è JSON valido.");
  notify::BulkRequest r;
  auto cat = deps_.catalog ? deps_.catalog() : nullptr;
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  auto errors = notify::parse_bulk_request(body, cat.get(), now_ms, r);
  if (!errors.empty()) {
    json list = json::array();
    for (const auto& e : errors) list.push_back({{"path", e.path}, {"message", e.message}});
    return web::problem(422, "Dati non validi", "Correggi i campi indicati.", {{"errors", list}});
  }
  auto b = notify::create_bulk_send(*deps_.db, r, owner.kind, owner.id, owner.author, store::now_iso8601());
  if (deps_.on_send) deps_.on_send();
  web::Response out = web::json_response(202, notify::bulk_json(b, store::status_counts(*deps_.db, b.id)));
  out.headers["Location"] = "/api/v1/notifications/" + b.id;
  return out;
}

}  // namespace au::api
