#include "api/interop_api.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "identity/modi.h"
#include "practices/practice_view.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;

namespace {

web::Response from_answer(const practices::IngestAnswer& a) {
  if (!a.problem()) return web::json_response(a.status, a.body);
  json extra = json::object();
  for (const auto& [k, v] : a.body.items())
    if (k != "status" && k != "title" && k != "detail") extra[k] = v;
  return web::problem(a.status, a.body.value("title", ""), a.body.value("detail", ""), extra);
}

web::Response method_not_allowed(const char* allow) {
  web::Response r = web::problem(405, "Metodo non consentito", std::string("Metodi ammessi: ") + allow + ".");
  r.headers["Allow"] = allow;
  return r;
}

bool json_content_type(const std::string& value) {
  std::string type = value.substr(0, value.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json" || type == "application/cloudevents+json" ||
         type == "application/cloudevents-batch+json";
}

// What a failed authentication tells the caller: the reason, except those that would reveal
// which clients or keys exist.
std::string public_reason(const std::string& reason) {
  if (reason == "unknown-client" || reason == "unknown-kid" || reason == "signature-unknown-kid")
    return "bad-signature";
  return reason;
}

}  // namespace

std::optional<web::Response> InteropApi::handle(const web::Request& req) {
  const std::string& path = req.path;
  if (path != "/api/v1/interop" && path.rfind("/api/v1/interop/", 0) != 0) return std::nullopt;
  // Path segments reach SQL (PostgreSQL refuses invalid UTF-8 in text).
  if (!web::valid_utf8(path)) return web::problem(400, "Percorso non valido", "Il percorso contiene UTF-8 non valido.");
  auto seg = web::split_path(path);
  enum class Op { Open, Events, Read } op;
  if (seg.size() == 4 && seg[3] == "practices") {
    if (req.method != "POST") return method_not_allowed("POST");
    op = Op::Open;
  } else if (seg.size() == 4 && seg[3] == "events") {
    if (req.method != "POST") return method_not_allowed("POST");
    op = Op::Events;
  } else if (seg.size() == 5 && seg[3] == "practices") {
    if (req.method != "GET" && req.method != "HEAD") return method_not_allowed("GET, HEAD");
    op = Op::Read;
  } else {
    return web::problem(404, "Risorsa non trovata",
                        "L'API di interoperabilità offre /api/v1/interop/practices e /api/v1/interop/events.");
  }

  // Deny by default: nothing below runs for a request that is not signed by a registered client.
  const std::int64_t now = std::time(nullptr);
  std::shared_ptr<const practices::BackofficeClient> client;
  std::vector<store::AppendRequest::Jti> jtis;
  identity::ModiExpectations expect;
  expect.audience = deps_.audience;
  expect.now = now;
  auto result = identity::verify_modi_request(
      req,
      [&](const std::string& id) -> const identity::ModiClient* {
        client = deps_.registry->find(id);
        return client ? &client->modi : nullptr;
      },
      expect,
      [&](const std::string& cid, const std::string& jti, std::int64_t expires_at) {
        // Checked where it is recorded: in the transaction of the request (or below, for reads).
        jtis.push_back({cid, jti, expires_at});
        return true;
      });
  if (!result.ok) {
    spdlog::info("interop: richiesta rifiutata ({})", result.reason);
    web::Response r = web::problem(result.status == 400 ? 400 : 401, "Autenticazione ModI non riuscita",
                                   "La richiesta deve portare un token ID_AUTH_REST_02 valido e, con un corpo, "
                                   "Digest e Agid-JWT-Signature (INTEGRITY_REST_01).",
                                   {{"reason", public_reason(result.reason)}});
    if (r.status == 401) r.headers["WWW-Authenticate"] = "Bearer realm=\"interop\"";
    r.route = "interop_unauthorized";
    return r;
  }

  if (op == Op::Read) {
    for (const auto& j : jtis)
      if (!store::remember_jti(*deps_.db, j.client_id, j.jti, j.expires_at))
      {
        web::Response r =
            web::problem(401, "Richiesta ripetuta", "Il jti del token è già stato usato.", {{"reason", "replayed-jti"}});
        r.headers["WWW-Authenticate"] = "Bearer realm=\"interop\"";
        return r;
      }
    auto p = store::find_practice(*deps_.db, seg[4]);
    if (!p) p = store::find_practice_by_ref(*deps_.db, client->modi.ente_id, client->system, seg[4]);
    if (!p || p->ente_id != client->modi.ente_id)
      return web::problem(404, "Pratica non trovata", "Nessuna pratica con questo identificativo per il tuo ente.");
    std::string reason = req.header("X-Motivo-Accesso");
    if (reason.empty() || reason.size() > 200 || !web::valid_utf8(reason)) reason = "verifica dello stato da parte del back office";
    for (const auto& subject : {p->applicant, p->beneficiary})
      if (!subject.empty())
        store::log_practice_access(*deps_.db, {p->id, subject, client->modi.client_id, "back-office",
                                               client->name, reason, store::now_iso8601()});
    auto view = practices::load_practice_view(*deps_.db, *p, *deps_.catalog(), deps_.base_url, practices::rome_today());
    web::Response r = web::json_response(200, practices::practice_detail_json(view));
    r.headers["Cache-Control"] = "no-store";
    r.route = "interop_read";
    return r;
  }

  if (!json_content_type(req.header("Content-Type")))
    return web::problem(415, "Tipo di contenuto non supportato",
                        "Invia JSON: application/json o application/cloudevents(-batch)+json.");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    return web::problem(400, "JSON non valido", "Il corpo della richiesta non è JSON ben formato.");
  auto later = std::make_shared<web::Deferred>();
  std::string route = op == Op::Open ? "interop_open" : "interop_events";
  auto done = [later, route](practices::IngestAnswer a) {
    web::Response r = from_answer(a);
    r.headers["Cache-Control"] = "no-store";
    if (r.status == 401) r.headers["WWW-Authenticate"] = "Bearer realm=\"interop\"";  // replay found at commit
    r.route = route;
    later->resolve(std::move(r));
  };
  if (op == Op::Open)
    deps_.ingest->open_practice(*client, body, std::move(jtis), done);
  else
    deps_.ingest->append_events(*client, body, std::move(jtis), done);
  web::Response r;
  r.deferred = later;
  r.route = route;
  return r;
}

}  // namespace au::api
