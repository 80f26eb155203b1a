// Listing pages of the portal: home, the services list with filters, category / topic /
// life-event pages, enti, and search results.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "portal/markdown.h"
#include "portal/portal.h"
#include "portal/view_helpers.h"

namespace au::portal {

using nlohmann::json;

namespace {
constexpr std::size_t kPageSize = 12;
constexpr std::size_t kMaxQueryChars = 200;

bool parse_page_number(const std::string& v, std::size_t& out) {
  if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), ::isdigit)) return false;
  out = std::stoul(v);
  return out >= 1;
}

json pager(std::size_t page, std::size_t pages, const std::function<std::string(std::size_t)>& url) {
  json out = json::array();
  for (std::size_t p = 1; p <= pages; ++p)
    if (p == 1 || p == pages || (p + 2 >= page && p <= page + 2))
      out.push_back({{"number", p}, {"url", url(p)}, {"current", p == page}});
  return out;
}
}  // namespace

web::Response Portal::home(const Catalog& cat) {
  json ctx = base_context("UmbriaSemplice - Accesso unico ai servizi pubblici dell'Umbria",
                          "Trova i servizi pubblici di Regione Umbria e dei 92 comuni: cosa serve, come fare, "
                          "costi, tempi e il collegamento diretto allo sportello giusto.",
                          "/");
  std::map<std::string, int> per_category, per_life_event;
  for (const auto& s : cat->services()) {
    per_category[s.category]++;
    for (const auto& e : s.life_events) per_life_event[e]++;
  }
  json categories = json::array(), life_events = json::array(), featured = json::array();
  for (const auto* t : cat->vocabulary("subject-matter"))
    if (per_category.count(t->code))
      categories.push_back({{"label", t->label}, {"url", "/categorie/" + t->slug}, {"count", per_category[t->code]}});
  for (const auto* t : cat->vocabulary("life-event"))
    if (per_life_event.count(t->code))
      life_events.push_back({{"label", t->label}, {"url", "/eventi-della-vita/" + t->slug}, {"count", per_life_event[t->code]}});
  // Featured: the municipal services everybody needs first, then the regional ones.
  std::vector<const domain::Service*> all;
  for (const auto& s : cat->services()) all.push_back(&s);
  std::stable_sort(all.begin(), all.end(), [](const auto* a, const auto* b) {
    return (a->authority == domain::AuthorityKind::EachComune) > (b->authority == domain::AuthorityKind::EachComune);
  });
  for (std::size_t i = 0; i < all.size() && i < 6; ++i) featured.push_back(service_item(cat, *all[i]));
  std::size_t comuni = cat->comuni().size();
  ctx["home"] = {{"categories", categories},
                 {"life_events", life_events},
                 {"featured", featured},
                 {"service_count", cat->services().size()},
                 {"comuni_count", comuni},
                 {"enti_count", cat->enti().size()}};
  return page("home", ctx, "home");
}

