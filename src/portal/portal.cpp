// Routing, caching and the small pages of the portal. Page contexts are built in
// pages.cpp and service_page.cpp; this file decides which one answers a request.
#include "portal/portal.h"

#include <chrono>
#include <ctime>

#include "domain/slug.h"
#include "portal/markdown.h"
#include "portal/view_helpers.h"
#include "store/catalog_repository.h"
#include "web/gzip.h"

namespace au::portal {

using nlohmann::json;

Portal::Portal(PortalDeps deps)
    : deps_(std::move(deps)), renderer_(deps_.assets, deps_.templates, deps_.base_url) {}

namespace {
const std::string kAreaOpen = "<!--personal-area-->", kAreaClose = "<!--/personal-area-->";

// The range between the personal-area markers of a page, or {npos, npos}.
std::pair<std::size_t, std::size_t> personal_area_range(const std::string& body) {
  auto start = body.find(kAreaOpen);
  auto end = start == std::string::npos ? std::string::npos : body.find(kAreaClose, start);
  if (end == std::string::npos) return {std::string::npos, std::string::npos};
  return {start + kAreaOpen.size(), end};
}
}  // namespace

void Portal::personalise(web::Response& r, const identity::ActiveSession& session, bool gzip_wanted) const {
  auto type = r.headers.find("Content-Type");
  if (type == r.headers.end() || type->second.rfind("text/html", 0) != 0) return;
  const std::string& body = r.shared_body ? *r.shared_body : r.body;
  std::size_t begin, end;
  if (r.gzip_with_hole) {
    begin = r.gzip_with_hole->hole_begin;
    end = r.gzip_with_hole->hole_end;
  } else {
    std::tie(begin, end) = personal_area_range(body);
    if (begin == std::string::npos) return;
  }
  std::call_once(button_once_, [this] {
    // Rendered once around a placeholder: per request only the escaped name is inserted.
    static const std::string placeholder = "@@PERSONAL_AREA_NAME@@";
    json ctx = {{"user", {{"name", placeholder}}}, {"site", {{"assets", {{"sprites", deps_.assets->url("sprites")}}}}}};
    std::string whole = renderer_.render("personal_area_button", ctx);
    auto at = whole.find(placeholder);
    button_prefix_ = whole.substr(0, at);
    button_suffix_ = at == std::string::npos ? "" : whole.substr(at + placeholder.size());
  });
  std::string button = button_prefix_ + html_escape(session.display_name()) + button_suffix_;
  if (r.gzip_with_hole && gzip_wanted) {
    // Cached page, client takes gzip (the server decides with the same accepts_gzip rule): the
    // precompressed halves around the button make the copy; the plain body is never sent.
    r.shared_gzip = std::make_shared<const std::string>(r.gzip_with_hole->fill(button));
    r.gzip_with_hole.reset();
  } else {
    std::string out;
    out.reserve(body.size() + button.size());
    out.append(body, 0, begin).append(button).append(body, end, std::string::npos);
    r.body = std::move(out);
    r.shared_body.reset();
    r.shared_gzip.reset();
    r.gzip_with_hole.reset();
  }
  // A personalised copy is nobody else's: no shared caches, no validators.
  r.headers.erase("ETag");
  r.headers.erase("Last-Modified");
  r.headers["Cache-Control"] = "private, no-store";
}

web::Response Portal::handle(const web::Request& req) {
  Catalog cat = deps_.catalog();
  bool cacheable = req.method == "GET" || req.method == "HEAD";
  std::string key = req.path + "?" + req.query;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.generation == cat->generation()) {
      web::Response r;
      r.status = it->second.status;
      r.route = it->second.route;
      r.headers["Content-Type"] = "text/html; charset=utf-8";
      r.headers["ETag"] = it->second.etag;
      if (!it->second.last_modified.empty()) r.headers["Last-Modified"] = it->second.last_modified;
      r.headers["Cache-Control"] = "public, max-age=300";
      r.shared_body = it->second.body;
      r.shared_gzip = it->second.gzip;
      r.gzip_with_hole = it->second.gzip_with_hole;
      return r;
    }
  }
  web::Response r = route(req, cat);
  bool html = r.headers["Content-Type"].rfind("text/html", 0) == 0;
  if (cacheable && r.status == 200 && html && !r.headers.count("Location")) {
    CachedPage c;
    c.generation = cat->generation();
    c.status = r.status;
    c.route = r.route;
    if (auto lm = r.headers.find("Last-Modified"); lm != r.headers.end()) c.last_modified = lm->second;
    c.body = std::make_shared<const std::string>(std::move(r.body));
    c.gzip = std::make_shared<const std::string>(web::gzip_compress(*c.body, 6));
    if (auto [begin, end] = personal_area_range(*c.body); begin != std::string::npos)
      c.gzip_with_hole = web::GzipWithHole::make(*c.body, begin, end, 6);
    c.etag = "W/\"" + std::to_string(cat->generation()) + "-" + std::to_string(std::hash<std::string>{}(*c.body)) + "\"";
    r.body.clear();
    r.shared_body = c.body;
    r.shared_gzip = c.gzip;
    r.gzip_with_hole = c.gzip_with_hole;
    r.headers["ETag"] = c.etag;
    r.headers["Cache-Control"] = "public, max-age=300";
    std::lock_guard lock(cache_mutex_);
    // Bounded: a crawler walking every filter combination must not grow memory without limit.
    if (cache_.size() > 20000) cache_.clear();
    cache_[key] = std::move(c);
  }
  return r;
}

