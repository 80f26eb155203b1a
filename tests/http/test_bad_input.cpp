// Malformed and hostile input on every kind of route: always a clear 4xx, never a 5xx,
// injected markup always comes back escaped.
#include <gtest/gtest.h>

#include "server_fixture.h"

using au::test::RequestOptions;
using au::test::Server;

namespace {
const Server& srv() { return Server::instance(); }
int status_of(const std::string& raw_response) {
  if (raw_response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(raw_response.substr(9, 3));
}
}  // namespace

TEST(BadInput, PagesRejectBadPageNumbersAndUnknownFilters) {
  for (const char* path : {"/servizi?pagina=-1", "/servizi?pagina=abc", "/servizi?pagina=0", "/servizi?colore=rosso",
                           "/servizi?categoria=inesistente", "/servizi?comune=atlantide", "/servizi?pagina=%zz",
                           "/cerca?pagina=abc", "/cerca?filtro=1", "/servizi?pagina=99999"}) {
    auto r = srv().get(path);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
    EXPECT_NE(r.body.find("lang=\"it\""), std::string::npos) << path;
  }
}

TEST(BadInput, InjectedMarkupComesBackEscaped) {
  auto r = srv().get("/cerca?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%27%22");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)"), std::string::npos);
  auto sql = srv().get("/cerca?q=%27%3B+DROP+TABLE+services%3B--");
  EXPECT_EQ(sql.status, 200);
  EXPECT_EQ(srv().get("/servizi/autorizzazione-unica-ambientale").status, 200);  // still there
  auto api = srv().get("/api/v1/search?q=%27+OR+1%3D1--");
  EXPECT_EQ(api.status, 200);
}

TEST(BadInput, InvalidUtf8InPathAndQuery) {
  EXPECT_EQ(status_of(srv().raw("GET /servizi/%C3%28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) / 100, 4);
  EXPECT_EQ(status_of(srv().raw("GET /cerca?q=%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 400);
  EXPECT_EQ(status_of(srv().raw("GET /api/v1/search?q=%C0%AF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 400);
  // Ids from the path of the identity routes reach SQL: invalid UTF-8 stops before (PostgreSQL
  // would refuse it with an error, i.e. a 500).
  for (const char* path : {"/area-personale/assistiti/%FF%FE", "/sviluppatori/applicazioni/%C3%28",
                           "/api/v1/delegations/%FF/revoke", "/area-personale/enti/%C0%AF"})
    EXPECT_EQ(status_of(srv().raw(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 400)
        << path;
}

TEST(BadInput, OverlongUriAndHeaders) {
  std::string long_path = "/servizi/" + std::string(10000, 'a');
  EXPECT_EQ(status_of(srv().raw("GET " + long_path + " HTTP/1.1\r\nHost: x\r\n\r\n")), 414);
  std::string big_header = "X-Big: " + std::string(40000, 'b') + "\r\n";
  EXPECT_EQ(status_of(srv().raw("GET / HTTP/1.1\r\nHost: x\r\n" + big_header + "\r\n")), 431);
  std::string q = "/cerca?q=" + std::string(300, 'x');
  EXPECT_EQ(srv().get(q).status, 400);
}

TEST(BadInput, OversizedBodyIs413) {
  std::string head = "POST /servizi/autorizzazione-unica-ambientale/valutazione HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000000\r\n\r\n";
  EXPECT_EQ(status_of(srv().raw(head + std::string(1000, 'a'))), 413);
}

TEST(BadInput, GarbageRequestIs400) {
  EXPECT_EQ(status_of(srv().raw("\x16\x03\x01\x02\x00garbage\r\n\r\n")), 400);
  EXPECT_EQ(status_of(srv().raw("GET\r\n\r\n")), 400);
}

TEST(BadInput, StaticPathTraversalIsRefused) {
  EXPECT_EQ(status_of(srv().raw("GET /static/../CMakeLists.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) / 100, 4);
  EXPECT_EQ(status_of(srv().raw("GET /static/..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) / 100, 4);
}

TEST(BadInput, WrongMethodsGet405WithAllow) {
  RequestOptions o;
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH"}) {
    o.method = m;
    auto r = srv().request("/servizi", o);
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(r.header("allow"), "GET, HEAD") << m;
  }
  o.method = "PUT";
  EXPECT_EQ(srv().request("/status", o).status, 405);
  EXPECT_EQ(srv().request("/static/x.css", o).status, 405);
}

TEST(BadInput, FeedbackFormRejectsMalformedBodies) {
  RequestOptions o;
  o.method = "POST";
  o.headers = {"Content-Type: application/x-www-form-urlencoded"};
  const std::string url = "/servizi/autorizzazione-unica-ambientale/valutazione";
  for (const char* body : {"", "rating=", "rating=0", "rating=abc", "rating=%ZZ", "rating=5&detail=%FF"}) {
    o.body = body;
    auto r = srv().request(url, o);
    EXPECT_GE(r.status, 400) << body;
    EXPECT_LT(r.status, 500) << body;
  }
  o.headers = {"Content-Type: application/json"};
  o.body = "{\"rating\":5}";
  EXPECT_EQ(srv().request(url, o).status, 400);
  EXPECT_EQ(srv().request("/servizi/non-esiste/valutazione", o).status, 404);
}

TEST(BadInput, HeadAnswersWithoutBody) {
  RequestOptions o;
  o.method = "HEAD";
  auto r = srv().request("/servizi", o);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}
