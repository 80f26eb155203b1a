#include "api/webhooks_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/identity_api.h"
#include "domain/access_policy.h"
#include "domain/cloud_event.h"
#include "store/webhook_repository.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxEventTypes = 20;
constexpr std::size_t kMaxActivePerOwner = 20;

web::Response finish(web::Response r) {
  r.route = "api_webhooks";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response not_found(const char* what) {
  return web::problem(404, "Risorsa non trovata", std::string(what) + " non esiste.");
}

web::Response method_not_allowed(const char* allow) {
  web::Response r = web::problem(405, "Metodo non consentito", std::string("Metodi ammessi: ") + allow + ".");
  r.headers["Allow"] = allow;
  return r;
}

json subscription_json(const store::WebhookSubscription& w, bool with_secret) {
  json j = {{"id", w.id},
            {"url", w.url},
            {"event_types", w.event_types},
            {"ente", w.ente_filter.empty() ? json(nullptr) : json(w.ente_filter)},
            {"active", w.active},
            {"created_at", w.created_at}};
  if (with_secret) j["secret"] = w.secret;
  return j;
}

json delivery_json(const store::WebhookDelivery& d) {
  return {{"id", d.id},
          {"event_sequence", d.event_sequence},
          {"status", d.status},
          {"attempts", d.attempts},
          {"next_attempt_at", d.next_attempt_at},
          {"last_status", d.last_status},
          {"last_error", d.last_error},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at}};
}


bool all_digits(const std::string& s, std::size_t max_len) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<web::Response> WebhooksApi::handle(const web::Request& req, const identity::Caller& caller) {
  auto parts = web::split_path(req.path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "webhooks") return std::nullopt;
  return finish(route(req, caller, std::vector<std::string>(parts.begin() + 3, parts.end())));
}

web::Response WebhooksApi::route(const web::Request& req, const identity::Caller& caller,
                                 const std::vector<std::string>& rest) {
  if (caller.anonymous())
    return unauthorized("Serve un token di accesso valido (Authorization: Bearer) o una sessione dell'area personale.");
  Owner owner;
  if (caller.application) {
    domain::Resource res;
    res.scope = "pratiche:lettura";
    res.live_data = true;  // deliveries carry real practices
    if (auto d = domain::decide(caller.principal(), domain::Action::CallApi, res, store::now_iso8601()); !d) {
      spdlog::warn("accesso negato: webhook via API ({})", d.reason);
      if (d.reason == "test-environment")
        return web::problem(403, "Ambiente non ammesso",
                            "Le applicazioni di prova non ricevono eventi di pratiche reali: usa un'applicazione live.");
      return web::problem(403, "Ambito non concesso", "Il token non include l'ambito pratiche:lettura.");
    }
    owner = {"application", caller.application->client_id};
  } else {
    const auto& p = caller.session->principal;
    if (!p.has(domain::Role::OperatoreEnte) || p.ente_id.empty()) {
      spdlog::warn("accesso negato: webhook via API (not-operator)");
      return web::problem(403, "Operazione non consentita",
                          "I webhook sono riservati agli operatori di un ente e alle applicazioni con l'ambito "
                          "pratiche:lettura.");
    }
    owner = {"ente", p.ente_id};
  }

  // The shape of the path decides which methods exist; unknown shapes are 404.
  const bool get = req.method == "GET" || req.method == "HEAD";
  const char* allow = nullptr;
  enum class Op { List, Create, Show, Deactivate, Deliveries, Redeliver, None } op = Op::None;
  if (rest.empty()) {
    allow = "GET, HEAD, POST";
    op = get ? Op::List : req.method == "POST" ? Op::Create : Op::None;
  } else if (rest.size() == 1 && rest[0] != "deliveries") {
    allow = "GET, HEAD, DELETE";
    op = get ? Op::Show : req.method == "DELETE" ? Op::Deactivate : Op::None;
  } else if (rest.size() == 2 && rest[0] != "deliveries" && rest[1] == "deliveries") {
    allow = "GET, HEAD";
    op = get ? Op::Deliveries : Op::None;
  } else if (rest.size() == 3 && rest[0] == "deliveries" && rest[2] == "redeliver") {
    allow = "POST";
    op = req.method == "POST" ? Op::Redeliver : Op::None;
  } else {
    return web::problem(404, "Risorsa non trovata", "Operazione sui webhook non trovata.");
  }
  if (op == Op::None) return method_not_allowed(allow);
  if (op != Op::Deliveries && !req.query.empty())
    return web::problem(400, "Parametri non ammessi", "Questa operazione sui webhook non ha parametri di query.");
  // A cookie rides along on cross-site requests: writes need the session's token in a header.
  if (!get && caller.session && !identity::csrf_ok(req, *caller.session, "", deps_.base_url))
    return web::problem(403, "Token CSRF mancante o non valido", "Invia l'intestazione X-CSRF-Token della sessione.");

  auto owned = [&](const std::string& id) -> std::optional<store::WebhookSubscription> {
    auto w = store::find_webhook_subscription(*deps_.db, id);
    if (!w || w->owner_kind != owner.kind || w->owner_id != owner.id) return std::nullopt;
    return w;
  };
  switch (op) {
    case Op::List: {
      json list = json::array();
      for (const auto& w : store::webhook_subscriptions_of(*deps_.db, owner.kind, owner.id))
        list.push_back(subscription_json(w, false));
      return web::json_response(200, {{"webhooks", list}});
    }
    case Op::Create: return create(req, owner);
    case Op::Show: {
      auto w = owned(rest[0]);
      if (!w) return not_found("La sottoscrizione indicata");
      return web::json_response(200, subscription_json(*w, false));
    }
    case Op::Deactivate: {
      auto w = owned(rest[0]);
      if (!w) return not_found("La sottoscrizione indicata");
      store::deactivate_webhook_subscription(*deps_.db, w->id, store::now_iso8601());  // idempotent
      web::Response none;
      none.status = 204;
      return none;
    }
    case Op::Deliveries: {
      if (!owned(rest[0])) return not_found("La sottoscrizione indicata");
      return deliveries(req, owner, rest[0]);
    }
    case Op::Redeliver: return redeliver(owner, rest[1]);
    case Op::None: break;
  }
  return web::problem(404, "Risorsa non trovata", "Operazione sui webhook non trovata.");
}