web::Response Portal::services_list(const web::Request& req, const Catalog& cat) {
  std::vector<web::QueryParam> params;
  if (!web::parse_query(req.query, params) || !web::valid_utf8(req.query))
    return error_page(400, "I filtri della pagina non sono validi.");
  std::string category, audience, ente, comune;
  std::size_t page_no = 1;
  for (const auto& p : params) {
    if (p.key == "categoria") category = p.value;
    else if (p.key == "destinatari") audience = p.value;
    else if (p.key == "ente") ente = p.value;
    else if (p.key == "comune") comune = p.value;
    else if (p.key == "pagina") {
      if (!parse_page_number(p.value, page_no)) return error_page(400, "Il numero di pagina deve essere un intero da 1 in su.");
    } else {
      return error_page(400, "Il filtro \"" + p.key + "\" non esiste. Usa categoria, destinatari, ente, comune o pagina.");
    }
  }
  if (!category.empty() && !cat->term_by_slug("subject-matter", category))
    return error_page(400, "La categoria indicata non esiste.");
  if (!audience.empty() && !cat->term("audience", audience)) return error_page(400, "I destinatari indicati non esistono.");
  const domain::Ente* ente_filter = ente.empty() ? nullptr : cat->ente_by_slug(ente);
  if (!ente.empty() && !ente_filter) return error_page(400, "L'ente indicato non esiste.");
  const domain::Ente* comune_filter = comune.empty() ? nullptr : cat->ente_by_slug(comune);
  if (!comune.empty() && (!comune_filter || comune_filter->kind != domain::EnteKind::Comune))
    return error_page(400, "Il comune indicato non esiste.");
  const domain::VocabularyTerm* cat_term = category.empty() ? nullptr : cat->term_by_slug("subject-matter", category);

  std::vector<const domain::Service*> matching;
  for (const auto& s : cat->services()) {
    if (cat_term && s.category != cat_term->code) continue;
    if (!audience.empty() && std::find(s.audience.begin(), s.audience.end(), audience) == s.audience.end()) continue;
    if (ente_filter && s.competent_ente_id != ente_filter->id &&
        !(ente_filter->kind == domain::EnteKind::Comune && cat->offered_in(s, *ente_filter)))
      continue;
    if (comune_filter && !cat->offered_in(s, *comune_filter)) continue;
    matching.push_back(&s);
  }
  std::size_t pages = std::max<std::size_t>(1, (matching.size() + kPageSize - 1) / kPageSize);
  if (page_no > pages) return error_page(404, "Questa pagina dell'elenco non esiste: l'elenco ha " + std::to_string(pages) + " pagine.");
  auto url_for = [&](std::size_t p) {
    return "/servizi" + query_string({{"categoria", category}, {"destinatari", audience}, {"ente", ente},
                                      {"comune", comune}, {"pagina", p > 1 ? std::to_string(p) : ""}});
  };
  json items = json::array();
  for (std::size_t i = (page_no - 1) * kPageSize; i < matching.size() && i < page_no * kPageSize; ++i)
    items.push_back(service_item(cat, *matching[i]));

  json f_category = json::array(), f_audience = json::array(), f_ente = json::array(), f_comune = json::array();
  for (const auto* t : cat->vocabulary("subject-matter"))
    f_category.push_back({{"value", t->slug}, {"label", t->label}, {"selected", t->slug == category}});
  for (const auto* t : cat->vocabulary("audience"))
    f_audience.push_back({{"value", t->code}, {"label", t->label}, {"selected", t->code == audience}});
  for (const auto& e : cat->enti())
    if (e.kind != domain::EnteKind::Comune)
      f_ente.push_back({{"value", e.slug}, {"label", e.name}, {"selected", e.slug == ente}});
  for (const auto* c : cat->comuni())
    f_comune.push_back({{"value", c->slug}, {"label", c->name}, {"selected", c->slug == comune}});
  json active = json::array();
  auto remove_url = [&](const std::string& which) {
    return "/servizi" + query_string({{"categoria", which == "categoria" ? "" : category},
                                      {"destinatari", which == "destinatari" ? "" : audience},
                                      {"ente", which == "ente" ? "" : ente}, {"comune", which == "comune" ? "" : comune}});
  };
  if (cat_term) active.push_back({{"label", cat_term->label}, {"remove_url", remove_url("categoria")}});
  if (!audience.empty()) active.push_back({{"label", cat->term_label("audience", audience)}, {"remove_url", remove_url("destinatari")}});
  if (ente_filter) active.push_back({{"label", ente_filter->name}, {"remove_url", remove_url("ente")}});
  if (comune_filter) active.push_back({{"label", "Comune di " + comune_filter->name}, {"remove_url", remove_url("comune")}});

  std::string title = "Servizi" + std::string(page_no > 1 ? " - pagina " + std::to_string(page_no) : "");
  json ctx = base_context(title + " - UmbriaSemplice",
                          "Tutti i servizi pubblici di Regione Umbria e dei comuni umbri, con filtri per categoria, "
                          "destinatari ed ente.",
                          url_for(page_no));
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Servizi", ""}});
  ctx["services"] = {{"items", items},
                     {"total", matching.size()},
                     {"page", page_no},
                     {"pages", pages},
                     {"prev_url", page_no > 1 ? url_for(page_no - 1) : ""},
                     {"next_url", page_no < pages ? url_for(page_no + 1) : ""},
                     {"pager", pager(page_no, pages, url_for)},
                     {"filters", {{"category", f_category}, {"audience", f_audience}, {"ente", f_ente}, {"comune", f_comune}}},
                     {"active_filters", active}};
  return page("services", ctx, "services");
}

web::Response Portal::term_page(const Catalog& cat, const std::string& vocabulary, const std::string& slug) {
  const domain::VocabularyTerm* t = cat->term_by_slug(vocabulary, slug);
  if (!t) return error_page(404, "La voce richiesta non esiste nel catalogo.");
  static const std::map<std::string, std::pair<std::string, std::string>> kinds = {
      {"subject-matter", {"categorie", "category"}},
      {"topic", {"argomenti", "topic"}},
      {"life-event", {"eventi-della-vita", "life_event"}},
      {"business-event", {"eventi-impresa", "life_event"}}};
  const auto& [prefix, tmpl] = kinds.at(vocabulary);
  json items = json::array();
  for (const auto& s : cat->services()) {
    bool match = vocabulary == "subject-matter" ? s.category == t->code
               : vocabulary == "topic"          ? std::count(s.topics.begin(), s.topics.end(), t->code) > 0
               : vocabulary == "life-event"     ? std::count(s.life_events.begin(), s.life_events.end(), t->code) > 0
                                                : std::count(s.business_events.begin(), s.business_events.end(), t->code) > 0;
    if (match) items.push_back(service_item(cat, s));
  }
  std::string intro = vocabulary == "subject-matter" ? "Servizi della categoria " + t->label + "."
                    : vocabulary == "topic"          ? "Servizi sull'argomento " + t->label + "."
                                                     : "Servizi utili per: " + t->label + ".";
  json ctx = base_context(t->label + " - UmbriaSemplice", intro, "/" + prefix + "/" + t->slug);
  std::string parent = vocabulary == "topic" ? "Argomenti" : "Servizi";
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {parent, vocabulary == "topic" ? "/argomenti" : "/servizi"}, {t->label, ""}});
  ctx["listing"] = {{"heading", t->label}, {"intro", intro}, {"items", items}, {"total", items.size()}};
  return page(tmpl, ctx, tmpl);
}