namespace {
web::Response method_not_allowed(const std::string& allow) {
  web::Response r(405, "text/html; charset=utf-8",
                  "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Operazione non "
                  "consentita</title></head><body><h1>Operazione non consentita</h1><p>Questa pagina accetta solo: " +
                      allow + ".</p><p><a href=\"/\">Torna alla home</a></p></body></html>");
  r.headers["Allow"] = allow;
  r.route = "method_not_allowed";
  return r;
}
}  // namespace

web::Response Portal::route(const web::Request& req, const Catalog& cat) {
  if (!web::valid_utf8(req.path)) return error_page(400, "L'indirizzo richiesto contiene caratteri non validi.");
  auto parts = web::split_path(req.path);
  bool get = req.method == "GET" || req.method == "HEAD";
  auto only_get = [&]() -> std::optional<web::Response> {
    if (!get) return method_not_allowed("GET, HEAD");
    return std::nullopt;
  };
  if (parts.empty()) {
    if (auto r = only_get()) return *r;
    return home(cat);
  }
  const std::string& first = parts[0];
  if (first == "servizi") {
    if (parts.size() == 1) {
      if (auto r = only_get()) return *r;
      return services_list(req, cat);
    }
    const domain::Service* s = cat->service_by_slug(parts[1]);
    if (!s) return error_page(404, "Il servizio richiesto non esiste o ha cambiato indirizzo. Puoi cercarlo per nome.");
    if (parts.size() == 2) {
      if (auto r = only_get()) return *r;
      return service_page(cat, *s, nullptr);
    }
    if (parts.size() == 3 && parts[2] == "valutazione") {
      if (req.method != "POST") return method_not_allowed("POST");
      return feedback_post(req, cat, s);
    }
    if (parts.size() == 3 && parts[2] == "condizioni") {
      if (auto r = only_get()) return *r;
      return conditions_page(cat, *s);
    }
    if (parts.size() == 3) {
      if (auto r = only_get()) return *r;
      const domain::Ente* comune = cat->ente_by_slug(parts[2]);
      if (!comune || !cat->offered_in(*s, *comune))
        return error_page(404, "Questo servizio non ha una scheda locale per il comune indicato.");
      return service_page(cat, *s, comune);
    }
    return error_page(404, "Pagina non trovata.");
  }
  if (first == "vai") {
    if (auto r = only_get()) return *r;
    if (parts.size() == 2) {
      std::vector<web::QueryParam> q;
      if (!web::parse_query(req.query, q)) return error_page(400, "Parametri della richiesta non validi.");
      for (const auto& p : q)
        if (p.key == "comune") return smart_link(req, cat, parts[1], p.value);
      return error_page(400, "Scegli un comune per raggiungere il servizio.");
    }
    if (parts.size() == 3) return smart_link(req, cat, parts[1], parts[2]);
    return error_page(404, "Collegamento non trovato.");
  }
  if (first == "valutazione" && parts.size() == 1) {
    if (req.method != "POST") return method_not_allowed("POST");
    return feedback_post(req, cat, nullptr);
  }
  if (auto r = only_get()) return *r;
  if (first == "categorie" && parts.size() == 2) return term_page(cat, "subject-matter", parts[1]);
  if (first == "argomenti" && parts.size() == 1) return topics_page(cat);
  if (first == "argomenti" && parts.size() == 2) return term_page(cat, "topic", parts[1]);
  if (first == "eventi-della-vita" && parts.size() == 2) return term_page(cat, "life-event", parts[1]);
  if (first == "eventi-impresa" && parts.size() == 2) return term_page(cat, "business-event", parts[1]);
  if (first == "enti" && parts.size() == 1) return enti_page(cat);
  if (first == "enti" && parts.size() == 2) {
    const domain::Ente* e = cat->ente_by_slug(parts[1]);
    if (!e) return error_page(404, "L'ente richiesto non è nel catalogo.");
    return ente_page(cat, *e);
  }
  if (first == "cerca" && parts.size() == 1) return search_page(req, cat);
  if (first == "sitemap.xml" && parts.size() == 1) return sitemap(cat);
  if (first == "robots.txt" && parts.size() == 1) return robots();
  if (parts.size() == 1) return info_page(first);
  return error_page(404, "La pagina che cerchi non esiste. Prova con la ricerca o con l'elenco dei servizi.");
}

