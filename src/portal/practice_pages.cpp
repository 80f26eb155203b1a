// The practices pages of the personal area (see practice_pages.h). Who may read what is
// practices::visible_practices / may_read / ente_practices, the same calls as the JSON API.
#include "portal/practice_pages.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "domain/utc_time.h"
#include "portal/account_pages.h"
#include "portal/view_helpers.h"
#include "practices/practice_access.h"
#include "practices/practice_view.h"
#include "store/identity_repository.h"

namespace au::portal {

using nlohmann::json;
using domain::Date;

namespace {

constexpr std::int64_t kMsPerHour = 3'600'000;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;
constexpr std::size_t kReasonMin = 3, kReasonMax = 200;
const char* const kMonths[] = {"gennaio", "febbraio", "marzo",     "aprile",  "maggio",   "giugno",
                               "luglio",  "agosto",   "settembre", "ottobre", "novembre", "dicembre"};

// Readers' usual reasons, offered as suggestions of the free-text field.
const char* const kCommonReasons[] = {
    "Istruttoria della pratica", "Risposta a una richiesta del richiedente",
    "Verifica delle scadenze", "Assistenza al cliente che mi ha delegato",
    "Adempimento per l'impresa che rappresento"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string words(Date d) { return std::to_string(d.d) + " " + kMonths[d.m - 1] + " " + std::to_string(d.y); }

// Italy's offset from UTC: summer time from the last Sunday of March to the last Sunday of
// October, switching at 01:00 UTC (the rule domain::rome_date applies).
std::int64_t rome_offset_ms(std::int64_t ms) {
  const int year = domain::from_days(floor_div(ms, kMsPerDay)).y;
  auto last_sunday_1am = [year](int month) {
    Date d{year, month, 31};
    while (!domain::is_sunday(d)) d = domain::add_days(d, -1);
    return domain::to_days(d) * kMsPerDay + kMsPerHour;
  };
  return ms >= last_sunday_1am(3) && ms < last_sunday_1am(10) ? 2 * kMsPerHour : kMsPerHour;
}

// "mancano 3 giorni", "scade oggi", "scaduta da 2 giorni": a due date seen from today.
std::string days_phrase(std::int64_t days) {
  if (days > 1) return "mancano " + std::to_string(days) + " giorni";
  if (days == 1) return "manca 1 giorno";
  if (days == 0) return "scade oggi";
  if (days == -1) return "scaduta da 1 giorno";
  return "scaduta da " + std::to_string(-days) + " giorni";
}

// The badge carries the label as text; the colour only repeats it.
json status_json(domain::PracticeStatus s) {
  using S = domain::PracticeStatus;
  std::string css = "bg-primary";
  if (s == S::ConclusoPositivo) css = "bg-success";
  else if (s == S::ConclusoNegativo) css = "bg-danger";
  else if (s == S::SospesoUtente) css = "bg-warning text-dark";
  else if (s == S::SospesoPa || s == S::Bozza) css = "bg-secondary";
  return {{"code", domain::status_code(s)}, {"label", domain::status_label(s)}, {"css", css}};
}

std::string backoffice_label(const std::string& label, const std::string& code) {
  if (label.empty()) return code;
  return code.empty() ? label : label + " (" + code + ")";
}

// Only http(s) URLs reach an href (the ingest checks them too: defence in depth).
std::string safe_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return "";
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f) return "";
  return url;
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Empty when the reason is acceptable, otherwise what is wrong (Italian).
std::string reason_problem(const std::string& reason) {
  for (unsigned char c : reason)
    if (c < 0x20 || c == 0x7f) return "Il motivo non può contenere caratteri di controllo.";
  auto n = utf8_length(reason);
  if (n < kReasonMin || n > kReasonMax)
    return "Il motivo deve avere da " + std::to_string(kReasonMin) + " a " + std::to_string(kReasonMax) +
           " caratteri (ne hai scritti " + std::to_string(n) + ").";
  return "";
}

std::string param(const std::vector<web::QueryParam>& q, const std::string& key) {
  for (const auto& p : q)
    if (p.key == key) return p.value;
  return "";
}

std::string text_member(const json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string media_label(const std::string& media_type) {
  if (media_type == "application/pdf") return "PDF";
  if (media_type.rfind("image/", 0) == 0) return "Immagine";
  if (media_type == "text/html") return "Pagina web";
  return media_type;
}

bool is_subject(const std::string& who, const store::PracticeRecord& p) {
  return who == p.applicant || (!p.beneficiary.empty() && who == p.beneficiary);
}

// The businesses represented and the clients who delegated: the "di chi" choices besides "mie".
std::vector<std::pair<std::string, std::string>> others_of(store::Database& db, const identity::ActiveSession& s,
                                                           const std::string& now) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const auto& a : store::roles_of(db, s.record.fiscal_code))
    if (a.role == "rappresentante-impresa" && s.principal.businesses.count(a.scope) && seen.insert(a.scope).second)
      out.emplace_back(a.scope, (a.label.empty() ? "Impresa" : a.label) + " (P.IVA " + a.scope + ")");
  for (const auto& d : s.principal.delegations_received)
    if (domain::delegation_in_force(d, now) && seen.insert(d.grantor).second) {
      auto rec = store::find_delegation(db, d.id);
      out.emplace_back(d.grantor, rec && !rec->grantor_name.empty() ? rec->grantor_name : d.grantor);
    }
  return out;
}

// "Tu (il richiedente)" only speaks to the applicant; others read who that is.
std::string actor_label(domain::NextActor a, bool reader_is_subject) {
  if (a == domain::NextActor::Richiedente && !reader_is_subject) return "Il richiedente";
  return domain::next_actor_label(a);
}

json summary_item(const practices::PracticeView& v, Date today, bool own) {
  const auto& p = v.record;
  const auto& pr = v.projection;
  json item = {{"id", p.id},
               {"url", "/area-personale/pratiche/" + p.id},
               {"title", p.title},
               {"ente", v.ente_name.empty() ? p.ente_id : v.ente_name},
               {"status", status_json(pr.status)},
               {"backoffice_status", backoffice_label(pr.backoffice_label, pr.backoffice_code)},
               {"next_actor", actor_label(pr.next_actor, own)}};
  if (pr.next_deadline) {
    auto days = domain::days_between(today, *pr.next_deadline);
    item["next_deadline"] = {{"date", words(*pr.next_deadline)},
                             {"label", pr.next_deadline_label},
                             {"when", days_phrase(days)},
                             {"overdue", days < 0}};
  }
  return item;
}

std::string suspension_reason(const domain::Projection& pr) {
  using K = domain::PracticeEventKind;
  auto open = [&](K k) {
    return std::any_of(pr.open_requests.begin(), pr.open_requests.end(), [k](const auto& r) { return r.kind == k; });
  };
  if (open(K::PreavvisoRigetto))
    return "l'ente attende le osservazioni al preavviso di rigetto (art. 10-bis della legge 241/1990)";
  if (open(K::RichiestaIntegrazione))
    return "l'ente attende l'integrazione richiesta (art. 2, comma 7, della legge 241/1990)";
  return "è in corso una sospensione prevista dalla legge 241/1990";
}

json timeline_item(const domain::TimelineEvent& e) {
  using K = domain::PracticeEventKind;
  // A time of exactly midnight UTC is a bare date (e.g. the opening, dated by submitted_on).
  const bool date_only = e.time.size() >= 20 && e.time.compare(10, 10, "T00:00:00Z") == 0;
  json item = {{"label", domain::event_kind_label(e.kind)},
               {"when", date_only ? italian_date(e.time) : italian_date_time(e.time_ms)},
               {"datetime", domain::format_utc(floor_div(e.time_ms, 1000))},
               {"status", e.status ? domain::status_label(*e.status) : ""},
               {"backoffice_status", backoffice_label(e.backoffice_label, e.backoffice_code)}};
  json details = json::array();
  for (const char* key : {"description", "text"})
    if (auto t = text_member(e.data, key); !t.empty()) details.push_back(t);
  if (auto n = text_member(e.data, "protocol_number"); !n.empty()) {
    auto d = domain::parse_civil_date(text_member(e.data, "protocol_date"));
    details.push_back("Numero di protocollo " + n + (d ? " del " + words(*d) : ""));
  }
  if (auto esito = text_member(e.data, "esito"); !esito.empty()) details.push_back("Esito: " + esito);
  if (e.kind == K::RichiestaIntegrazione) {
    std::optional<Date> due = domain::parse_civil_date(text_member(e.data, "due_date"));
    if (!due && e.data.contains("due_days") && e.data["due_days"].is_number_integer())
      due = domain::request_due_date(domain::rome_date(e.time_ms), e.data["due_days"].get<int>());
    if (due) details.push_back("Da presentare entro il " + words(*due));
  }
  item["details"] = details;
  if (e.kind == K::Documento) {
    std::string url = safe_url(text_member(e.data, "url"));
    if (!url.empty()) item["document"] = {{"title", text_member(e.data, "title")}, {"url", url}};
  }
  return item;
}

json detail_json(const practices::PracticeView& v, Date today, bool own) {
  const auto& p = v.record;
  const auto& pr = v.projection;
  const bool concluded = domain::is_concluded(pr.status);
  json j = summary_item(v, today, own);
  j["applicant_name"] = p.applicant_name;
  j["service_title"] = v.service ? v.service->title : "";
  j["service_url"] = safe_url(v.service_url);
  j["backoffice_url"] = safe_url(p.backoffice_url);
  j["backoffice_ref"] = p.backoffice_ref.empty() ? "" : p.backoffice_system + " " + p.backoffice_ref;
  auto submitted = domain::parse_civil_date(p.submitted_on);
  j["submitted_on"] = submitted ? words(*submitted) : "";
  j["protocol_number"] = pr.protocol_number;
  j["protocol_date"] = pr.protocol_date ? words(*pr.protocol_date) : "";
  j["concluded"] = concluded;
  if (pr.deadline) {
    const auto& d = *pr.deadline;
    j["deadline"] = {{"legal_term_days", std::to_string(p.legal_term_days)},
                     {"received", pr.received ? words(*pr.received) : ""},
                     {"due", words(d.due)},
                     {"when", concluded ? "" : days_phrase(d.days_remaining)},
                     {"overdue", d.overdue},
                     {"suspended_now", d.suspended_now},
                     {"suspension_reason", d.suspended_now ? suspension_reason(pr) : ""},
                     {"suspended_days", d.suspended_days > 0 ? std::to_string(d.suspended_days) : ""},
                     {"silence_from", d.silence_is_consent_from && !concluded ? words(*d.silence_is_consent_from) : ""}};
  }
  json requests = json::array();
  for (const auto& r : pr.open_requests) {
    auto days = domain::days_between(today, r.due);
    requests.push_back({{"kind", r.kind == domain::PracticeEventKind::PreavvisoRigetto
                                     ? "Osservazioni al preavviso di rigetto"
                                     : "Integrazione della domanda"},
                        {"description", r.description},
                        {"requested_on", words(r.requested_on)},
                        {"due", words(r.due)},
                        {"when", days_phrase(days)},
                        {"overdue", r.overdue}});
  }
  j["requests"] = requests;
  j["has_requests"] = !requests.empty();
  json timeline = json::array();
  for (const auto& e : pr.timeline) timeline.push_back(timeline_item(e));
  j["timeline"] = timeline;
  j["has_timeline"] = !timeline.empty();
  json documents = json::array();
  for (const auto& d : pr.documents)
    if (auto url = safe_url(d.url); !url.empty())
      documents.push_back({{"title", d.title.empty() ? "Documento" : d.title}, {"url", url},
                           {"media", media_label(d.media_type)}, {"date", words(d.date)}});
  j["documents"] = documents;
  j["has_documents"] = !documents.empty();
  return j;
}

}  // namespace

