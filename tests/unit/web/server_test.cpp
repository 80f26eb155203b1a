// The HTTP server seen from the wire: a real Server on a loopback port, a raw socket client.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw_client.h"
#include "web/gzip.h"
#include "web/server.h"

namespace au::web {
namespace {

using test::RawClient;
using test::Reply;

std::string gunzip(const std::string& in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error("not a gzip stream");
    }
    out.append(chunk, sizeof chunk - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

// Lets a test hold a Handler inside its call and release it later.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;

  void enter_and_wait() {
    std::unique_lock lock(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  bool wait_entered() {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

std::string html_page() {
  std::string page = "<!doctype html><html lang=\"it\"><body><ul>\n";
  while (page.size() < 5000) page += "<li>Certificato di residenza - Comune di Perugia</li>\n";
  return page + "</ul></body></html>\n";
}

const std::string kPage = html_page();
const auto kSharedBody = std::make_shared<const std::string>(kPage);
const auto kSharedGzip = std::make_shared<const std::string>(gzip_compress(kPage, 9));

Handler test_handler(std::shared_ptr<Gate> gate = nullptr) {
  return [gate](const Request& req) -> Response {
    const std::string& p = req.path;
    if (p == "/hello") return Response(200, "text/plain; charset=utf-8", "ciao");
    if (p == "/page") return Response(200, "text/html; charset=utf-8", kPage);
    if (p == "/small") return Response(200, "text/html; charset=utf-8", "<p>breve</p>");
    if (p == "/png") return Response(200, "image/png", std::string(5000, 'x'));
    if (p == "/shared") {
      Response r(200, "text/html; charset=utf-8", "this body must not be sent");
      r.shared_body = kSharedBody;
      r.shared_gzip = kSharedGzip;
      return r;
    }
    if (p == "/shared-plain") {
      Response r(200, "text/html; charset=utf-8", "this body must not be sent");
      r.shared_body = kSharedBody;
      return r;
    }
    if (p == "/frame") {
      Response r(200, "text/plain", "x");
      r.headers["X-Frame-Options"] = "SAMEORIGIN";
      return r;
    }
    if (p == "/throw") throw std::runtime_error("segreto-interno: password=hunter2");
    if (p == "/slow") {
      if (gate) gate->enter_and_wait();
      return Response(200, "text/html; charset=utf-8", kPage);
    }
    if (p.rfind("/echo", 0) == 0) {
      Response r(200, "application/octet-stream", req.body);
      r.headers["X-Method"] = req.method;
      r.headers["X-Path"] = percent_encode(req.path);
      r.headers["X-Query"] = req.query;
      r.headers["X-Target"] = req.target;
      r.headers["X-Remote"] = req.remote_addr;
      r.headers["X-Dup"] = req.header("x-dup");
      return r;
    }
    return Response(404, "text/plain; charset=utf-8", "non trovato");
  };
}

ServerOptions test_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.default_headers["X-Content-Type-Options"] = "nosniff";
  o.default_headers["X-Frame-Options"] = "DENY";
  return o;
}

struct Running {
  explicit Running(ServerOptions options = test_options(), Handler h = test_handler())
      : server(std::move(options), std::move(h)) {
    server.start();
  }
  unsigned short port() const { return server.port(); }
  Server server;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

void expect_default_headers(const Reply& r) {
  EXPECT_EQ(r.get("X-Content-Type-Options"), "nosniff") << r.head;
  EXPECT_EQ(r.get("X-Frame-Options"), "DENY") << r.head;
  EXPECT_FALSE(r.has("Server")) << r.head;
}

void expect_protocol_error(RawClient& c, int status) {
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, status) << r.head;
  EXPECT_EQ(r.get("Connection"), "close") << r.head;
  EXPECT_EQ(r.body.rfind(std::to_string(status) + " ", 0), 0u) << r.body;
  EXPECT_NE(r.get("Content-Type").find("text/plain"), std::string::npos);
  expect_default_headers(r);
  EXPECT_TRUE(c.closed_silently());
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/hello")));
  const Reply a = c.read_reply();
  ASSERT_TRUE(c.send(get("/echo?n=2")));
  const Reply b = c.read_reply();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "ciao");
  EXPECT_FALSE(a.has("Connection"));
  EXPECT_TRUE(a.has("Date"));
  expect_default_headers(a);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.get("X-Query"), "n=2");
  EXPECT_EQ(b.get("X-Remote"), "127.0.0.1");
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/echo?n=1") +
                     "POST /echo?n=2 HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello" +
                     get("/echo?n=3") + get("/hello")));
  const Reply r1 = c.read_reply();
  const Reply r2 = c.read_reply();
  const Reply r3 = c.read_reply();
  const Reply r4 = c.read_reply();
  EXPECT_EQ(r1.get("X-Query"), "n=1");
  EXPECT_EQ(r2.get("X-Query"), "n=2");
  EXPECT_EQ(r2.get("X-Method"), "POST");
  EXPECT_EQ(r2.body, "hello");
  EXPECT_EQ(r3.get("X-Query"), "n=3");
  EXPECT_EQ(r4.body, "ciao");
}

TEST(Server, HeadHasGetHeadersAndNoBody) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/page")));
  const Reply g = c.read_reply();
  ASSERT_TRUE(c.send("HEAD /page HTTP/1.1\r\nHost: test\r\n\r\n"));
  const Reply h = c.read_reply(true);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.get("Content-Length"), std::to_string(kPage.size()));
  EXPECT_EQ(h.get("Content-Type"), g.get("Content-Type"));
  EXPECT_EQ(h.get("Vary"), g.get("Vary"));
  // Had the HEAD answer carried a body, this reply would start inside it.
  ASSERT_TRUE(c.send(get("/hello")));
  const Reply after = c.read_reply();
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "ciao");

  ASSERT_TRUE(c.send("HEAD /shared HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n"));
  const Reply hz = c.read_reply(true);
  EXPECT_EQ(hz.get("Content-Encoding"), "gzip");
  EXPECT_EQ(hz.get("Content-Length"), std::to_string(kSharedGzip->size()));
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_reply().body, "ciao");
}

