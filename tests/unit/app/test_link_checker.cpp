// `links check` against real local HTTP servers: working, missing, redirected, HEAD-refusing,
// too slow and unreachable URLs.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/link_checker.h"
#include "web/server.h"

using namespace au;

namespace {

class LocalSite {
 public:
  LocalSite() {
    web::ServerOptions opt;
    opt.port = 0;
    opt.threads = 2;
    server_ = std::make_unique<web::Server>(opt, [this](const web::Request& r) { return handle(r); });
    server_->start();
  }
  ~LocalSite() {
    {
      std::lock_guard lock(m_);
      released_ = true;
    }
    cv_.notify_all();
    server_->stop();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server_->port()) + path; }

 private:
  web::Response handle(const web::Request& r) {
    if (r.path == "/ok") return web::Response(200, "text/plain", "ok");
    if (r.path == "/missing") return web::Response(404, "text/plain", "no");
    if (r.path == "/moved") {
      web::Response res(301, "text/plain", "");
      res.headers["Location"] = "/ok";
      return res;
    }
    if (r.path == "/no-head") return web::Response(r.method == "HEAD" ? 405 : 200, "text/plain", "get only");
    if (r.path == "/slow") {  // held until the test ends: the checker's timeout must fire first
      std::unique_lock lock(m_);
      cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
      return web::Response(200, "text/plain", "late");
    }
    return web::Response(500, "text/plain", "error");
  }

  std::unique_ptr<web::Server> server_;
  std::mutex m_;
  std::condition_variable cv_;
  bool released_ = false;
};

}  // namespace

TEST(LinkChecker, ClassifiesEachKindOfUrl) {
  LocalSite site;
  std::vector<app::LinkResult> links;
  for (const char* p : {"/ok", "/missing", "/moved", "/no-head", "/slow", "/boom"})
    links.push_back({site.url(p), {"servizio-di-prova"}, false, 0, ""});
  links.push_back({"http://127.0.0.1:1/closed-port", {"altro"}, false, 0, ""});
  std::vector<std::string> reported;
  auto results = app::check_urls(links, {2, 4}, [&](const std::string& line) { reported.push_back(line); });
  ASSERT_EQ(results.size(), 7u);
  auto find = [&](const std::string& suffix) {
    for (const auto& r : results)
      if (r.url.size() >= suffix.size() && r.url.compare(r.url.size() - suffix.size(), suffix.size(), suffix) == 0) return r;
    return app::LinkResult{};
  };
  EXPECT_TRUE(find("/ok").ok);
  EXPECT_FALSE(find("/missing").ok);
  EXPECT_EQ(find("/missing").status, 404);
  EXPECT_TRUE(find("/moved").ok) << "redirects are followed";
  EXPECT_EQ(find("/moved").status, 200);
  EXPECT_TRUE(find("/no-head").ok) << "a server refusing HEAD is retried with GET";
  EXPECT_FALSE(find("/slow").ok) << "the timeout applies";
  EXPECT_FALSE(find("/boom").ok);
  EXPECT_FALSE(find("/closed-port").ok);
  EXPECT_FALSE(find("/closed-port").error.empty());
  EXPECT_EQ(reported.size(), 4u);  // missing, slow, boom, closed-port
  for (const auto& line : reported) EXPECT_NE(line.find("NON FUNZIONA"), std::string::npos);
}
