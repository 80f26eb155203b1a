// The portal as people and search engines see it, through the real binary.
#include <gtest/gtest.h>

#include <regex>

#include "server_fixture.h"

using au::test::RequestOptions;
using au::test::Server;

namespace {
const Server& srv() { return Server::instance(); }

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (std::size_t p = 0; (p = haystack.find(needle, p)) != std::string::npos; p += needle.size()) ++n;
  return n;
}
}  // namespace

TEST(Portal, HomeListsCategoriesAndSearch) {
  auto r = srv().get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(r.body.find("lang=\"it\""), std::string::npos);
  EXPECT_NE(r.body.find("action=\"/cerca\""), std::string::npos);
  EXPECT_NE(r.body.find("/categorie/"), std::string::npos);
  EXPECT_NE(r.body.find("data-element=\"personal-area-login\""), std::string::npos);
}

TEST(Portal, EveryResponseCarriesSecurityHeaders) {
  for (const char* path : {"/", "/servizi", "/pagina-che-non-esiste", "/api/v1/services", "/status"}) {
    auto r = srv().get(path);
    EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(r.header("content-security-policy").find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << path;
    EXPECT_FALSE(r.header("referrer-policy").empty()) << path;
  }
}

TEST(Portal, ServicesListHasServiceLinksAndPagination) {
  auto r = srv().get("/servizi");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(count(r.body, "data-element=\"service-link\""), 12);
  EXPECT_NE(r.body.find("data-element=\"pager-link\""), std::string::npos);
  auto p2 = srv().get("/servizi?pagina=2");
  ASSERT_EQ(p2.status, 200);
  EXPECT_NE(p2.body, r.body);
}

TEST(Portal, ServicesListFiltersByComuneAndCategory) {
  auto r = srv().get("/servizi?comune=perugia");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Carta d&apos;identità elettronica"), std::string::npos);
  auto none = srv().get("/servizi?categoria=turismo");
  EXPECT_EQ(none.status, 200);
}

// Modello Comuni service page: the index entries in order and every content block.
TEST(Portal, RegionalCardIsAModelServicePage) {
  auto r = srv().get("/servizi/autorizzazione-unica-ambientale");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  for (const char* el : {"service-title", "service-description", "service-status", "service-topic", "breadcrumb",
                         "page-index", "service-addressed", "service-how-to", "service-needed", "service-achieved",
                         "service-calendar-text", "service-cost", "service-file", "service-area", "feedback",
                         "feedback-title", "feedback-rate-1", "feedback-rate-5", "feedback-rating-positive",
                         "feedback-rating-negative", "feedback-input-text", "metatag"})
    EXPECT_NE(r.body.find(std::string("data-element=\"") + el + "\""), std::string::npos) << el;
  std::size_t last = 0;
  for (const char* entry : {"A chi è rivolto", "Come fare", "Cosa serve", "Cosa si ottiene", "Tempi e scadenze",
                            "Accedi al servizio", "Condizioni di servizio", "Contatti"}) {
    std::size_t at = r.body.find(std::string(">") + entry + "<", r.body.find("data-element=\"page-index\""));
    ASSERT_NE(at, std::string::npos) << entry;
    EXPECT_GT(at, last) << entry << " fuori ordine";
    last = at;
  }
  EXPECT_NE(r.body.find("\"@type\":\"GovernmentService\""), std::string::npos);
  EXPECT_NE(r.body.find("<link rel=\"canonical\""), std::string::npos);
}

TEST(Portal, MissingSectionIsSaidPlainly) {
  // The regional card of the Fascicolo Sanitario Elettronico has no "Cosa serve" nor costs:
  // the page says so, and the API's completeness counts them missing.
  auto r = srv().get("/servizi/fascicolo-sanitario-elettronico");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("La scheda di origine non contiene questa informazione"), std::string::npos);
  auto api = srv().get("/api/v1/services/fascicolo-sanitario-elettronico");
  EXPECT_NE(api.body.find("\"missing\":["), std::string::npos);
  EXPECT_EQ(api.body.find("\"missing\":[]"), std::string::npos);
  EXPECT_EQ(api.body.find("\"score\":100"), std::string::npos);
}

TEST(Portal, LocalVariantShowsTheComuneAndItsSuapeLink) {
  auto r = srv().get("/servizi/autorizzazione-unica-ambientale/acquasparta");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Acquasparta"), std::string::npos);
  EXPECT_NE(r.body.find("https://suape.regione.umbria.it/frontend/index/A045/SS"), std::string::npos);
  EXPECT_NE(r.body.find("data-element=\"service-online-access\""), std::string::npos);
}

TEST(Portal, SmartLinkRedirectsToTheComunesRealSuape) {
  auto r = srv().get("/vai/autorizzazione-unica-ambientale/055001");  // Acquasparta
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("location"), "https://suape.regione.umbria.it/frontend/index/A045/SS");
  auto form = srv().get("/vai/autorizzazione-unica-ambientale?comune=055001");
  EXPECT_EQ(form.status, 302);
  EXPECT_EQ(form.header("location"), "https://suape.regione.umbria.it/frontend/index/A045/SS");
}

TEST(Portal, SmartLinkWithoutOnlineChannelGoesToTheAccessSection) {
  auto r = srv().get("/vai/pubblicazioni-matrimonio/054039");  // Perugia
  EXPECT_EQ(r.status, 302);
  EXPECT_NE(r.header("location").find("#submit-request"), std::string::npos);
}