TEST(Server, Http10ClosesUnlessKeepAliveIsAsked) {
  Running s;
  {
    RawClient c(s.port());
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
    const Reply r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.get("Connection"), "close");
    EXPECT_TRUE(c.closed_silently());
  }
  {
    RawClient c(s.port());
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const Reply r = c.read_reply();
    EXPECT_EQ(r.get("Connection"), "keep-alive");
    ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_EQ(c.read_reply().status, 200);
  }
  {
    RawClient c(s.port());
    ASSERT_TRUE(c.send(get("/hello", "Connection: close\r\n")));
    EXPECT_EQ(c.read_reply().get("Connection"), "close");
    EXPECT_TRUE(c.closed_silently());
  }
}

TEST(Server, RequestFieldsAreDecoded) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/echo/caf%C3%A8%20latte?q=a%20b&x", "X-Dup: uno\r\nx-dup: due\r\n")));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.get("X-Path"), percent_encode("/echo/caf\xC3\xA8 latte"));
  EXPECT_EQ(r.get("X-Query"), "q=a%20b&x");
  EXPECT_EQ(r.get("X-Target"), "/echo/caf%C3%A8%20latte?q=a%20b&x");
  EXPECT_EQ(r.get("X-Dup"), "uno, due");

  ASSERT_TRUE(c.send("GET http://portale.example/echo/x?y=1 HTTP/1.1\r\nHost: portale.example\r\n\r\n"));
  const Reply absolute = c.read_reply();
  EXPECT_EQ(absolute.get("X-Path"), percent_encode("/echo/x"));
  EXPECT_EQ(absolute.get("X-Query"), "y=1");
}

TEST(Server, BadPathEscapesAnswer400) {
  Running s;
  for (const char* target : {"/echo/%zz", "/echo/%4", "/echo/a%00b", "echo"}) {
    RawClient c(s.port());
    ASSERT_TRUE(c.send(get(target)));
    expect_protocol_error(c, 400);
  }
}

TEST(Server, MissingHostAnswers400) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n\r\n"));
  expect_protocol_error(c, 400);
}

TEST(Server, OversizedHeaderAnswers431) {
  Running s;
  RawClient c(s.port());
  c.send(get("/hello", "X-Big: " + std::string(20000, 'a') + "\r\n"));
  expect_protocol_error(c, 431);
}