web::Response Portal::topics_page(const Catalog& cat) {
  std::map<std::string, int> count;
  for (const auto& s : cat->services())
    for (const auto& t : s.topics) count[t]++;
  json items = json::array();
  for (const auto* t : cat->vocabulary("topic"))
    items.push_back({{"label", t->label}, {"url", "/argomenti/" + t->slug}, {"count", count[t->code]}});
  json ctx = base_context("Argomenti - UmbriaSemplice", "Gli argomenti dei servizi pubblici dell'Umbria.", "/argomenti");
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Argomenti", ""}});
  ctx["topics"] = {{"items", items}};
  return page("topics", ctx, "topics");
}

web::Response Portal::enti_page(const Catalog& cat) {
  json groups = json::array();
  for (auto [kind, label] : std::vector<std::pair<domain::EnteKind, std::string>>{
           {domain::EnteKind::Regione, "Regione"}, {domain::EnteKind::Provincia, "Province"},
           {domain::EnteKind::Usl, "Aziende sanitarie"}, {domain::EnteKind::Comune, "Comuni"}}) {
    std::vector<const domain::Ente*> list;
    for (const auto& e : cat->enti())
      if (e.kind == kind) list.push_back(&e);
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->name < b->name; });
    json items = json::array();
    for (const auto* e : list) items.push_back({{"name", e->name}, {"url", "/enti/" + e->slug}, {"kind_label", label}});
    groups.push_back({{"label", label}, {"items", items}});
  }
  json ctx = base_context("Enti - UmbriaSemplice", "La Regione, le province, le aziende sanitarie e i 92 comuni dell'Umbria.", "/enti");
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Enti", ""}});
  ctx["enti"] = {{"groups", groups}};
  return page("enti", ctx, "enti");
}

web::Response Portal::ente_page(const Catalog& cat, const domain::Ente& e) {
  static const std::map<domain::EnteKind, std::string> kind_labels = {
      {domain::EnteKind::Regione, "Regione"}, {domain::EnteKind::Provincia, "Provincia"},
      {domain::EnteKind::Comune, "Comune"}, {domain::EnteKind::Usl, "Azienda sanitaria locale"}};
  json items = json::array(), local = json::array();
  for (const auto& s : cat->services()) {
    if (s.competent_ente_id == e.id) items.push_back(service_item(cat, s));
    if (e.kind == domain::EnteKind::Comune && cat->offered_in(s, e))
      local.push_back({{"title", s.title}, {"url", "/servizi/" + s.slug + "/" + e.slug}});
  }
  const domain::Ente* usl = e.usl_id.empty() ? nullptr : cat->ente_by_id(e.usl_id);
  std::string name = e.kind == domain::EnteKind::Comune ? "Comune di " + e.name : e.name;
  std::string intro = e.kind == domain::EnteKind::Comune
                          ? "I servizi del Comune di " + e.name + " e le schede locali dei servizi regionali."
                          : "I servizi di competenza di " + e.name + ".";
  json ctx = base_context(name + " - UmbriaSemplice", intro, "/enti/" + e.slug);
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Enti", "/enti"}, {name, ""}});
  std::string province;
  if (!e.province_code.empty())
    if (const auto* p = cat->ente_by_id("provincia-" + e.province_code)) province = p->name;
  ctx["listing"] = {{"heading", name},
                    {"intro", intro},
                    {"items", items},
                    {"total", items.size()},
                    {"ente",
                     {{"name", name},
                      {"kind_label", kind_labels.at(e.kind)},
                      {"istat_code", e.istat_code},
                      {"province", province},
                      {"population", e.population > 0 ? std::to_string(e.population) : ""},
                      {"usl_name", usl ? usl->name : ""},
                      {"contacts", {{"address", e.contacts.address}, {"phone", e.contacts.phone}, {"email", e.contacts.email},
                                    {"pec", e.contacts.pec}, {"website", e.contacts.website}}}}},
                    {"local_services", local},
                    {"has_local_services", !local.empty()}};
  return page("ente", ctx, "ente");
}

