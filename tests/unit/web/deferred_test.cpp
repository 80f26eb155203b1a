// Deferred responses: a Handler that answers later, from another thread (the practices ingest
// answers after its group commit). The connection waits, keeps its order with pipelining, and
// other connections are served meanwhile.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "raw_client.h"
#include "web/server.h"

namespace au::web::test {
namespace {

// Resolves the deferred answers it is given, in order, on its own thread, after a pause.
class LateAnswerer {
 public:
  LateAnswerer() : thread_([this] { run(); }) {}
  ~LateAnswerer() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void later(std::shared_ptr<Deferred> d, std::string body) {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(d), std::move(body));
    wake_.notify_all();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [d, body] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      d->resolve(Response(202, "text/plain", body));
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::shared_ptr<Deferred>, std::string>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

ServerOptions options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 1;  // one thread: a blocking wait would stall every other connection
  return o;
}

TEST(Deferred, ResolvedLaterFromAnotherThreadIsWrittenAndOthersAreServedMeanwhile) {
  LateAnswerer answerer;
  Server server(options(), [&](const Request& req) {
    if (req.path == "/now") return Response(200, "text/plain", "subito");
    Response r;
    r.deferred = std::make_shared<Deferred>();
    answerer.later(r.deferred, "dopo " + req.query);
    return r;
  });
  server.start();
  RawClient slow(server.port()), fast(server.port());
  ASSERT_TRUE(slow.send("GET /later?1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(fast.send("GET /now HTTP/1.1\r\nHost: t\r\n\r\n"));
  const Reply quick = fast.read_reply();
  EXPECT_EQ(quick.body, "subito");
  const Reply late = slow.read_reply();
  EXPECT_EQ(late.status, 202);
  EXPECT_EQ(late.body, "dopo 1");
  server.stop();
}

TEST(Deferred, PipelinedDeferredAnswersKeepTheirOrder) {
  LateAnswerer answerer;
  Server server(options(), [&](const Request& req) {
    Response r;
    r.deferred = std::make_shared<Deferred>();
    answerer.later(r.deferred, req.query);
    return r;
  });
  server.start();
  RawClient c(server.port());
  ASSERT_TRUE(c.send("GET /a?1 HTTP/1.1\r\nHost: t\r\n\r\nGET /a?2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(c.read_reply().body, "1");
  EXPECT_EQ(c.read_reply().body, "2");
  server.stop();
}

TEST(Deferred, ResolvedBeforeTheHandlerReturnsIsWrittenToo) {
  Server server(options(), [&](const Request&) {
    Response r;
    r.deferred = std::make_shared<Deferred>();
    r.deferred->resolve(Response(201, "text/plain", "già pronto"));
    r.deferred->resolve(Response(500, "text/plain", "ignorato"));  // exactly once
    return r;
  });
  server.start();
  RawClient c(server.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "già pronto");
  server.stop();
}

}  // namespace
}  // namespace au::web::test