TEST(Server, HeaderLimitCoversTheWholeSection) {
  ServerOptions o = test_options();
  o.limits.max_header_bytes = 1024;
  Running s(o);
  {
    // Request line 1000 bytes + 100 bytes of fields: each fits, together they do not.
    RawClient c(s.port());
    c.send("GET /hello?" + std::string(977, 'q') + " HTTP/1.1\r\nHost: test\r\nX-A: " +
           std::string(80, 'a') + "\r\n\r\n");
    expect_protocol_error(c, 431);
  }
  {
    RawClient c(s.port());
    c.send(get("/hello", "X-A: " + std::string(500, 'a') + "\r\n"));
    EXPECT_EQ(c.read_reply().status, 200);
  }
}

TEST(Server, LongTargetAnswers414EvenBeyondTheHeaderLimit) {
  Running s;
  {
    RawClient c(s.port());
    c.send(get("/hello?" + std::string(5000, 'q')));
    expect_protocol_error(c, 414);
  }
  {
    // Longer than the whole header limit: still a URI problem, not a header one.
    RawClient c(s.port());
    c.send(get("/hello?" + std::string(40000, 'q')));
    expect_protocol_error(c, 414);
  }
  {
    // Request line not even finished yet.
    RawClient c(s.port());
    c.send("GET /hello?" + std::string(6000, 'q'));
    expect_protocol_error(c, 414);
  }
}

TEST(Server, BodyOverLimitAnswers413) {
  ServerOptions o = test_options();
  o.limits.max_body_bytes = 1000;
  Running s(o);
  {
    RawClient c(s.port());
    c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n");
    c.send(std::string(5000, 'b'));
    expect_protocol_error(c, 413);
  }
  {
    RawClient c(s.port());
    c.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 4; ++i) c.send("200\r\n" + std::string(512, 'c') + "\r\n");
    c.send("0\r\n\r\n");
    expect_protocol_error(c, 413);
  }
  {
    // Within the limit, chunked bodies arrive whole and trailers do not become headers.
    RawClient c(s.port());
    c.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Dup: trailer\r\n\r\n");
    const Reply r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello world");
    EXPECT_EQ(r.get("X-Dup"), "");
  }
}