std::string italian_date(const std::string& iso) {
  auto d = domain::parse_civil_date(iso.substr(0, 10));
  return d ? words(*d) : iso;
}

std::string italian_date_time(std::int64_t ms) {
  constexpr std::int64_t kMin = -62'135'596'800'000, kMax = 253'402'297'199'999;  // years 0001..9999
  ms = std::clamp(ms, kMin, kMax);
  std::int64_t local = ms + rome_offset_ms(ms);
  std::int64_t minutes = floor_div(local, 60'000) - floor_div(local, kMsPerDay) * 1440;
  auto two = [](std::int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  return words(domain::from_days(floor_div(local, kMsPerDay))) + ", " + two(minutes / 60) + ":" + two(minutes % 60);
}

json PracticePages::context(const Session& s, const std::string& title, const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& crumbs) const {
  json ctx = deps_.renderer->base_context(title + " - UmbriaSemplice", title, path);
  ctx["page"]["noindex"] = true;
  std::vector<std::pair<std::string, std::string>> items = {{"Home", "/"}, {"Area personale", "/area-personale"}};
  items.insert(items.end(), crumbs.begin(), crumbs.end());
  ctx["page"]["breadcrumb"] = breadcrumb(items);
  ctx["user"] = {{"name", s.display_name()}};
  ctx["account"] = account_nav(s, *deps_.db);
  return ctx;
}

web::Response PracticePages::render(const std::string& tmpl, const json& ctx, const std::string& route,
                                    int status) const {
  web::Response r = deps_.renderer->page(tmpl, ctx, route, status);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

web::Response PracticePages::error(int status, const std::string& message) const {
  web::Response r = deps_.renderer->error_page(status, message);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

std::optional<web::Response> PracticePages::handle(const web::Request& req, const identity::Caller& caller) {
  auto parts = web::split_path(req.path);
  const bool mine = parts.size() >= 2 && parts.size() <= 3 && parts[0] == "area-personale" && parts[1] == "pratiche";
  const bool ente = parts.size() == 4 && parts[0] == "area-personale" && parts[1] == "enti" && parts[3] == "pratiche";
  if (!mine && !ente) return std::nullopt;
  if (req.method != "GET" && req.method != "HEAD") {
    web::Response r = error(405, "Questa pagina accetta solo: GET, HEAD.");
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  if (!caller.session) {
    std::string back = req.path + (req.query.empty() ? "" : "?" + req.query);
    return redirect("/accedi?ritorno=" + web::percent_encode(safe_return_to(back)));
  }
  const Session& s = *caller.session;
  if (ente) return ente_page(s, parts[2]);
  if (parts.size() == 2) return list_page(req, s);
  if (parts[2] == "accessi") return accesses_page(s);
  return detail_page(req, s, parts[2]);
}

// --- "Le mie pratiche" -----------------------------------------------------------------------

web::Response PracticePages::list_page(const web::Request& req, const Session& s) {
  std::vector<web::QueryParam> query;
  if (!web::parse_query(req.query, query)) return error(400, "L'indirizzo della ricerca non è codificato correttamente.");
  const std::string stato = param(query, "stato"), ente_id = param(query, "ente"), di = param(query, "di");
  if (!stato.empty() && !domain::parse_status_code(stato))
    return error(400, "Il filtro «stato» non è valido: scegli uno degli stati proposti nell'elenco.");
  auto cat = deps_.catalog();
  if (!ente_id.empty() && !cat->ente_by_id(ente_id))
    return error(400, "Il filtro «ente» non è valido: scegli uno degli enti proposti nell'elenco.");
  const std::string now = store::now_iso8601();
  const auto others = others_of(*deps_.db, s, now);
  const bool di_known = di.empty() || di == "mie" ||
                        std::any_of(others.begin(), others.end(), [&](const auto& o) { return o.first == di; });
  if (!di_known)
    return error(400, "Il filtro «di chi» non è valido: scegli te stesso, un'impresa che rappresenti o un assistito che ti ha delegato.");

  const Date today = practices::rome_today();
  const auto& me = s.record.fiscal_code;
  std::map<std::string, std::string> enti_present;  // id -> name, for the filter
  json items = json::array();
  for (auto& p : practices::visible_practices(*deps_.db, s.principal, now)) {
    const auto* e = cat->ente_by_id(p.ente_id);
    enti_present.emplace(p.ente_id, e ? e->name : p.ente_id);
    if (!ente_id.empty() && p.ente_id != ente_id) continue;
    if (di == "mie" && !is_subject(me, p)) continue;
    if (!di.empty() && di != "mie" && !is_subject(di, p)) continue;
    auto v = practices::load_practice_view(*deps_.db, p, *cat, deps_.renderer->base_url(), today);
    if (!stato.empty() && domain::status_code(v.projection.status) != stato) continue;
    // As the API does: a list read of someone else's practice is logged (once a day).
    practices::record_read(*deps_.db, s.principal, s.display_name(), v.record, "elenco delle pratiche",
                           practices::ReadKind::List);
    json item = summary_item(v, today, is_subject(me, v.record));
    if (!is_subject(me, v.record)) {
      std::string owner = v.record.applicant_name;
      for (const auto& [code, label] : others)
        if (is_subject(code, v.record)) owner = label;
      item["owner"] = owner.empty() ? v.record.applicant.substr(0, 3) + "***" : owner;
    }
    items.push_back(std::move(item));
  }

  json ctx = context(s, "Le mie pratiche", "/area-personale/pratiche", {{"Le mie pratiche", ""}});
  json statuses = json::array();
  using S = domain::PracticeStatus;
  for (auto st : {S::Bozza, S::InCorso, S::SospesoUtente, S::SospesoPa, S::ConclusoPositivo, S::ConclusoNegativo})
    statuses.push_back({{"value", domain::status_code(st)}, {"label", domain::status_label(st)},
                        {"selected", domain::status_code(st) == stato}});
  if (!ente_id.empty() && !enti_present.count(ente_id)) enti_present.emplace(ente_id, cat->ente_by_id(ente_id)->name);
  json enti = json::array();
  for (const auto& [id, name] : enti_present) enti.push_back({{"value", id}, {"label", name}, {"selected", id == ente_id}});
  json owners = json::array({{{"value", "mie"}, {"label", "Solo le mie"}, {"selected", di == "mie"}}});
  for (const auto& [code, label] : others) owners.push_back({{"value", code}, {"label", label}, {"selected", di == code}});
  const bool filtered = !stato.empty() || !ente_id.empty() || !di.empty();
  ctx["practices"] = {{"items", items},
                      {"has_items", !items.empty()},
                      {"count_label", items.size() == 1 ? "1 pratica" : std::to_string(items.size()) + " pratiche"},
                      {"filtered", filtered},
                      {"statuses", statuses},
                      {"enti", enti},
                      {"owners", owners},
                      {"has_others", !others.empty()}};
  return render("practice_list", ctx, "practices_page");
}

// --- one practice ------------------------------------------------------------------------------

web::Response PracticePages::detail_page(const web::Request& req, const Session& s, const std::string& id) {
  if (!valid_id(id))
    return error(400, "L'identificativo della pratica non è valido: usa il collegamento dall'elenco delle tue pratiche.");
  std::vector<web::QueryParam> query;
  if (!web::parse_query(req.query, query)) return error(400, "L'indirizzo della pagina non è codificato correttamente.");
  const std::string now = store::now_iso8601();
  auto p = store::find_practice(*deps_.db, id);
  if (!p || !practices::may_read(s.principal, *p, now)) {
    spdlog::warn("accesso negato: pratica (not-readable)");
    return error(404, "La pagina che cerchi non esiste o non è disponibile per te.");
  }
  const std::string path = "/area-personale/pratiche/" + id;
  const bool own = is_subject(s.record.fiscal_code, *p);
  std::string reason = trim(param(query, "motivo"));
  if (!own) {
    // Someone else's data: first the reason, which the person will read in their access log.
    std::string problem = reason.empty() ? "" : reason_problem(reason);
    if (reason.empty() || !problem.empty()) {
      json ctx = context(s, "Motivo della consultazione", path,
                         {{"Le mie pratiche", "/area-personale/pratiche"}, {"Motivo della consultazione", ""}});
      json suggestions = json::array();
      for (const char* r : kCommonReasons) suggestions.push_back(r);
      ctx["ask_reason"] = {{"id", id}, {"action", path}, {"error", problem}, {"suggestions", suggestions},
                           {"min", kReasonMin}, {"max", kReasonMax},
                           {"value", problem.empty() || utf8_length(reason) > kReasonMax ? "" : reason}};
      return render("practice_reason", ctx, "practice_reason", problem.empty() ? 200 : 400);
    }
    practices::record_read(*deps_.db, s.principal, s.display_name(), *p, reason, practices::ReadKind::Detail);
  }
  const Date today = practices::rome_today();
  auto v = practices::load_practice_view(*deps_.db, *p, *deps_.catalog(), deps_.renderer->base_url(), today);
  json ctx = context(s, v.record.title, path, {{"Le mie pratiche", "/area-personale/pratiche"}, {v.record.title, ""}});
  ctx["practice"] = detail_json(v, today, own);
  if (!own) ctx["reading_for"] = {{"name", v.record.applicant_name.empty() ? "il richiedente" : v.record.applicant_name},
                                  {"reason", reason}};
  return render("practice_detail", ctx, "practice_page");
}

// --- "Chi ha consultato i miei dati" -------------------------------------------------------------

web::Response PracticePages::accesses_page(const Session& s) {
  json ctx = context(s, "Chi ha consultato i miei dati", "/area-personale/pratiche/accessi",
                     {{"Le mie pratiche", "/area-personale/pratiche"}, {"Chi ha consultato i miei dati", ""}});
  std::map<std::string, std::string> titles;  // practice id -> title (one read per practice)
  json rows = json::array();
  for (const auto& e : store::access_log_of(*deps_.db, s.record.fiscal_code, 200)) {
    auto t = titles.find(e.practice_id);
    if (t == titles.end()) {
      auto p = store::find_practice(*deps_.db, e.practice_id);
      t = titles.emplace(e.practice_id, p ? p->title : e.practice_id).first;
    }
    auto at = domain::parse_utc(e.at);
    rows.push_back({{"when", at ? italian_date_time(*at * 1000) : e.at},
                    {"datetime", e.at},
                    {"who", e.actor_label.empty() ? e.actor : e.actor_label},
                    {"kind", practices::reader_kind_label(e.actor_kind)},
                    {"reason", e.reason},
                    {"practice_title", t->second},
                    {"practice_url", valid_id(e.practice_id) ? "/area-personale/pratiche/" + e.practice_id : ""}});
  }
  ctx["accesses"] = {{"rows", rows}, {"has_rows", !rows.empty()}};
  return render("practice_accesses", ctx, "practice_accesses");
}

// --- an operator's ente ------------------------------------------------------------------------

web::Response PracticePages::ente_page(const Session& s, const std::string& ente_slug) {
  auto cat = deps_.catalog();
  const domain::Ente* e = cat->ente_by_slug(ente_slug);
  if (!e) return error(404, "L'ente richiesto non esiste.");
  domain::Resource res;
  res.ente_id = e->id;
  const std::string now = store::now_iso8601();
  auto dec = domain::decide(s.principal, domain::Action::ViewEnteData, res, now);
  // Administrators see an ente's statistics, never people's practices (as the API's vista=ente).
  if (!dec || !s.principal.has(domain::Role::OperatoreEnte) || s.principal.ente_id != e->id) {
    spdlog::warn("accesso negato: pratiche dell'ente ({})", dec ? "not-operator" : dec.reason);
    return error(403, "Non hai i permessi per questa operazione: l'elenco delle pratiche è riservato agli operatori dell'ente.");
  }
  const Date today = practices::rome_today();
  std::vector<std::pair<bool, json>> rows;
  for (auto& p : practices::ente_practices(*deps_.db, s.principal, e->id, domain::format_date(today))) {
    auto v = practices::load_practice_view(*deps_.db, p, *cat, deps_.renderer->base_url(), today);
    practices::record_read(*deps_.db, s.principal, s.display_name(), v.record, "elenco delle pratiche",
                           practices::ReadKind::List);
    const auto& pr = v.projection;
    const bool concluded = domain::is_concluded(pr.status);
    json row = summary_item(v, today, false);
    row["applicant"] = v.record.applicant.substr(0, 3) + "***";
    bool overdue = false;
    row["overdue"] = false;
    row["delay"] = "Non ancora calcolabile";
    if (pr.deadline) {
      overdue = pr.deadline->overdue;
      row["due"] = words(pr.deadline->due);
      row["delay"] = concluded ? "Procedimento concluso"
                     : overdue ? (pr.deadline->days_remaining == -1
                                      ? "1 giorno di ritardo"
                                      : std::to_string(-pr.deadline->days_remaining) + " giorni di ritardo")
                               : "Nei termini (" + days_phrase(pr.deadline->days_remaining) + ")";
      row["overdue"] = overdue;
    }
    rows.emplace_back(overdue, std::move(row));
  }
  // Overdue first as computed today (the stored due_date dates from the last event received).
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first && !b.first; });
  json items = json::array();
  std::size_t overdue_count = 0;
  for (auto& [late, row] : rows) {
    overdue_count += late;
    items.push_back(std::move(row));
  }
  const std::string path = "/area-personale/enti/" + e->slug + "/pratiche";
  json ctx = context(s, "Pratiche di " + e->name, path,
                     {{e->name, "/area-personale/enti/" + e->slug}, {"Pratiche", ""}});
  ctx["ente_practices"] = {{"ente", e->name},
                           {"items", items},
                           {"has_items", !items.empty()},
                           {"count", std::to_string(items.size())},
                           {"overdue_count", std::to_string(overdue_count)}};
  return render("practice_ente_list", ctx, "ente_practices");
}

}  // namespace au::portal