web::Response WebhooksApi::create(const web::Request& req, const Owner& owner) {
  if (req.header("Content-Type").rfind("application/json", 0) != 0)
    return web::problem(415, "Formato non supportato", "Il corpo deve essere application/json.");
  if (req.body.size() > kMaxBody) return web::problem(413, "Corpo troppo grande", "Al massimo 64 KiB.");
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return web::problem(400, "JSON non valido", "Il corpo deve essere un oggetto JSON.");

  json errors = json::array();
  auto error = [&](const std::string& path, const std::string& message) {
    errors.push_back({{"path", path}, {"message", message}});
  };
  for (const auto& [key, value] : body.items())
    if (key != "url" && key != "event_types" && key != "ente") error("/" + domain::json_pointer_token(key), "Campo non previsto.");

  practices::SubscriptionRequest r;
  r.owner_kind = owner.kind;
  r.owner_id = owner.id;
  if (!body.contains("url") || body["url"].is_null()) {
    error("/url", "Campo obbligatorio: l'indirizzo https a cui inviare gli eventi.");
  } else if (!body["url"].is_string()) {
    error("/url", "Deve essere una stringa.");
  } else {
    r.url = body["url"].get<std::string>();
    if (auto problem = practices::webhook_url_problem(r.url); !problem.empty()) error("/url", problem);
  }
  if (body.contains("event_types") && !body["event_types"].is_null()) {
    const json& types = body["event_types"];
    if (!types.is_array()) {
      error("/event_types", "Deve essere un elenco di tipi di evento.");
    } else if (types.size() > kMaxEventTypes) {
      error("/event_types", "Al massimo " + std::to_string(kMaxEventTypes) + " tipi di evento.");
    } else {
      for (std::size_t i = 0; i < types.size(); ++i) {
        const std::string path = "/event_types/" + std::to_string(i);
        if (!types[i].is_string()) {
          error(path, "Deve essere una stringa.");
          continue;
        }
        r.event_types.push_back(types[i].get<std::string>());
        if (auto problem = practices::event_type_problem(r.event_types.back()); !problem.empty()) error(path, problem);
      }
    }
  }
  if (body.contains("ente") && !body["ente"].is_null()) {
    if (!body["ente"].is_string()) {
      error("/ente", "Deve essere una stringa.");
    } else {
      r.ente_filter = body["ente"].get<std::string>();
      if (auto problem = practices::ente_id_problem(r.ente_filter); !problem.empty())
        error("/ente", problem);
      else if (owner.kind == "ente" && r.ente_filter != owner.id)
        error("/ente", "Un operatore riceve solo gli eventi del proprio ente (" + owner.id + ").");
    }
  }
  if (!errors.empty())
    return web::problem(422, "Dati non validi", "Correggi i campi indicati.", {{"errors", errors}});

  auto existing = store::webhook_subscriptions_of(*deps_.db, owner.kind, owner.id);
  auto active = std::count_if(existing.begin(), existing.end(), [](const auto& w) { return w.active; });
  if (static_cast<std::size_t>(active) >= kMaxActivePerOwner)
    return web::problem(409, "Troppe sottoscrizioni",
                        "Sono ammesse al massimo " + std::to_string(kMaxActivePerOwner) +
                            " sottoscrizioni attive: disattivane una prima di crearne un'altra.");
  auto w = practices::create_subscription(*deps_.db, r, store::now_iso8601());
  spdlog::info("webhook: sottoscrizione {} creata ({} {})", w.id, owner.kind, owner.id);
  web::Response resp = web::json_response(201, subscription_json(w, true));
  resp.headers["Location"] = "/api/v1/webhooks/" + w.id;
  return resp;
}

