#include "api/cpsv_export.h"

namespace au::api {

using nlohmann::json;

namespace {
json lang(const std::string& text) { return {{"@value", text}, {"@language", "it"}}; }

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
}  // namespace

json cpsv_jsonld(const domain::CatalogSnapshot& cat, const std::string& base) {
  json graph = json::array();
  auto org_iri = [&](const domain::Ente& e) { return base + "/id/ente/" + e.id; };
  for (const auto& e : cat.enti()) {
    graph.push_back({{"@id", org_iri(e)},
                     {"@type", "cv:PublicOrganisation"},
                     {"skos:prefLabel", lang(e.name)},
                     {"dct:identifier", e.istat_code.empty() ? e.id : e.istat_code},
                     {"dct:spatial", {{"@id", base + "/id/luogo/" + e.id}}}});
    graph.push_back({{"@id", base + "/id/luogo/" + e.id},
                     {"@type", "dct:Location"},
                     {"locn:geographicName", lang(e.kind == domain::EnteKind::Comune ? e.name : "Umbria")}});
  }
  const domain::Ente* regione = cat.ente_by_id("regione-umbria");
  for (const auto& s : cat.services()) {
    std::string iri = base + "/id/servizio/" + s.id;
    const domain::Ente* authority = cat.ente_by_id(s.competent_ente_id);
    if (!authority) authority = regione;
    json svc = {{"@id", iri},
                {"@type", "cpsv:PublicService"},
                {"dct:identifier", s.id},
                {"dct:title", lang(s.title)},
                {"dct:description", lang(s.summary.empty() ? s.title : s.summary)},
                {"dcat:keyword", json::array()},
                {"adms:status", {{"@id", base + "/id/stato/" + domain::to_string(s.status)}}},
                {"foaf:page", {{"@id", base + "/servizi/" + s.slug}}}};
    if (authority) svc["cv:hasCompetentAuthority"] = {{"@id", org_iri(*authority)}};
    for (const auto& k : s.keywords) svc["dcat:keyword"].push_back(lang(k));
    if (!s.category.empty())
      svc["cv:thematicArea"] = {{"@id", "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/public-services-subject-matters/" + s.category}};
    json channels = json::array(), costs = json::array();
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
      std::string cid = iri + "/canale/" + std::to_string(i + 1);
      json ch = {{"@id", cid}, {"@type", "cv:Channel"}, {"dct:description", lang(s.channels[i].label.empty() ? s.title : s.channels[i].label)}};
      if (!s.channels[i].url.empty()) ch["foaf:page"] = {{"@id", s.channels[i].url}};
      graph.push_back(ch);
      channels.push_back({{"@id", cid}});
    }
    for (std::size_t i = 0; i < s.costs.size(); ++i) {
      std::string cid = iri + "/costo/" + std::to_string(i + 1);
      json cost = {{"@id", cid}, {"@type", "cv:Cost"},
                   {"cv:value", {{"@value", std::to_string(s.costs[i].amount_cents / 100) + "." +
                                                (s.costs[i].amount_cents % 100 < 10 ? "0" : "") +
                                                std::to_string(s.costs[i].amount_cents % 100)},
                                 {"@type", "xsd:decimal"}}},
                   {"cv:currency", {{"@id", "http://publications.europa.eu/resource/authority/currency/EUR"}}}};
      if (!s.costs[i].description.empty()) cost["dct:description"] = lang(s.costs[i].description);
      graph.push_back(cost);
      costs.push_back({{"@id", cid}});
    }
    if (!channels.empty()) svc["cv:hasChannel"] = channels;
    if (!costs.empty()) svc["cv:hasCost"] = costs;
    graph.push_back(svc);
  }
  return {{"@context",
           {{"cpsv", "http://purl.org/vocab/cpsv#"},
            {"cv", "http://data.europa.eu/m8g/"},
            {"dct", "http://purl.org/dc/terms/"},
            {"dcat", "http://www.w3.org/ns/dcat#"},
            {"adms", "http://www.w3.org/ns/adms#"},
            {"skos", "http://www.w3.org/2004/02/skos/core#"},
            {"locn", "http://www.w3.org/ns/locn#"},
            {"foaf", "http://xmlns.com/foaf/0.1/"},
            {"xsd", "http://www.w3.org/2001/XMLSchema#"}}},
          {"@graph", graph}};
}

std::string catalog_csv(const domain::CatalogSnapshot& cat, const std::string& base) {
  std::string out = "id,slug,titolo,descrizione,stato,categoria,destinatari,competenza,ente_competente,termine_giorni,"
                    "silenzio_assenso,versione,ultima_modifica,url\n";
  for (const auto& s : cat.services()) {
    std::string audience;
    for (const auto& a : s.audience) audience += (audience.empty() ? "" : ";") + a;
    const domain::Ente* e = cat.ente_by_id(s.competent_ente_id);
    out += csv_field(s.id) + "," + csv_field(s.slug) + "," + csv_field(s.title) + "," + csv_field(s.summary) + "," +
           domain::to_string(s.status) + "," + csv_field(cat.term_label("subject-matter", s.category)) + "," +
           csv_field(audience) + "," + (s.authority == domain::AuthorityKind::EachComune ? "ogni comune" : "ente") + "," +
           csv_field(e ? e->name : "") + "," + std::to_string(s.legal_term_days) + "," +
           (s.silenzio_assenso ? "si" : "no") + "," + std::to_string(s.version) + "," + s.modified_at + "," +
           csv_field(base + "/servizi/" + s.slug) + "\n";
  }
  return out;
}

}  // namespace au::api