TEST(Server, AmbiguousFramingAnswers400) {
  Running s;
  for (const std::string& framing :
       {std::string("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
        std::string("Transfer-Encoding: gzip\r\n"), std::string("Content-Length: 5, 6\r\n"),
        std::string("Content-Length: -1\r\n")}) {
    RawClient c(s.port());
    c.send("POST /echo HTTP/1.1\r\nHost: test\r\n" + framing + "\r\nhello");
    expect_protocol_error(c, 400);
  }
}

TEST(Server, IncompleteRequestAnswers408) {
  ServerOptions o = test_options();
  o.limits.read_timeout = std::chrono::seconds(1);
  Running s(o);
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: test\r\n"));
  expect_protocol_error(c, 408);
}

TEST(Server, IncompleteBodyAnswers408) {
  ServerOptions o = test_options();
  o.limits.read_timeout = std::chrono::seconds(1);
  Running s(o);
  RawClient c(s.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc"));
  expect_protocol_error(c, 408);
}

TEST(Server, SilentConnectionsAreClosedWithoutAnswer) {
  ServerOptions o = test_options();
  o.limits.read_timeout = std::chrono::seconds(1);
  o.limits.idle_timeout = std::chrono::seconds(1);
  Running s(o);
  {
    RawClient never_speaks(s.port());
    EXPECT_TRUE(never_speaks.closed_silently());
  }
  {
    RawClient idle(s.port());
    ASSERT_TRUE(idle.send(get("/hello")));
    EXPECT_EQ(idle.read_reply().status, 200);
    EXPECT_TRUE(idle.closed_silently());
  }
}

TEST(Server, GarbageAnswers400) {
  Running s;
  for (const std::string& garbage :
       {std::string("\x01\x02\x03 garbage\r\n\r\n"), std::string("GET / HTTP/9.9\r\nHost: a\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\nHost: a\n\n"), std::string("HTTP/1.1 200 OK\r\n\r\n"),
        std::string("G\0T / HTTP/1.1\r\n\r\n", 18)}) {
    RawClient c(s.port());
    c.send(garbage);
    const Reply r = c.read_reply();
    EXPECT_EQ(r.status, 400) << garbage;
    EXPECT_EQ(r.get("Connection"), "close");
    expect_default_headers(r);
  }
}

TEST(Server, SurvivesRandomBytes) {
  ServerOptions o = test_options();
  o.limits.read_timeout = std::chrono::seconds(1);
  Running s(o);
  std::mt19937 rng(20261127);
  const std::string valid = "POST /echo?a=1 HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc";
  for (int i = 0; i < 300; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(1 + rng() % 3000);
      for (auto& b : bytes) b = static_cast<char>(rng());
    } else {
      // Mutations of a valid request reach deeper parser states than pure noise.
      bytes = valid;
      for (int k = 0, n = 1 + static_cast<int>(rng() % 6); k < n; ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    }
    RawClient c(s.port());
    c.send(bytes);
    c.shutdown_write();
    const Reply r = c.read_reply();
    if (r.status != 0) {
      EXPECT_GE(r.status, 200) << i;
      EXPECT_LT(r.status, 500) << i << "\n" << r.head;
    }
  }
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_reply().body, "ciao");
}

TEST(Server, GzipFollowsAcceptEncoding) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/page", "Accept-Encoding: gzip, deflate, br\r\n")));
  const Reply z = c.read_reply();
  EXPECT_EQ(z.get("Content-Encoding"), "gzip");
  EXPECT_EQ(z.get("Vary"), "Accept-Encoding");
  EXPECT_LT(z.body.size(), kPage.size());
  EXPECT_EQ(gunzip(z.body), kPage);

  ASSERT_TRUE(c.send(get("/page", "Accept-Encoding: gzip;q=0, deflate\r\n")));
  const Reply refused = c.read_reply();
  EXPECT_FALSE(refused.has("Content-Encoding"));
  EXPECT_EQ(refused.get("Vary"), "Accept-Encoding");
  EXPECT_EQ(refused.body, kPage);

  ASSERT_TRUE(c.send(get("/page")));
  const Reply none = c.read_reply();
  EXPECT_FALSE(none.has("Content-Encoding"));
  EXPECT_EQ(none.body, kPage);

  ASSERT_TRUE(c.send(get("/small", "Accept-Encoding: gzip\r\n")));
  const Reply small = c.read_reply();
  EXPECT_FALSE(small.has("Content-Encoding")) << "below 1 KiB gzip costs more than it saves";
  EXPECT_EQ(small.get("Vary"), "Accept-Encoding");

  ASSERT_TRUE(c.send(get("/png", "Accept-Encoding: gzip\r\n")));
  const Reply png = c.read_reply();
  EXPECT_FALSE(png.has("Content-Encoding"));
  EXPECT_FALSE(png.has("Vary"));
  EXPECT_EQ(png.body.size(), 5000u);
}

TEST(Server, SharedBodiesAreSentAndSharedGzipIsUsed) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/shared", "Accept-Encoding: gzip\r\n")));
  const Reply z = c.read_reply();
  EXPECT_EQ(z.get("Content-Encoding"), "gzip");
  EXPECT_EQ(z.body, *kSharedGzip) << "the precompressed bytes, not a fresh compression";

  ASSERT_TRUE(c.send(get("/shared")));
  const Reply plain = c.read_reply();
  EXPECT_FALSE(plain.has("Content-Encoding"));
  EXPECT_EQ(plain.get("Vary"), "Accept-Encoding");
  EXPECT_EQ(plain.body, kPage);

  ASSERT_TRUE(c.send(get("/shared-plain", "Accept-Encoding: gzip\r\n")));
  const Reply fresh = c.read_reply();
  EXPECT_EQ(fresh.get("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(fresh.body), kPage);

  ASSERT_TRUE(c.send(get("/shared-plain")));
  EXPECT_EQ(c.read_reply().body, kPage);
}

TEST(Server, DefaultHeadersOnEveryAnswerUnlessTheHandlerSetsThem) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/hello")));
  expect_default_headers(c.read_reply());
  ASSERT_TRUE(c.send(get("/nowhere")));
  const Reply missing = c.read_reply();
  EXPECT_EQ(missing.status, 404);
  expect_default_headers(missing);
  ASSERT_TRUE(c.send(get("/frame")));
  const Reply own = c.read_reply();
  EXPECT_EQ(own.get("X-Frame-Options"), "SAMEORIGIN");
  EXPECT_EQ(own.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(own.head.find("DENY"), std::string::npos) << "no duplicate header";
}

TEST(Server, HandlerExceptionAnswers500WithoutItsMessage) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/throw")));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("segreto"), std::string::npos);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.head.find("hunter2"), std::string::npos);
  expect_default_headers(r);
  // The request itself was well formed: the connection stays usable.
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_reply().body, "ciao");
}

