#include "api/api.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "api/cpsv_export.h"
#include "domain/catalog_json.h"
#include "domain/completeness.h"
#include "store/catalog_repository.h"
#include "web/problem.h"

namespace au::api {

using nlohmann::json;
using Catalog = std::shared_ptr<const domain::CatalogSnapshot>;

namespace {

constexpr std::size_t kDefaultPerPage = 20, kMaxPerPage = 100;

struct Params {
  std::map<std::string, std::string> values;
  std::string error;
};

// Parses the query and rejects keys outside `allowed` and repeated keys.
Params parse_params(const web::Request& req, const std::set<std::string>& allowed) {
  Params p;
  std::vector<web::QueryParam> raw;
  if (!web::parse_query(req.query, raw) || !web::valid_utf8(req.query)) {
    p.error = "La query string non è codificata correttamente (percent-encoding o UTF-8 non validi).";
    return p;
  }
  for (const auto& q : raw) {
    if (!allowed.count(q.key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      p.error = "Parametro sconosciuto \"" + q.key + "\". Parametri ammessi: " + (list.empty() ? "nessuno" : list) + ".";
      return p;
    }
    if (q.value.empty()) {
      p.error = "Il parametro \"" + q.key + "\" è vuoto: omettilo oppure dagli un valore.";
      return p;
    }
    if (!p.values.emplace(q.key, q.value).second) {
      p.error = "Il parametro \"" + q.key + "\" è ripetuto.";
      return p;
    }
  }
  return p;
}

bool parse_positive(const std::string& v, std::size_t max, std::size_t& out) {
  if (v.empty() || v.size() > 7 || !std::all_of(v.begin(), v.end(), ::isdigit)) return false;
  out = std::stoul(v);
  return out >= 1 && out <= max;
}

web::Response bad_request(const std::string& detail) { return web::problem(400, "Richiesta non valida", detail); }
web::Response not_found(const std::string& detail) { return web::problem(404, "Risorsa non trovata", detail); }

json service_summary(const domain::CatalogSnapshot& cat, const domain::Service& s, const std::string& base) {
  return {{"id", s.id},
          {"slug", s.slug},
          {"title", s.title},
          {"summary", s.summary},
          {"status", domain::to_string(s.status)},
          {"category", {{"code", s.category}, {"label", cat.term_label("subject-matter", s.category)}}},
          {"audience", s.audience},
          {"authority", s.authority == domain::AuthorityKind::EachComune ? "each-comune" : "single-ente"},
          {"competent_ente_id", s.competent_ente_id},
          {"version", s.version},
          {"modified_at", s.modified_at},
          {"links", {{"self", base + "/api/v1/services/" + s.slug}, {"page", base + "/servizi/" + s.slug}}}};
}

json ente_json(const domain::Ente& e, const std::string& base) {
  json j = e;
  j["links"] = {{"self", base + "/api/v1/enti/" + e.slug}, {"page", base + "/enti/" + e.slug}};
  return j;
}

// A page past the last one is a 404 problem, not an empty page with a "prev" that is past the
// end too.
std::optional<web::Response> past_the_end(std::size_t total, std::size_t page, std::size_t per_page) {
  std::size_t pages = std::max<std::size_t>(1, (total + per_page - 1) / per_page);
  if (page <= pages) return std::nullopt;
  return web::problem(404, "Pagina inesistente",
                      "La pagina " + std::to_string(page) + " non esiste: le pagine sono " + std::to_string(pages) + ".");
}

json paginate(const std::vector<json>& all, std::size_t page, std::size_t per_page, const std::string& self_base) {
  json items = json::array();
  for (std::size_t i = (page - 1) * per_page; i < all.size() && i < page * per_page; ++i) items.push_back(all[i]);
  std::size_t pages = std::max<std::size_t>(1, (all.size() + per_page - 1) / per_page);
  std::string sep = self_base.find('?') == std::string::npos ? "?" : "&";
  json links = {{"self", self_base + sep + "page=" + std::to_string(page) + "&per_page=" + std::to_string(per_page)}};
  if (page < pages) links["next"] = self_base + sep + "page=" + std::to_string(page + 1) + "&per_page=" + std::to_string(per_page);
  if (page > 1) links["prev"] = self_base + sep + "page=" + std::to_string(page - 1) + "&per_page=" + std::to_string(per_page);
  return {{"items", items}, {"page", page}, {"per_page", per_page}, {"total", all.size()}, {"pages", pages}, {"links", links}};
}

bool page_params(const Params& p, std::size_t& page, std::size_t& per_page, std::string& error) {
  page = 1;
  per_page = kDefaultPerPage;
  if (auto it = p.values.find("page"); it != p.values.end() && !parse_positive(it->second, 1000000, page)) {
    error = "\"page\" deve essere un intero da 1 in su.";
    return false;
  }
  if (auto it = p.values.find("per_page"); it != p.values.end() && !parse_positive(it->second, kMaxPerPage, per_page)) {
    error = "\"per_page\" deve essere un intero da 1 a " + std::to_string(kMaxPerPage) + ".";
    return false;
  }
  return true;
}

}  // namespace

Api::Api(ApiDeps deps) : deps_(std::move(deps)) {
  std::ifstream in(deps_.openapi_file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  openapi_ = ss.str();
}

web::Response Api::handle(const web::Request& req) {
  auto parts = web::split_path(req.path);  // ["api","v1",...]
  if (req.method != "GET" && req.method != "HEAD") {
    web::Response r = web::problem(405, "Metodo non consentito", "Le risorse di /api/v1 accettano solo GET e HEAD.");
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }
  if (!web::valid_utf8(req.path)) return bad_request("Il percorso contiene UTF-8 non valido.");
  Catalog cat = deps_.catalog();
  const std::string& base = deps_.base_url;
  std::vector<std::string> rest(parts.begin() + std::min<std::size_t>(2, parts.size()), parts.end());
  auto tag = [](web::Response r, const char* route) {
    r.route = route;
    return r;
  };

  if (rest.size() == 1 && rest[0] == "openapi.yaml") {
    if (auto p = parse_params(req, {}); !p.error.empty()) return bad_request(p.error);
    web::Response r(200, "application/yaml; charset=utf-8", openapi_);
    return tag(r, "api_openapi");
  }
  if (rest.size() == 1 && rest[0] == "catalog.jsonld") {
    auto p = parse_params(req, {});
    if (!p.error.empty()) return bad_request(p.error);
    web::Response r(200, "application/ld+json", cpsv_jsonld(*cat, base).dump());
    return tag(r, "api_catalog_jsonld");
  }
  if (!rest.empty() && rest[0] == "services") {
    if (rest.size() == 1) {
      auto p = parse_params(req, {"category", "audience", "ente", "comune", "status", "page", "per_page"});
      if (!p.error.empty()) return bad_request(p.error);
      std::size_t page, per_page;
      std::string err;
      if (!page_params(p, page, per_page, err)) return bad_request(err);
      auto v = [&](const char* k) { auto it = p.values.find(k); return it == p.values.end() ? std::string() : it->second; };
      std::string category = v("category"), audience = v("audience"), ente = v("ente"), comune = v("comune"), status = v("status");
      if (!category.empty() && !cat->term("subject-matter", category)) return bad_request("Categoria \"" + category + "\" sconosciuta: vedi /api/v1/vocabularies/subject-matter.");
      if (!audience.empty() && !cat->term("audience", audience)) return bad_request("Destinatari \"" + audience + "\" sconosciuti: vedi /api/v1/vocabularies/audience.");
      if (!status.empty() && !domain::service_status_from(status)) return bad_request("Stato \"" + status + "\" non ammesso: attivo, non-attivo, in-sviluppo.");
      if (!ente.empty() && !cat->ente_by_id(ente)) return bad_request("Ente \"" + ente + "\" sconosciuto: vedi /api/v1/enti.");
      const domain::Ente* c = comune.empty() ? nullptr : cat->comune_by_istat(comune);
      if (!comune.empty() && !c) return bad_request("Comune con codice ISTAT \"" + comune + "\" sconosciuto.");
      std::vector<json> all;
      for (const auto& s : cat->services()) {
        if (!category.empty() && s.category != category) continue;
        if (!audience.empty() && std::find(s.audience.begin(), s.audience.end(), audience) == s.audience.end()) continue;
        if (!status.empty() && domain::to_string(s.status) != status) continue;
        if (!ente.empty() && s.competent_ente_id != ente) continue;
        if (c && !cat->offered_in(s, *c)) continue;
        all.push_back(service_summary(*cat, s, base));
      }
      std::string self = base + "/api/v1/services";
      std::string filters;
      for (const auto& [k, val] : p.values)
        if (k != "page" && k != "per_page") filters += (filters.empty() ? "?" : "&") + web::percent_encode(k) + "=" + web::percent_encode(val);
      if (auto r = past_the_end(all.size(), page, per_page)) return *r;
      return tag(web::json_response(200, paginate(all, page, per_page, self + filters)), "api_services");
    }
    const domain::Service* s = cat->service_by_slug(rest[1]);
    if (!s) s = cat->service_by_id(rest[1]);
    if (!s) return not_found("Nessun servizio con slug o id \"" + rest[1] + "\".");
    auto p = parse_params(req, rest.size() == 3 ? std::set<std::string>{"page", "per_page"} : std::set<std::string>{});
    if (!p.error.empty()) return bad_request(p.error);
    if (rest.size() == 2) {
      json j = *s;
      auto c = domain::assess_completeness(*s);
      j["completeness"] = {{"score", c.score}, {"missing", c.missing}};
      if (deps_.db) {
        // "Quanto sono chiare le informazioni su questa pagina?": answers counted per service.
        auto fb = store::feedback_stats(*deps_.db, s->id);
        json by_rating = json::object();
        for (const auto& [rating, n] : fb.by_rating) by_rating[std::to_string(rating)] = n;
        j["feedback"] = {{"count", fb.count}, {"average_rating", fb.average}, {"by_rating", by_rating}};
      }
      j["links"] = {{"self", base + "/api/v1/services/" + s->slug}, {"page", base + "/servizi/" + s->slug},
                    {"variants", base + "/api/v1/services/" + s->slug + "/variants"}};
      return tag(web::json_response(200, j), "api_service");
    }
    if (rest[2] != "variants" || rest.size() > 4) return not_found("Risorsa inesistente.");
    auto variant_json = [&](const domain::Ente& comune) {
      const domain::ServiceVariant* v = cat->variant(s->id, comune.id);
      json j = v ? json(*v) : json{{"service_id", s->id}, {"ente_id", comune.id}};
      j["comune"] = {{"istat_code", comune.istat_code}, {"name", comune.name}, {"slug", comune.slug}};
      j["links"] = {{"page", base + "/servizi/" + s->slug + "/" + comune.slug},
                    {"smart_link", base + "/vai/" + s->slug + "/" + comune.istat_code}};
      return j;
    };
    if (rest.size() == 4) {
      const domain::Ente* comune = cat->comune_by_istat(rest[3]);
      if (!comune || !cat->offered_in(*s, *comune)) return not_found("Nessuna variante locale per il comune \"" + rest[3] + "\".");
      return tag(web::json_response(200, variant_json(*comune)), "api_service_variant");
    }
    std::size_t page, per_page;
    std::string err;
    if (!page_params(p, page, per_page, err)) return bad_request(err);
    std::vector<json> all;
    for (const auto* comune : cat->comuni())
      if (cat->offered_in(*s, *comune)) all.push_back(variant_json(*comune));
    if (auto r = past_the_end(all.size(), page, per_page)) return *r;
    return tag(web::json_response(200, paginate(all, page, per_page, base + "/api/v1/services/" + s->slug + "/variants")),
               "api_service_variants");
  }
  if (!rest.empty() && (rest[0] == "enti" || rest[0] == "comuni")) {
    bool comuni_only = rest[0] == "comuni";
    if (rest.size() == 1) {
      auto p = parse_params(req, comuni_only ? std::set<std::string>{"provincia", "page", "per_page"}
                                             : std::set<std::string>{"kind", "page", "per_page"});
      if (!p.error.empty()) return bad_request(p.error);
      std::size_t page, per_page;
      std::string err;
      if (!page_params(p, page, per_page, err)) return bad_request(err);
      std::string kind = p.values.count("kind") ? p.values["kind"] : "";
      if (!kind.empty() && !domain::ente_kind_from(kind)) return bad_request("\"kind\" ammessi: regione, provincia, comune, usl.");
      std::string prov = p.values.count("provincia") ? p.values["provincia"] : "";
      std::vector<json> all;
      for (const auto& e : cat->enti()) {
        if (comuni_only && e.kind != domain::EnteKind::Comune) continue;
        if (!kind.empty() && domain::to_string(e.kind) != kind) continue;
        if (!prov.empty() && e.province_abbr != prov && e.province_code != prov) continue;
        all.push_back(ente_json(e, base));
      }
      std::sort(all.begin(), all.end(), [](const json& a, const json& b) { return a["name"] < b["name"]; });
      std::string self = base + "/api/v1/" + rest[0];
      if (!kind.empty()) self += "?kind=" + kind;
      if (!prov.empty()) self += "?provincia=" + web::percent_encode(prov);
      if (auto r = past_the_end(all.size(), page, per_page)) return *r;
      return tag(web::json_response(200, paginate(all, page, per_page, self)), comuni_only ? "api_comuni" : "api_enti");
    }
    auto p = parse_params(req, {});
    if (!p.error.empty()) return bad_request(p.error);
    if (rest.size() != 2) return not_found("Risorsa inesistente.");
    const domain::Ente* e = comuni_only ? cat->comune_by_istat(rest[1]) : cat->ente_by_slug(rest[1]);
    if (!e && !comuni_only) e = cat->ente_by_id(rest[1]);
    if (!e) return not_found(comuni_only ? "Nessun comune con codice ISTAT \"" + rest[1] + "\"." : "Nessun ente \"" + rest[1] + "\".");
    return tag(web::json_response(200, ente_json(*e, base)), comuni_only ? "api_comune" : "api_ente");
  }
  if (!rest.empty() && rest[0] == "vocabularies") {
    auto p = parse_params(req, {});
    if (!p.error.empty()) return bad_request(p.error);
    std::map<std::string, json> vocabularies;
    for (const auto& t : cat->terms())
      vocabularies[t.vocabulary].push_back({{"code", t.code}, {"label", t.label}, {"slug", t.slug}});
    if (rest.size() == 1) {
      json out = json::array();
      for (const auto& [name, terms] : vocabularies)
        out.push_back({{"name", name}, {"terms", terms.size()}, {"links", {{"self", base + "/api/v1/vocabularies/" + name}}}});
      return tag(web::json_response(200, {{"items", out}}), "api_vocabularies");
    }
    auto it = vocabularies.find(rest[1]);
    if (rest.size() != 2 || it == vocabularies.end()) return not_found("Vocabolario \"" + rest[1] + "\" inesistente.");
    return tag(web::json_response(200, {{"name", rest[1]}, {"items", it->second}}), "api_vocabulary");
  }
  if (rest.size() == 1 && rest[0] == "search") {
    auto p = parse_params(req, {"q", "category", "audience", "ente", "life_event", "include_variants", "page", "per_page"});
    if (!p.error.empty()) return bad_request(p.error);
    std::size_t page, per_page;
    std::string err;
    if (!page_params(p, page, per_page, err)) return bad_request(err);
    search::SearchQuery q;
    q.text = p.values["q"];
    if (std::count_if(q.text.begin(), q.text.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }) > 200) return bad_request("\"q\" può avere al massimo 200 caratteri.");
    // Unknown filter values are mistakes, as on /services: say so instead of returning nothing.
    if (p.values.count("category") && !cat->term("subject-matter", p.values["category"]))
      return bad_request("Categoria \"" + p.values["category"] + "\" sconosciuta: vedi /api/v1/vocabularies/subject-matter.");
    if (p.values.count("audience") && !cat->term("audience", p.values["audience"]))
      return bad_request("Destinatari \"" + p.values["audience"] + "\" sconosciuti: vedi /api/v1/vocabularies/audience.");
    if (p.values.count("ente") && !cat->ente_by_id(p.values["ente"]))
      return bad_request("Ente \"" + p.values["ente"] + "\" sconosciuto: vedi /api/v1/enti.");
    if (p.values.count("life_event") && !cat->term("life-event", p.values["life_event"]))
      return bad_request("Evento della vita \"" + p.values["life_event"] + "\" sconosciuto: vedi /api/v1/vocabularies/life-event.");
    if (p.values.count("category")) q.category.push_back(p.values["category"]);
    if (p.values.count("audience")) q.audience.push_back(p.values["audience"]);
    if (p.values.count("ente")) q.ente.push_back(p.values["ente"]);
    if (p.values.count("life_event")) q.life_event.push_back(p.values["life_event"]);
    if (p.values.count("include_variants")) {
      const std::string& iv = p.values["include_variants"];
      if (iv != "true" && iv != "false") return bad_request("\"include_variants\" vale true o false.");
      q.include_variants = iv == "true";
    }
    q.offset = (page - 1) * per_page;
    q.limit = per_page;
    auto res = deps_.search->search(q);
    json hits = json::array();
    for (const auto& h : res.hits)
      hits.push_back({{"service_id", h.service_id}, {"slug", h.slug}, {"comune_slug", h.comune_slug},
                      {"title", h.title}, {"snippet_html", h.snippet_html}, {"score", h.percent},
                      {"links", {{"page", base + "/servizi/" + h.slug + (h.comune_slug.empty() ? "" : "/" + h.comune_slug)}}}});
    json facets = json::object();
    for (const auto& [name, values] : res.facets) {
      json arr = json::array();
      for (const auto& f : values) arr.push_back({{"value", f.value}, {"count", f.count}});
      facets[name] = arr;
    }
    json out = {{"query", q.text}, {"total", res.total}, {"page", page}, {"per_page", per_page},
                {"items", hits}, {"facets", facets}};
    if (!res.suggestion.empty()) out["suggestion"] = res.suggestion;
    return tag(web::json_response(200, out), "api_search");
  }
  return not_found("Nessuna risorsa a questo indirizzo. L'elenco delle operazioni è in /api/v1/openapi.yaml.");
}

}  // namespace au::api
