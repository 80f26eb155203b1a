// The JSON API through the real binary: resources, filters, pagination, problem+json errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server_fixture.h"

using au::test::RequestOptions;
using au::test::Server;
using nlohmann::json;

namespace {
const Server& srv() { return Server::instance(); }
json body(const au::test::HttpResult& r) { return json::parse(r.body); }
}  // namespace

TEST(Api, ServicesListIsPaginated) {
  auto r = srv().get("/api/v1/services?per_page=10");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto j = body(r);
  EXPECT_EQ(j["items"].size(), 10u);
  EXPECT_GE(j["total"].get<int>(), 57);
  EXPECT_TRUE(j["links"].contains("next"));
  auto last = body(srv().get("/api/v1/services?per_page=10&page=" + std::to_string(j["pages"].get<int>())));
  EXPECT_FALSE(last["links"].contains("next"));
}

TEST(Api, ServicesFilterByComuneCategoryAudience) {
  auto perugia = body(srv().get("/api/v1/services?comune=054039&per_page=100"));
  bool has_cie = false;
  for (const auto& s : perugia["items"]) has_cie |= s["slug"] == "carta-identita-elettronica";
  EXPECT_TRUE(has_cie);
  auto imprese = body(srv().get("/api/v1/services?audience=imprese&per_page=100"));
  for (const auto& s : imprese["items"]) {
    auto a = s["audience"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(a.begin(), a.end(), "imprese"), a.end());
  }
}

TEST(Api, ServiceDetailHasCompletenessAndModelFields) {
  auto r = srv().get("/api/v1/services/autorizzazione-unica-ambientale");
  ASSERT_EQ(r.status, 200);
  auto j = body(r);
  EXPECT_EQ(j["title"], "Autorizzazione Unica Ambientale");
  EXPECT_TRUE(j.contains("completeness"));
  EXPECT_GE(j["completeness"]["score"].get<int>(), 0);
  EXPECT_LE(j["completeness"]["score"].get<int>(), 100);
  EXPECT_EQ(j["legal_term_days"].is_number(), true);
  EXPECT_EQ(j["local_channel_key"], "urlaua");
}

TEST(Api, LocalVariants) {
  auto list = body(srv().get("/api/v1/services/autorizzazione-unica-ambientale/variants?per_page=100"));
  EXPECT_EQ(list["total"], 92);
  auto one = body(srv().get("/api/v1/services/autorizzazione-unica-ambientale/variants/055001"));
  EXPECT_EQ(one["channel_url"], "https://suape.regione.umbria.it/frontend/index/A045/SS");
  EXPECT_EQ(srv().get("/api/v1/services/autorizzazione-unica-ambientale/variants/000000").status, 404);
}

TEST(Api, EntiComuniVocabularies) {
  auto comuni = body(srv().get("/api/v1/comuni?per_page=100"));
  EXPECT_EQ(comuni["total"], 92);
  auto perugia = body(srv().get("/api/v1/comuni/054039"));
  EXPECT_EQ(perugia["name"], "Perugia");
  EXPECT_EQ(perugia["cadastral_code"], "G478");
  EXPECT_EQ(perugia["usl_id"], "usl-umbria-1");
  auto enti = body(srv().get("/api/v1/enti?kind=usl"));
  EXPECT_EQ(enti["total"], 2);
  auto vocab = body(srv().get("/api/v1/vocabularies/subject-matter"));
  EXPECT_EQ(vocab["items"].size(), 15u);
}

TEST(Api, SearchReturnsHitsAndFacets) {
  auto j = body(srv().get("/api/v1/search?q=caccia"));
  EXPECT_GT(j["total"].get<int>(), 2);
  EXPECT_TRUE(j["facets"].contains("category"));
}

TEST(Api, ErrorsAreProblemJson) {
  for (const char* path : {"/api/v1/services?page=-1", "/api/v1/services?page=abc", "/api/v1/services?colore=blu",
                           "/api/v1/services?per_page=1000", "/api/v1/services?category=nope",
                           "/api/v1/services/non-esiste", "/api/v1/nulla", "/api/v2/services",
                           "/api/v1/services?q=%ZZ", "/api/v1/services?category=%C3%28"}) {
    auto r = srv().get(path);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << path;
    auto j = body(r);
    EXPECT_EQ(j["status"], r.status) << path;
    EXPECT_FALSE(j["detail"].get<std::string>().empty()) << path;
  }
}

TEST(Api, WrongMethodIs405WithAllow) {
  RequestOptions o;
  o.method = "DELETE";
  auto r = srv().request("/api/v1/services", o);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
}

TEST(Api, StatusAndMetrics) {
  auto s = srv().get("/status");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.header("content-type"), "application/problem+json");
  EXPECT_EQ(body(s)["status"], 200);
  auto m = srv().get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("au_http_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("au_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("au_catalog_services"), std::string::npos);
}

TEST(Api, CatalogJsonLdDescribesEveryService) {
  auto r = srv().get("/api/v1/catalog.jsonld");
  ASSERT_EQ(r.status, 200);
  auto j = body(r);
  int services = 0;
  for (const auto& n : j["@graph"]) services += n["@type"] == "cpsv:PublicService";
  EXPECT_EQ(services, 57);
}

TEST(Api, OpenApiDocumentIsServed) {
  auto r = srv().get("/api/v1/openapi.yaml");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("openapi: 3"), std::string::npos);
}