web::Response WebhooksApi::deliveries(const web::Request& req, const Owner& owner, const std::string& subscription_id) {
  int limit = 50;
  std::vector<web::QueryParam> params;
  if (!web::parse_query(req.query, params))
    return web::problem(400, "Parametri non validi", "La query non è codificata correttamente.");
  bool seen = false;
  for (const auto& p : params) {
    if (p.key != "limit") return web::problem(400, "Parametri non ammessi", "L'unico parametro ammesso è limit.");
    // As everywhere in the API: a repeated parameter is a mistake, not "the last one wins".
    if (seen) return web::problem(400, "Parametro ripetuto", "Il parametro 'limit' compare più volte.");
    seen = true;
    if (!all_digits(p.value, 3) || std::stoi(p.value) < 1 || std::stoi(p.value) > 200)
      return web::problem(400, "Parametro non valido", "limit deve essere un intero tra 1 e 200.");
    limit = std::stoi(p.value);
  }
  json list = json::array();
  for (const auto& d : store::webhook_deliveries_of(*deps_.db, subscription_id, limit)) list.push_back(delivery_json(d));
  return web::json_response(200, {{"deliveries", list}});
}

web::Response WebhooksApi::redeliver(const Owner& owner, const std::string& delivery_id) {
  if (!all_digits(delivery_id, 18)) return not_found("La consegna indicata");
  const std::int64_t id = std::stoll(delivery_id);
  auto d = store::find_webhook_delivery(*deps_.db, id);
  auto w = d ? store::find_webhook_subscription(*deps_.db, d->subscription_id) : std::nullopt;
  if (!w || w->owner_kind != owner.kind || w->owner_id != owner.id) return not_found("La consegna indicata");
  if (!w->active)
    return web::problem(409, "Sottoscrizione disattivata", "Una sottoscrizione disattivata non riceve più eventi.");
  if (!store::redeliver_webhook(*deps_.db, id, store::webhook_time(std::chrono::system_clock::now())))
    return web::problem(409, "Consegna già in coda", "La consegna è già in attesa di invio.");
  if (deps_.dispatcher) deps_.dispatcher->wake();
  spdlog::info("webhook: consegna {} rimessa in coda ({} {})", id, owner.kind, owner.id);
  auto after = store::find_webhook_delivery(*deps_.db, id);
  return web::json_response(202, after ? delivery_json(*after) : json::object());
}

}  // namespace au::api
