// The notification pages of the personal area (see notification_pages.h): routing, the inbox,
// one message, the preferences form, the one-click unsubscribe and the calendar feed. The
// administrators' template editor is in template_pages.cpp. Every read and write is the same
// call the JSON API makes (api/messages_api.cpp), so a page never accepts what the API refuses.
#include "portal/notification_pages.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <set>

#include "domain/notification_template.h"
#include "domain/delivery_policy.h"
#include "domain/utc_time.h"
#include "notify/calendar_feed.h"
#include "notify/inbox.h"
#include "notify/subscriptions.h"
#include "portal/account_pages.h"
#include "portal/markdown.h"
#include "portal/practice_pages.h"
#include "portal/view_helpers.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"
#include "store/practice_repository.h"

namespace au::portal {

using nlohmann::json;

namespace {

constexpr int kPageSize = 20;
constexpr std::size_t kMaxServices = 200;
const char* const kChannels[] = {"email", "io", "sms", "webhook"};  // the inbox is always on
const std::set<std::string> kPreferenceFields = {"csrf", "azione", "email", "cellulare", "webhook", "servizi",
                                                 "silenzio-inizio", "silenzio-fine", "riepilogo"};

// Stored times are "YYYY-MM-DDTHH:MM:SS[.mmm]Z": shown as "27 novembre 2026, 10:15" (Rome).
std::string when_label(const std::string& t) {
  auto secs = t.size() >= 19 ? domain::parse_utc(t.substr(0, 19) + "Z") : std::nullopt;
  return secs ? italian_date_time(*secs * 1000) : date_label(t);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string kind_label(const std::string& kind) {
  const auto* k = domain::find_message_kind(kind);
  return k ? k->label : "Messaggio";
}

std::string address_of(const notify::PreferencesView& v, const std::string& channel) {
  for (const auto& c : v.contacts)
    if (c.channel == channel) return c.address;
  return "";
}

// The services of the person's practices, by title: the rows of the per-service switches.
std::vector<std::pair<std::string, std::string>> services_of(store::Database& db, const std::string& subject,
                                                             const domain::CatalogSnapshot& cat) {
  std::map<std::string, std::string> by_id;
  for (const auto& p : store::practices_of_subjects(db, {subject}, kMaxServices))
    if (const auto* s = cat.service_by_id(p.service_id)) by_id.emplace(s->id, s->title);
  std::vector<std::pair<std::string, std::string>> out(by_id.begin(), by_id.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

// The field of the form an API error path belongs to, and how people call it.
std::pair<std::string, std::string> field_of(const std::string& path) {
  if (path == "/contacts/email") return {"email", "Email"};
  if (path == "/contacts/sms") return {"cellulare", "Numero di cellulare"};
  if (path == "/contacts/webhook") return {"webhook", "Indirizzo del webhook"};
  if (path == "/quiet_hours") return {"silenzio-inizio", "Ore di silenzio"};
  if (path.rfind("/services", 0) == 0) return {"servizi-titolo", "Avvisi per servizio"};
  return {"canali-titolo", "Canali"};
}

}  // namespace

// --- shared page machinery ---------------------------------------------------------------------

json NotificationPages::context(const Session* s, const std::string& title, const std::string& path,
                                const Crumbs& crumbs) const {
  json ctx = deps_.renderer->base_context(title + " - UmbriaSemplice", title, path);
  ctx["page"]["noindex"] = true;
  std::vector<std::pair<std::string, std::string>> items = {{"Home", "/"}};
  if (s) items.emplace_back("Area personale", "/area-personale");
  items.insert(items.end(), crumbs.begin(), crumbs.end());
  ctx["page"]["breadcrumb"] = breadcrumb(items);
  if (!s) return ctx;
  ctx["user"] = {{"name", s->display_name()}};
  ctx["csrf"] = s->record.csrf_token;
  ctx["account"] = account_nav(*s, *deps_.db);
  return ctx;
}

web::Response NotificationPages::render(const std::string& tmpl, const json& ctx, const std::string& route,
                                        int status) const {
  web::Response r = deps_.renderer->page(tmpl, ctx, route, status);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response NotificationPages::error(int status, const std::string& message) const {
  web::Response r = deps_.renderer->error_page(status, message);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

std::optional<web::Response> NotificationPages::read_form(const web::Request& req, const Session& s,
                                                          std::vector<web::QueryParam>& form) const {
  if (req.body.size() > 65536) return error(400, "Il modulo inviato è troppo grande.");
  if (req.header("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0 || !web::parse_query(req.body, form))
    return error(400, "Il modulo inviato non è valido.");
  if (!identity::csrf_ok(req, s, form_get(form, "csrf"), deps_.renderer->base_url())) {
    spdlog::warn("modulo rifiutato: token CSRF o origine non validi");
    return error(403, "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova.");
  }
  return std::nullopt;
}

std::optional<web::Response> NotificationPages::handle(const web::Request& req, const identity::Caller& caller) {
  auto parts = web::split_path(req.path);
  if (parts.empty()) return std::nullopt;
  const bool get = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
  auto not_allowed = [&](const std::string& allow) {
    web::Response r = error(405, "Questa pagina accetta solo: " + allow + ".");
    r.headers["Allow"] = allow;
    return r;
  };
  // Token pages: no session, the token is the credential.
  if (parts.size() == 2 && parts[0] == "disiscrizione")
    return get || post ? unsubscribe_page(req, parts[1]) : not_allowed("GET, HEAD, POST");
  if (parts.size() == 2 && parts[0] == "calendario") {
    if (get) return calendar_feed(req, parts[1]);
    web::Response r(405, "text/plain; charset=utf-8", "Metodo non consentito: usa GET.\n");
    r.headers["Allow"] = "GET, HEAD";
    r.headers["Cache-Control"] = "no-store";
    r.route = "calendar_feed";
    return r;
  }
  if (parts.size() < 2 || parts[0] != "area-personale") return std::nullopt;
  const bool inbox = parts[1] == "messaggi" && parts.size() <= 3;
  const bool prefs = parts[1] == "notifiche" && parts.size() == 2;
  const bool editor = parts.size() >= 3 && parts[1] == "amministrazione" && parts[2] == "modelli";
  if (!inbox && !prefs && !editor) return std::nullopt;
  if (!caller.session) {
    if (!get) return error(401, "La sessione è scaduta: accedi di nuovo.");
    std::string back = req.path + (req.query.empty() ? "" : "?" + req.query);
    return redirect("/accedi?ritorno=" + web::percent_encode(safe_return_to(back)));
  }
  const Session& s = *caller.session;
  if (editor) {
    if (!s.principal.has(domain::Role::Amministratore)) {
      spdlog::warn("accesso negato: modelli dei messaggi (not-admin)");
      return error(403, "Non hai i permessi per questa operazione: i modelli dei messaggi sono riservati agli amministratori.");
    }
    if (parts.size() == 3) return get ? templates_page(s) : not_allowed("GET, HEAD");
    if (parts.size() != 5) return error(404, "La pagina che cerchi non esiste nell'area personale.");
    return get || post ? template_page(req, s, parts[3], parts[4]) : not_allowed("GET, HEAD, POST");
  }
  if (prefs) {
    if (get) {
      if (!req.query.empty()) return error(400, "Questa pagina non accetta parametri nell'indirizzo.");
      return preferences_page(s, json::object());
    }
    return post ? preferences_post(req, s) : not_allowed("GET, HEAD, POST");
  }
  if (parts.size() == 2) return get ? inbox_page(req, s) : not_allowed("GET, HEAD");
  return get || post ? message_page(req, s, parts[2]) : not_allowed("GET, HEAD, POST");
}

// --- "Messaggi" ----------------------------------------------------------------------------------

web::Response NotificationPages::inbox_page(const web::Request& req, const Session& s) {
  std::vector<web::QueryParam> query;
  if (!web::parse_query(req.query, query)) return error(400, "L'indirizzo della pagina non è codificato correttamente.");
  bool unread_only = false;
  long long before = 0;
  for (const auto& q : query) {
    if (q.key == "filtro" && (q.value == "non-letti" || q.value == "tutti")) unread_only = q.value == "non-letti";
    else if (q.key == "prima_di" && web::parse_positive_id(q.value)) before = *web::parse_positive_id(q.value);
    else return error(400, "L'indirizzo contiene un parametro non valido: usa i filtri e i collegamenti della pagina.");
  }
  const auto subjects = notify::inbox_subjects(s.principal);
  auto list = store::inbox_of(*deps_.db, subjects, unread_only, kPageSize + 1, before);
  const bool more = static_cast<int>(list.size()) > kPageSize;
  if (more) list.pop_back();
  json items = json::array();
  for (const auto& m : list) {
    json item = {{"id", std::to_string(m.id)},
                 {"url", "/area-personale/messaggi/" + std::to_string(m.id)},
                 {"subject", m.subject.empty() ? kind_label(m.kind) : m.subject},
                 {"kind", kind_label(m.kind)},
                 {"when", when_label(m.created_at)},
                 {"datetime", m.created_at},
                 {"unread", m.read_at.empty()}};
    if (m.recipient != s.principal.subject) item["recipient"] = "Per l'impresa con P.IVA " + m.recipient;
    items.push_back(std::move(item));
  }
  const long long unread = store::unread_count(*deps_.db, subjects);
  json ctx = context(&s, "Messaggi", "/area-personale/messaggi", {{"Messaggi", ""}});
  ctx["inbox"] = {{"items", items},
                  {"has_items", !items.empty()},
                  {"unread_only", unread_only},
                  {"paged", before > 0},
                  {"has_pages", before > 0 || more},
                  {"unread_label", unread == 0   ? "Non hai messaggi da leggere."
                                   : unread == 1 ? "Hai 1 messaggio da leggere."
                                                 : "Hai " + std::to_string(unread) + " messaggi da leggere."},
                  {"first_url", unread_only ? "/area-personale/messaggi?filtro=non-letti" : "/area-personale/messaggi"},
                  {"next_url", more ? "/area-personale/messaggi" +
                                          query_string({{"filtro", unread_only ? "non-letti" : ""},
                                                        {"prima_di", std::to_string(list.back().id)}})
                                    : ""}};
  return render("notification_inbox", ctx, "messages_page");
}

web::Response NotificationPages::message_page(const web::Request& req, const Session& s, const std::string& id_text) {
  auto id = web::parse_positive_id(id_text);
  if (!id) return error(400, "L'identificativo del messaggio non è valido: usa il collegamento dall'elenco dei messaggi.");
  if (!req.query.empty() && req.method != "POST") return error(400, "Questa pagina non accetta parametri nell'indirizzo.");
  const auto subjects = notify::inbox_subjects(s.principal);
  auto m = store::find_message(*deps_.db, *id);
  if (!m || m->state != "ready" || !contains(subjects, m->recipient))
    return error(404, "Il messaggio che cerchi non esiste o non è disponibile per te.");
  const std::string now = store::now_iso8601();
  if (req.method == "POST") {
    std::vector<web::QueryParam> form;
    if (auto bad = read_form(req, s, form)) return *bad;
    for (const auto& f : form)
      if (f.key != "csrf" && f.key != "azione") return error(400, "Il modulo contiene un campo non previsto.");
    if (form_get(form, "azione") != "non-letto") return error(400, "Operazione sul messaggio non valida.");
    store::set_message_read(*deps_.db, m->id, subjects, false, now);
    return redirect("/area-personale/messaggi");
  }
  if (m->read_at.empty()) store::set_message_read(*deps_.db, m->id, subjects, true, now);
  auto cat = deps_.catalog();
  json deliveries = json::array({{{"channel", notify::channel_label("inbox")}, {"status", "Disponibile"},
                                  {"when", when_label(m->created_at)}}});
  for (const auto& d : store::deliveries_of_message(*deps_.db, m->id))
    deliveries.push_back({{"channel", notify::channel_label(d.channel)},
                          {"status", notify::delivery_status_label(d.status)},
                          {"reason", d.reason},
                          {"attempts", d.attempts > 0 ? std::to_string(d.attempts) : ""},
                          {"when", when_label(d.updated_at.empty() ? d.created_at : d.updated_at)}});
  const std::string subject = m->subject.empty() ? kind_label(m->kind) : m->subject;
  const std::string path = "/area-personale/messaggi/" + std::to_string(m->id);
  json ctx = context(&s, subject, path, {{"Messaggi", "/area-personale/messaggi"}, {subject, ""}});
  json msg = {{"id", std::to_string(m->id)},
              {"action", path},
              {"subject", subject},
              {"kind", kind_label(m->kind)},
              {"when", when_label(m->created_at)},
              {"datetime", m->created_at},
              {"body_html", markdown_to_html(m->body)},  // safe mode: raw HTML dropped
              {"due", m->due_date.empty() ? "" : italian_date(m->due_date)},
              {"deliveries", deliveries}};
  if (m->recipient != s.principal.subject) msg["recipient"] = "l'impresa con P.IVA " + m->recipient;
  if (!m->practice_id.empty() && m->practice_id.size() <= 64) msg["practice_url"] = "/area-personale/pratiche/" + m->practice_id;
  if (const auto* svc = cat->service_by_id(m->service_id)) msg["service"] = svc->title;
  if (const auto* e = cat->ente_by_id(m->ente_id)) msg["ente"] = e->name;
  ctx["message"] = msg;
  return render("notification_message", ctx, "message_page");
}

// --- preferences ---------------------------------------------------------------------------------

web::Response NotificationPages::preferences_page(const Session& s, const json& state, int status) {
  const std::string& subject = s.principal.subject;
  auto cat = deps_.catalog();
  const auto view = notify::load_preferences(*deps_.db, subject);
  const json current = notify::preferences_json(view);
  // After a refused POST the form shows what was submitted, otherwise what is stored.
  const json sub = state.value("submitted", json::object());
  auto value = [&](const char* field, const std::string& stored) {
    return sub.contains(field) ? sub[field].get<std::string>() : stored;
  };
  auto checked = [&](const std::string& service, const std::string& ch) {
    if (sub.contains("checked")) return sub["checked"].value(service + "/" + ch, false);
    const json& svc = current["services"];
    if (!service.empty() && svc.contains(service) && svc[service].contains(ch)) return svc[service][ch].get<bool>();
    return current["channels"][ch].get<bool>();
  };
  std::map<std::string, std::string> field_errors;
  json errors = json::array();
  for (const auto& e : state.value("errors", json::array())) {
    auto [field, label] = field_of(e["path"].get<std::string>());
    std::string text = label + ": " + e["message"].get<std::string>();
    field_errors.emplace(field, text);
    errors.push_back({{"field", field}, {"text", text}});
  }
  auto contact = [&](const char* field, const char* channel, const std::string& label) {
    json c = {{"id", field}, {"label", label}, {"value", value(field, address_of(view, channel))}};
    if (auto it = field_errors.find(field); it != field_errors.end()) c["error"] = it->second;
    return c;
  };
  json flagged = json::array();
  for (const auto& c : view.contacts)
    if (!c.invalid_at.empty())
      flagged.push_back({{"channel", notify::channel_label(c.channel)}, {"address", c.address},
                         {"reason", c.invalid_reason.empty() ? "il fornitore ha respinto i messaggi" : c.invalid_reason},
                         {"since", when_label(c.invalid_at)}});
  json channels = json::array();
  for (const char* ch : kChannels)
    channels.push_back({{"value", ch}, {"label", notify::channel_label(ch)}, {"checked", checked("", ch)}});
  json services = json::array();
  int n = 0;
  for (const auto& [id, title] : services_of(*deps_.db, subject, *cat)) {
    json row = {{"id", id}, {"title", title}, {"n", std::to_string(++n)}, {"switches", json::array()}};
    for (const char* ch : kChannels)
      row["switches"].push_back({{"channel", ch}, {"label", notify::channel_label(ch)}, {"checked", checked(id, ch)}});
    services.push_back(std::move(row));
  }
  const json quiet = current["quiet_hours"];
  json ctx = context(&s, "Notifiche", "/area-personale/notifiche", {{"Notifiche", ""}});
  json p = {{"errors", errors},
            {"has_errors", !errors.empty()},
            {"notice", state.value("notice", "")},
            {"webhook_secret", state.value("webhook_secret", "")},
            {"login_email", view.login_email},
            {"email", contact("email", "email", "Email per gli avvisi")},
            {"sms", contact("cellulare", "sms", "Numero di cellulare per gli SMS")},
            {"webhook", contact("webhook", "webhook", "Indirizzo del tuo webhook")},
            {"flagged", flagged},
            {"has_flagged", !flagged.empty()},
            {"channels", channels},
            {"services", services},
            {"has_services", !services.empty()},
            {"quiet_start", value("silenzio-inizio", quiet.is_object() ? quiet["start"].get<std::string>() : "")},
            {"quiet_end", value("silenzio-fine", quiet.is_object() ? quiet["end"].get<std::string>() : "")},
            {"daily_digest", sub.contains("riepilogo") ? sub["riepilogo"].get<bool>() : view.quiet.daily_digest},
            {"calendar_since", view.calendar_since.empty() ? "" : when_label(view.calendar_since)}};
  if (auto it = field_errors.find("silenzio-inizio"); it != field_errors.end()) p["quiet_error"] = it->second;
  if (state.contains("calendar_url")) {
    const std::string url = state["calendar_url"];
    const auto scheme = url.find("://");
    p["calendar_new"] = {{"url", url}, {"webcal", "webcal" + url.substr(scheme == std::string::npos ? 0 : scheme)}};
  }
  ctx["prefs"] = p;
  return render("notification_preferences", ctx, "notification_preferences", status);
}

web::Response NotificationPages::preferences_post(const web::Request& req, const Session& s) {
  std::vector<web::QueryParam> form;
  if (auto bad = read_form(req, s, form)) return *bad;
  if (!req.query.empty()) return error(400, "Questa pagina non accetta parametri nell'indirizzo.");
  for (const auto& f : form) {
    bool known = kPreferenceFields.count(f.key) > 0;
    for (const char* ch : kChannels)
      known = known || f.key == std::string("canale-") + ch || f.key == std::string("servizio-") + ch;
    if (!known) return error(400, "Il modulo contiene un campo non previsto: ricarica la pagina e riprova.");
  }
  const std::string& subject = s.principal.subject;
  const std::string action = form_get(form, "azione"), now = store::now_iso8601();
  if (action == "calendario") {
    const std::string token = notify::new_calendar_token(*deps_.db, subject, now);
    return preferences_page(s, {{"calendar_url", deps_.base_url + "/calendario/" + token + ".ics"}});
  }
  if (action == "revoca-calendario") {
    store::revoke_calendar_feeds(*deps_.db, subject, now);
    return preferences_page(s, {{"notice", "Indirizzo del calendario revocato: i calendari iscritti non ricevono più le scadenze."}});
  }
  if (action != "salva") return error(400, "Operazione sulle preferenze non valida.");

  // The API's JSON, with only what changed: a contact set again would get a new webhook secret,
  // a switch written again would pin a service to the general choice of today.
  const auto view = notify::load_preferences(*deps_.db, subject);
  const json current = notify::preferences_json(view);
  json body = {{"contacts", json::object()}, {"channels", json::object()}, {"services", json::object()}};
  json submitted = {{"checked", json::object()}};
  static const std::pair<const char*, const char*> kContacts[] = {{"email", "email"}, {"cellulare", "sms"}, {"webhook", "webhook"}};
  for (const auto& [field, channel] : kContacts) {
    const std::string v = trim(form_get(form, field));
    submitted[field] = v;
    if (v != address_of(view, channel)) body["contacts"][channel] = v.empty() ? json(nullptr) : json(v);
  }
  for (const char* ch : kChannels) {
    const bool on = !form_get(form, std::string("canale-") + ch).empty();
    submitted["checked"][std::string("/") + ch] = on;
    if (on != current["channels"][ch].get<bool>()) body["channels"][ch] = on;
  }
  auto listed = form_all(form, "servizi");
  std::sort(listed.begin(), listed.end());
  listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
  if (listed.size() > kMaxServices) return error(400, "Il modulo contiene troppi servizi.");
  for (const char* ch : kChannels) {
    const auto ticked = form_all(form, std::string("servizio-") + ch);
    for (const auto& id : ticked)
      if (!contains(listed, id)) return error(400, "Il modulo contiene un servizio non previsto: ricarica la pagina e riprova.");
    for (const auto& id : listed) {
      const bool on = contains(ticked, id);
      submitted["checked"][id + "/" + ch] = on;
      const json& svc = current["services"];
      const bool was = svc.contains(id) && svc[id].contains(ch) ? svc[id][ch].get<bool>() : current["channels"][ch].get<bool>();
      if (on != was) body["services"][id][ch] = on;  // untouched rows keep following the general switch
    }
  }
  const std::string start = trim(form_get(form, "silenzio-inizio")), end = trim(form_get(form, "silenzio-fine"));
  submitted["silenzio-inizio"] = start;
  submitted["silenzio-fine"] = end;
  body["quiet_hours"] = start.empty() && end.empty() ? json(nullptr) : json{{"start", start}, {"end", end}};
  body["daily_digest"] = submitted["riepilogo"] = form_get(form, "riepilogo") == "1";

  notify::PreferencesUpdate update;
  auto cat = deps_.catalog();
  auto problems = notify::parse_preferences_update(body, cat.get(), update);
  if (!problems.empty()) {
    json errors = json::array();
    for (const auto& e : problems) {
      std::string message = e.message;
      if (e.path == "/quiet_hours" && !domain::quiet_hours_problem(start, end).empty())
        message = domain::quiet_hours_problem(start, end);  // says which of the two is wrong
      errors.push_back({{"path", e.path}, {"message", message}});
    }
    return preferences_page(s, {{"errors", errors}, {"submitted", submitted}}, 400);
  }
  const std::string secret = notify::apply_preferences(*deps_.db, subject, update, now);
  if (deps_.on_change) deps_.on_change();
  return preferences_page(s, {{"notice", "Preferenze salvate."}, {"webhook_secret", secret}});
}

// --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------

web::Response NotificationPages::unsubscribe_page(const web::Request& req, const std::string& token) {
  auto target = notify::unsubscribe_target(*deps_.db, token);
  if (!target) return error(404, "Il collegamento per non ricevere più le email non è valido o non esiste.");
  auto cat = deps_.catalog();
  const auto* svc = cat->service_by_id(target->service_id);
  const std::string what = svc ? "per il servizio «" + svc->title + "»" : "da UmbriaSemplice";
  const std::string path = "/disiscrizione/" + token;
  if (req.method == "POST") {
    // A mail client's one-click POST carries no cookie and no CSRF token: the token decides.
    std::vector<web::QueryParam> form;
    const std::string type = req.header("Content-Type");
    const bool urlencoded = type.rfind("application/x-www-form-urlencoded", 0) == 0;
    const bool multipart = type.rfind("multipart/form-data", 0) == 0;  // RFC 8058 allows both
    if (req.body.size() > 4096 || (!urlencoded && !multipart) || (urlencoded && !web::parse_query(req.body, form)))
      return error(400, "La richiesta di disiscrizione non è valida.");
    for (const auto& f : form)
      if (f.key != "List-Unsubscribe" && f.key != "conferma") return error(400, "La richiesta di disiscrizione non è valida.");
    notify::unsubscribe(*deps_.db, token, store::now_iso8601());
    if (deps_.on_change) deps_.on_change();
    json ctx = context(nullptr, "Disiscrizione confermata", path, {{"Disiscrizione confermata", ""}});
    ctx["unsubscribe"] = {{"done", true}, {"what", what}};
    return render("notification_unsubscribe", ctx, "unsubscribe");
  }
  json ctx = context(nullptr, "Non ricevere più email", path, {{"Non ricevere più email", ""}});
  ctx["unsubscribe"] = {{"done", false}, {"what", what}, {"action", path}};
  return render("notification_unsubscribe", ctx, "unsubscribe");
}

// --- the private calendar feed -------------------------------------------------------------------

web::Response NotificationPages::calendar_feed(const web::Request&, const std::string& file) {
  auto text = [](int status, const std::string& body) {
    web::Response r(status, "text/plain; charset=utf-8", body);
    r.headers["Cache-Control"] = "no-store";
    r.route = "calendar_feed";
    return r;
  };
  const std::string ext = ".ics";
  if (file.size() <= ext.size() || file.compare(file.size() - ext.size(), ext.size(), ext) != 0)
    return text(404, "Calendario non trovato.\n");
  auto subject = notify::calendar_token_subject(*deps_.db, file.substr(0, file.size() - ext.size()));
  if (!subject) return text(404, "Calendario non trovato.\n");
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
  web::Response r(200, "text/calendar; charset=utf-8",
                  notify::calendar_of(*deps_.db, {*subject}, *deps_.catalog(), deps_.base_url, now_ms));
  r.headers["Cache-Control"] = "no-store";
  r.headers["Content-Disposition"] = "inline; filename=\"scadenze.ics\"";
  r.route = "calendar_feed";
  return r;
}

}  // namespace au::portal
