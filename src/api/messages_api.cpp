#include "api/messages_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "api/identity_api.h"
#include "notify/inbox.h"
#include "notify/subscriptions.h"
#include "store/notification_repository.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

web::Response finish(web::Response r, const char* route) {
  r.headers["Cache-Control"] = "no-store";
  r.route = route;
  return r;
}

web::Response method_not_allowed(const char* allow) {
  web::Response r = web::problem(405, "Metodo non consentito", std::string("Metodi ammessi: ") + allow + ".");
  r.headers["Allow"] = allow;
  return r;
}

web::Response no_content() {
  web::Response r;
  r.status = 204;
  return r;
}

json errors_json(const std::vector<domain::FieldError>& errors) {
  json out = json::array();
  for (const auto& e : errors) out.push_back({{"path", e.path}, {"message", e.message}});
  return out;
}

// Writes are for the person in their own session, with the session's CSRF token.
std::optional<web::Response> person_write_check(const web::Request& req, const identity::Caller& caller,
                                                const std::string& base_url) {
  if (!caller.session)
    return web::problem(403, "Operazione non consentita",
                        "Solo la persona, dalla sua area personale, può cambiare messaggi e preferenze.");
  if (!identity::csrf_ok(req, *caller.session, "", base_url))
    return web::problem(403, "Richiesta non verificata", "Invia l'intestazione X-CSRF-Token della sessione, da una pagina del portale (stessa origine).");
  return std::nullopt;
}

}  // namespace

std::optional<web::Response> MessagesApi::handle(const web::Request& req, const identity::Caller& caller) {
  const std::string& path = req.path;
  const char* route = nullptr;
  if (path == "/api/v1/messages" || path.rfind("/api/v1/messages/", 0) == 0) route = "api_messages";
  else if (path == "/api/v1/notification-preferences") route = "api_notification_preferences";
  else if (path == "/api/v1/calendar-feed") route = "api_calendar_feed";
  else return std::nullopt;
  if (caller.anonymous())
    return finish(unauthorized("Accedi con SPID o CIE, o usa un token con l'ambito pratiche:lettura."), route);
  if (caller.application) {
    domain::Resource res;
    res.scope = "pratiche:lettura";
    res.live_data = true;
    if (!domain::decide(caller.principal(), domain::Action::CallApi, res, store::now_iso8601()))
      return finish(web::problem(403, "Ambito non concesso",
                                 "Serve un'applicazione live con l'ambito pratiche:lettura."),
                    route);
  }
  if (std::string(route) == "api_messages") return finish(messages(req, caller), route);
  if (std::string(route) == "api_notification_preferences") return finish(preferences(req, caller), route);
  return finish(calendar(req, caller), route);
}