web::Response Portal::smart_link(const web::Request&, const Catalog& cat, const std::string& slug,
                                 const std::string& istat) {
  const domain::Service* s = cat->service_by_slug(slug);
  const domain::Ente* comune = cat->comune_by_istat(istat);
  if (!s || !comune)
    return error_page(404, "Non conosciamo questa combinazione di servizio e comune. Controlla il codice ISTAT del "
                           "comune o cerca il servizio per nome.");
  std::string target;
  if (const auto* v = cat->variant(s->id, comune->id); v && !v->channel_url.empty()) target = v->channel_url;
  if (target.empty())
    for (const auto& ch : s->channels)
      if (ch.kind == domain::ChannelKind::Online && !ch.url.empty()) {
        target = ch.url;
        break;
      }
  if (target.empty()) {
    target = cat->offered_in(*s, *comune) ? "/servizi/" + s->slug + "/" + comune->slug + "#submit-request"
                                          : "/servizi/" + s->slug + "#submit-request";
  }
  if (deps_.db) store::record_click(*deps_.db, s->id, comune->id);
  web::Response r(302, "text/html; charset=utf-8",
                  "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Reindirizzamento</title>"
                  "</head><body><p>Stai per raggiungere il servizio: <a href=\"" +
                      html_escape(target) + "\">" + html_escape(target) + "</a></p></body></html>");
  r.headers["Location"] = target;
  r.headers["Cache-Control"] = "no-store";
  r.route = "smart_link";
  return r;
}

web::Response Portal::robots() const {
  web::Response r(200, "text/plain; charset=utf-8",
                  "User-agent: *\nAllow: /\nDisallow: /vai/\nDisallow: /cerca\nDisallow: /area-personale\nDisallow: /accedi\nDisallow: /auth/\nDisallow: /sviluppatori/applicazioni\n"
                  "Sitemap: " + deps_.base_url + "/sitemap.xml\n");
  r.route = "robots";
  return r;
}

web::Response Portal::sitemap(const Catalog& cat) const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  auto add = [&](const std::string& path, const std::string& lastmod) {
    out += "<url><loc>" + html_escape(deps_.base_url + path) + "</loc>";
    if (lastmod.size() >= 10) out += "<lastmod>" + lastmod.substr(0, 10) + "</lastmod>";
    out += "</url>\n";
  };
  add("/", "");
  add("/servizi", "");
  add("/argomenti", "");
  add("/enti", "");
  add("/sviluppatori", "");
  add("/sviluppatori/api/catalogo", "");
  auto comuni = cat->comuni();
  for (const auto& s : cat->services()) {
    add("/servizi/" + s.slug, s.modified_at);
    for (const auto* c : comuni)
      if (cat->offered_in(s, *c)) add("/servizi/" + s.slug + "/" + c->slug, s.modified_at);
  }
  for (const auto& t : cat->terms()) {
    if (t.vocabulary == "subject-matter") add("/categorie/" + t.slug, "");
    if (t.vocabulary == "topic") add("/argomenti/" + t.slug, "");
    if (t.vocabulary == "life-event") add("/eventi-della-vita/" + t.slug, "");
  }
  for (const auto& e : cat->enti()) add("/enti/" + e.slug, "");
  out += "</urlset>\n";
  web::Response r(200, "application/xml; charset=utf-8", std::move(out));
  r.route = "sitemap";
  return r;
}

web::Response Portal::info_page(const std::string& path) {
  struct Info { const char* title; const char* text; };
  static const std::map<std::string, Info> pages = {
      {"dichiarazione-accessibilita",
       {"Dichiarazione di accessibilità",
        "UmbriaSemplice è progettato per essere conforme alle WCAG 2.1 livello AA (Linee guida AgID "
        "sull'accessibilità). Ogni tipo di pagina è verificato automaticamente con axe-core a ogni modifica. Se "
        "incontri una barriera, scrivi alla Regione Umbria indicando la pagina e il problema."}},
      {"privacy",
       {"Informativa sulla privacy",
        "Il catalogo dei servizi si consulta senza registrazione e senza cookie di profilazione. Le valutazioni "
        "delle pagine sono anonime: salviamo solo il voto, la risposta scelta e il testo facoltativo."}},
      {"note-legali",
       {"Note legali",
        "I contenuti sono pubblicati con licenza CC BY 4.0. I dati sui comuni provengono da ISTAT (CC BY). Le schede "
        "regionali provengono dal portale Accesso Unico della Regione Umbria."}},
      {"novita", {"Novità", "Qui troverai le novità sui servizi pubblici dell'Umbria."}},
  };
  auto it = pages.find(path);
  if (it == pages.end())
    return error_page(404, "La pagina che cerchi non esiste. Prova con la ricerca o con l'elenco dei servizi.");
  json ctx = base_context(std::string(it->second.title) + " - UmbriaSemplice", it->second.text, "/" + path);
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {it->second.title, ""}});
  ctx["info"] = {{"heading", it->second.title}, {"text", it->second.text}};
  return page("info", ctx, "info");
}

}  // namespace au::portal