TEST(Portal, SmartLinkUnknownPairIsAHelpful404) {
  auto r = srv().get("/vai/servizio-inesistente/054039");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("ISTAT"), std::string::npos);
  EXPECT_EQ(srv().get("/vai/autorizzazione-unica-ambientale/999999").status, 404);
}

TEST(Portal, SmartLinkClicksAreCounted) {
  std::string out;
  srv().get("/vai/autorizzazione-unica-ambientale/055001");
  ASSERT_EQ(srv().get("/vai/autorizzazione-unica-ambientale/055001").status, 302);
  auto m = srv().get("/metrics");
  EXPECT_NE(m.body.find("route=\"smart_link\""), std::string::npos);
}

TEST(Portal, FeedbackIsStoredAndThanked) {
  RequestOptions post;
  post.method = "POST";
  post.headers = {"Content-Type: application/x-www-form-urlencoded"};
  post.body = "rating=4&answer=Le+indicazioni+erano+chiare&detail=ottimo&page=%2Fservizi%2Ftesserino-di-pesca";
  auto slug = "/servizi/autorizzazione-unica-ambientale";
  auto r = srv().request(std::string(slug) + "/valutazione", post);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Grazie"), std::string::npos);
  auto api = srv().get("/api/v1/services/autorizzazione-unica-ambientale");
  EXPECT_NE(api.body.find("\"feedback\":{\"average_rating\""), std::string::npos) << "counted per service";
  EXPECT_EQ(api.body.find("\"count\":0,"), std::string::npos);
  post.body = "rating=9";
  EXPECT_EQ(srv().request(std::string(slug) + "/valutazione", post).status, 422);
  post.body = "rating=3&answer=%3Cscript%3E";
  EXPECT_EQ(srv().request(std::string(slug) + "/valutazione", post).status, 422);
  EXPECT_EQ(srv().get(std::string(slug) + "/valutazione").status, 405);
}

TEST(Portal, SearchFindsAccentlessAndElidedWords) {
  auto r = srv().get("/cerca?q=carta+d%27identita");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/servizi/carta-identita-elettronica"), std::string::npos);
  auto e = srv().get("/cerca?q=nell%27anagrafe");
  EXPECT_EQ(e.status, 200);
}

TEST(Portal, SearchSuggestsASpelling) {
  auto r = srv().get("/cerca?q=autorizazione");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("autorizzazione"), std::string::npos);
}

TEST(Portal, SitemapListsEveryServiceAndLocalVariant) {
  auto r = srv().get("/sitemap.xml");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/servizi/autorizzazione-unica-ambientale/acquasparta</loc>"), std::string::npos);
  EXPECT_NE(r.body.find("/servizi/carta-identita-elettronica/perugia</loc>"), std::string::npos);
  EXPECT_GT(count(r.body, "<url>"), 2000);
  auto robots = srv().get("/robots.txt");
  EXPECT_NE(robots.body.find("Sitemap: "), std::string::npos);
}

TEST(Portal, EtagGivesNotModified) {
  auto r = srv().get("/servizi/autorizzazione-unica-ambientale");
  ASSERT_FALSE(r.header("etag").empty());
  RequestOptions o;
  o.headers = {"If-None-Match: " + r.header("etag")};
  auto again = srv().get("/servizi/autorizzazione-unica-ambientale", o);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  ASSERT_FALSE(r.header("last-modified").empty());
  EXPECT_NE(r.header("last-modified").find(" GMT"), std::string::npos);
  o.headers = {"If-Modified-Since: " + r.header("last-modified")};
  EXPECT_EQ(srv().get("/servizi/autorizzazione-unica-ambientale", o).status, 304);
  o.headers = {"If-None-Match: \"altro\"", "If-Modified-Since: " + r.header("last-modified")};
  EXPECT_EQ(srv().get("/servizi/autorizzazione-unica-ambientale", o).status, 200) << "If-None-Match decides";
}

TEST(Portal, PagesAreGzippedForClientsThatAcceptIt) {
  RequestOptions o;
  o.gzip = true;
  auto r = srv().get("/servizi", o);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-encoding"), "gzip");
  EXPECT_NE(r.body.find("data-element=\"service-link\""), std::string::npos);  // curl decoded it
}

TEST(Portal, StaticAssetsAreHashedAndImmutable) {
  auto home = srv().get("/");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(home.body, m, std::regex("/static/bootstrap-italia\\.[0-9a-f]{12}\\.min\\.css")));
  auto css = srv().get(m.str());
  EXPECT_EQ(css.status, 200);
  EXPECT_NE(css.header("cache-control").find("immutable"), std::string::npos);
  EXPECT_EQ(srv().get("/static/../../etc/passwd").status, 404);
  EXPECT_EQ(srv().get("/static/%2e%2e/%2e%2e/etc/passwd").status, 404);
}

TEST(Portal, UnifiedRegionalFormsAreListedOnTheirCard) {
  auto r = srv().get("/servizi/modulistica-unificata");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Comunicazione inizio lavori asseverata - CILA"), std::string::npos);
}

TEST(Portal, EntiAndComunePages) {
  auto r = srv().get("/enti/perugia");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("054039"), std::string::npos);
  EXPECT_NE(r.body.find("USL Umbria 1"), std::string::npos);
  EXPECT_EQ(srv().get("/enti").status, 200);
  EXPECT_EQ(srv().get("/argomenti").status, 200);
}

TEST(Portal, UnknownPageIsAnItalian404) {
  auto r = srv().get("/pagina/che/non/esiste");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("Pagina non trovata"), std::string::npos);
  EXPECT_NE(r.body.find("lang=\"it\""), std::string::npos);
}