web::Response MessagesApi::messages(const web::Request& req, const identity::Caller& caller) {
  const auto subjects = notify::inbox_subjects(caller.principal());
  auto parts = web::split_path(req.path);  // api v1 messages [id [read]]
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (parts.size() == 3) {
    if (!get) return method_not_allowed("GET, HEAD");
    std::vector<web::QueryParam> query;
    if (!web::parse_query(req.query, query))
      return web::problem(400, "Parametri non validi", "La query string non è codificata correttamente.");
    bool unread_only = false;
    int limit = 20;
    long long before = 0;
    std::set<std::string> seen;
    for (const auto& q : query) {
      if (!seen.insert(q.key).second)
        return web::problem(400, "Parametro ripetuto", "Il parametro " + q.key + " compare più di una volta.",
                            {{"errors", json::array({{{"path", "?" + q.key}, {"message", "parametro ripetuto"}}})}});
      if (q.key == "non_letti" && (q.value == "true" || q.value == "false")) {
        unread_only = q.value == "true";
      } else if (q.key == "limite" && web::parse_positive_id(q.value) && *web::parse_positive_id(q.value) <= 100) {
        limit = static_cast<int>(*web::parse_positive_id(q.value));
      } else if (q.key == "prima_di" && web::parse_positive_id(q.value)) {
        before = *web::parse_positive_id(q.value);
      } else {
        return web::problem(400, "Parametro non valido",
                            "Parametri ammessi: non_letti=true|false, limite=1..100, prima_di=<id del messaggio>.",
                            {{"errors", json::array({{{"path", "?" + q.key}, {"message", "valore non ammesso"}}})}});
      }
    }
    auto list = store::inbox_of(*deps_.db, subjects, unread_only, limit + 1, before);
    json items = json::array();
    const bool more = static_cast<int>(list.size()) > limit;
    if (more) list.pop_back();
    for (const auto& m : list) items.push_back(notify::message_json(m));
    json body = {{"messages", items}, {"unread", store::unread_count(*deps_.db, subjects)}};
    body["next_before"] = more ? json(list.back().id) : json(nullptr);
    return web::json_response(200, body);
  }
  if (parts.size() > 5 || (parts.size() == 5 && parts[4] != "read"))
    return web::problem(404, "Risorsa non trovata", "Operazione sui messaggi non trovata.");
  if (!req.query.empty())
    return web::problem(400, "Parametri non ammessi", "Questa operazione sui messaggi non ha parametri di query.");
  auto id = web::parse_positive_id(parts[3]);
  auto m = id ? store::find_message(*deps_.db, *id) : std::nullopt;
  const bool mine = m && m->state == "ready" && std::find(subjects.begin(), subjects.end(), m->recipient) != subjects.end();
  if (parts.size() == 4) {
    if (!get) return method_not_allowed("GET, HEAD");
    if (!mine) return web::problem(404, "Risorsa non trovata", "Il messaggio indicato non esiste.");
    return web::json_response(200, notify::message_detail_json(*m, store::deliveries_of_message(*deps_.db, m->id)));
  }
  if (req.method != "POST" && req.method != "DELETE") return method_not_allowed("POST, DELETE");
  if (auto denied = person_write_check(req, caller, deps_.base_url)) return *denied;
  if (!mine) return web::problem(404, "Risorsa non trovata", "Il messaggio indicato non esiste.");
  store::set_message_read(*deps_.db, m->id, subjects, req.method == "POST", store::now_iso8601());
  return no_content();
}

web::Response MessagesApi::preferences(const web::Request& req, const identity::Caller& caller) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (!get && req.method != "PUT") return method_not_allowed("GET, HEAD, PUT");
  if (!req.query.empty()) return web::problem(400, "Parametri non ammessi", "Questa operazione non ha parametri.");
  if (get && !caller.session)
    return web::problem(403, "Operazione non consentita", "Le preferenze si leggono dall'area personale.");
  const std::string subject = caller.principal().subject;
  if (get) return web::json_response(200, notify::preferences_json(notify::load_preferences(*deps_.db, subject)));
  if (auto denied = person_write_check(req, caller, deps_.base_url)) return *denied;
  if (!web::is_json_media_type(req.header("Content-Type")))
    return web::problem(415, "Formato non supportato", "Il corpo deve essere application/json.");
  if (req.body.size() > kMaxBody) return web::problem(413, "Corpo troppo grande", "Al massimo 64 KiB.");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return web::problem(400, "JSON non valido", "Il corpo non è JSON valido.");
  notify::PreferencesUpdate update;
  auto cat = deps_.catalog ? deps_.catalog() : nullptr;
  auto errors = notify::parse_preferences_update(body, cat.get(), update);
  if (!errors.empty())
    return web::problem(422, "Dati non validi", "Correggi i campi indicati.", {{"errors", errors_json(errors)}});
  const std::string secret = notify::apply_preferences(*deps_.db, subject, update, store::now_iso8601());
  if (deps_.on_change) deps_.on_change();
  json out = notify::preferences_json(notify::load_preferences(*deps_.db, subject));
  if (!secret.empty()) out["webhook_secret"] = secret;
  return web::json_response(200, out);
}

web::Response MessagesApi::calendar(const web::Request& req, const identity::Caller& caller) {
  if (req.method != "POST" && req.method != "DELETE") return method_not_allowed("POST, DELETE");
  if (!req.query.empty()) return web::problem(400, "Parametri non ammessi", "Questa operazione non ha parametri.");
  if (auto denied = person_write_check(req, caller, deps_.base_url)) return *denied;
  const std::string subject = caller.principal().subject;
  if (req.method == "DELETE") {
    store::revoke_calendar_feeds(*deps_.db, subject, store::now_iso8601());
    return no_content();
  }
  const std::string token = notify::new_calendar_token(*deps_.db, subject, store::now_iso8601());
  web::Response r = web::json_response(201, {{"url", deps_.base_url + "/calendario/" + token + ".ics"}});
  return r;
}

}  // namespace au::api