web::Response Portal::search_page(const web::Request& req, const Catalog& cat) {
  std::vector<web::QueryParam> params;
  if (!web::parse_query(req.query, params) || !web::valid_utf8(req.query))
    return error_page(400, "La ricerca contiene caratteri non validi.");
  search::SearchQuery q;
  std::size_t page_no = 1;
  for (const auto& p : params) {
    if (p.key == "q") q.text = p.value;
    else if (p.key == "categoria") q.category.push_back(p.value);
    else if (p.key == "destinatari") q.audience.push_back(p.value);
    else if (p.key == "ente") q.ente.push_back(p.value);
    else if (p.key == "evento") q.life_event.push_back(p.value);
    else if (p.key == "pagina") {
      if (!parse_page_number(p.value, page_no)) return error_page(400, "Il numero di pagina deve essere un intero da 1 in su.");
    } else return error_page(400, "Il parametro \"" + p.key + "\" non è previsto dalla ricerca.");
  }
  if (q.text.size() > kMaxQueryChars) return error_page(400, "La ricerca è troppo lunga: usa al massimo 200 caratteri.");
  q.offset = (page_no - 1) * 10;
  q.limit = 10;
  auto started = std::chrono::steady_clock::now();
  search::SearchResult res = deps_.search->search(q);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::size_t pages = std::max<std::size_t>(1, (res.total + 9) / 10);
  auto url_with = [&](const std::string& text, std::size_t p, const std::string& fkey, const std::string& fval) {
    std::vector<std::pair<std::string, std::string>> qs = {{"q", text}};
    for (const auto& c : q.category) qs.push_back({"categoria", c});
    for (const auto& a : q.audience) qs.push_back({"destinatari", a});
    for (const auto& e : q.ente) qs.push_back({"ente", e});
    for (const auto& l : q.life_event) qs.push_back({"evento", l});
    if (!fkey.empty()) qs.push_back({fkey, fval});
    if (p > 1) qs.push_back({"pagina", std::to_string(p)});
    return "/cerca" + query_string(qs);
  };
  json items = json::array();
  for (const auto& h : res.hits) {
    const domain::Service* s = cat->service_by_id(h.service_id);
    const domain::Ente* comune = h.comune_slug.empty() ? nullptr : cat->ente_by_slug(h.comune_slug);
    items.push_back({{"title", h.title},
                     {"url", "/servizi/" + h.slug + (comune ? "/" + comune->slug : "")},
                     {"snippet_html", h.snippet_html},
                     {"category_label", s ? cat->term_label("subject-matter", s->category) : ""},
                     {"comune_name", comune ? comune->name : ""}});
  }
  static const std::vector<std::tuple<std::string, std::string, std::string, std::string>> facet_defs = {
      {"category", "Categoria", "categoria", "subject-matter"}, {"audience", "Destinatari", "destinatari", "audience"},
      {"ente", "Ente", "ente", ""}, {"life_event", "Eventi della vita", "evento", "life-event"}};
  json facets = json::array();
  for (const auto& [name, label, key, vocab] : facet_defs) {
    auto it = res.facets.find(name);
    if (it == res.facets.end() || it->second.empty()) continue;
    json values = json::array();
    for (const auto& fc : it->second) {
      std::string vlabel = vocab.empty() ? (cat->ente_by_id(fc.value) ? cat->ente_by_id(fc.value)->name : fc.value)
                                         : cat->term_label(vocab, fc.value);
      values.push_back({{"label", vlabel}, {"count", fc.count}, {"url", url_with(q.text, 1, key, fc.value)}, {"selected", false}});
    }
    facets.push_back({{"name", name}, {"label", label}, {"values", values}});
  }
  std::string title = q.text.empty() ? "Cerca" : "Risultati per \"" + q.text + "\"";
  json ctx = base_context(title + " - UmbriaSemplice", "Cerca tra i servizi pubblici dell'Umbria.", "/cerca");
  ctx["page"]["noindex"] = true;
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Cerca", ""}});
  ctx["search"] = {{"q", q.text},
                   {"total", res.total},
                   {"items", items},
                   {"suggestion", res.suggestion},
                   {"suggestion_url", res.suggestion.empty() ? "" : url_with(res.suggestion, 1, "", "")},
                   {"facets", facets},
                   {"page", page_no},
                   {"pages", pages},
                   {"prev_url", page_no > 1 ? url_with(q.text, page_no - 1, "", "") : ""},
                   {"next_url", page_no < pages ? url_with(q.text, page_no + 1, "", "") : ""},
                   {"took_ms", took}};
  web::Response r = page("search", ctx, "search");
  return r;
}

}  // namespace au::portal