TEST(Server, ExpectContinueGetsInterimAnswer) {
  Running s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  const Reply interim = c.read_reply();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send("hello"));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
}

TEST(Server, MaxRequestsPerConnectionClosesTheLast) {
  ServerOptions o = test_options();
  o.limits.max_requests_per_connection = 2;
  Running s(o);
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/hello") + get("/hello")));
  EXPECT_FALSE(c.read_reply().has("Connection"));
  EXPECT_EQ(c.read_reply().get("Connection"), "close");
  EXPECT_TRUE(c.closed_silently());
}

TEST(Server, StopLetsASlowHandlerFinishItsAnswer) {
  auto gate = std::make_shared<Gate>();
  Running s(test_options(), test_handler(gate));
  const unsigned short port = s.port();

  RawClient idle(port);
  ASSERT_TRUE(idle.send(get("/hello")));
  ASSERT_EQ(idle.read_reply().status, 200);

  RawClient slow(port);
  ASSERT_TRUE(slow.send(get("/slow")));
  ASSERT_TRUE(gate->wait_entered());

  std::thread waiter([&] { s.server.wait(); });
  std::thread stopper([&] { s.server.stop(); });
  // The listener goes away first; only then is the handler allowed to return, so the
  // answer below is written during the shutdown, not before it.
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    refused = test::connection_refused(port);
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused);
  gate->release();

  const Reply r = slow.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kPage);
  EXPECT_EQ(r.get("Connection"), "close");
  EXPECT_TRUE(idle.closed_silently()) << "idle keep-alive connections are closed, not kept";
  stopper.join();
  waiter.join();
  s.server.stop();  // a second stop is harmless
}

TEST(Server, ABlockedHandlerDoesNotStallOtherConnections) {
  auto gate = std::make_shared<Gate>();
  Running s(test_options(), test_handler(gate));
  RawClient slow(s.port());
  ASSERT_TRUE(slow.send(get("/slow")));
  ASSERT_TRUE(gate->wait_entered());
  // With 2 threads and one held, every other connection must still be served; a design
  // that pins connections to threads would leave some of these behind the blocked one.
  for (int i = 0; i < 6; ++i) {
    RawClient c(s.port(), 5);
    ASSERT_TRUE(c.send(get("/hello")));
    EXPECT_EQ(c.read_reply().body, "ciao") << "connection " << i;
  }
  gate->release();
  EXPECT_EQ(slow.read_reply().body, kPage);
}

TEST(Server, StopRequestedByAHandlerCompletes) {
  Server* self = nullptr;
  ServerOptions o = test_options();
  Running s(o, [&self](const Request&) {
    self->stop();
    return Response(200, "text/plain", "arrivederci");
  });
  self = &s.server;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(get("/stop")));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.body, "arrivederci");
  EXPECT_EQ(r.get("Connection"), "close");
  s.server.wait();
  EXPECT_TRUE(test::connection_refused(s.port()));
}

TEST(Server, StopFromAnotherThreadEndsWait) {
  Running s;
  std::thread stopper([&] { s.server.stop(); });
  s.server.wait();
  stopper.join();
  EXPECT_TRUE(test::connection_refused(s.port()));
}

TEST(Server, StartFailsOnBusyPort) {
  Running first;
  ServerOptions o = test_options();
  o.port = first.port();
  Server second(o, test_handler());
  EXPECT_THROW(second.start(), std::runtime_error);
}

}  // namespace
}  // namespace au::web
