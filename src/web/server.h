// The HTTP/1.1 server: Boost.Beast on Asio, one thread per core, keep-alive.
//
// Contract: Server owns the listening socket and the worker threads. For each fully-read
// request it calls the Handler (on a worker thread, possibly concurrently) and writes the
// Response. Protocol limits are enforced here, before the Handler runs, with plain answers:
// 431 header too large, 414 URI too long, 413 body too large, 408 slow client, 400 malformed.
// stop() stops accepting, lets in-flight requests finish (up to a grace period) and returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "web/http.h"

namespace au::web {

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;  // whole header section, request line included
  std::size_t max_uri_bytes = 4 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds read_timeout{15};     // a request must arrive whole within this
  std::chrono::seconds idle_timeout{60};     // keep-alive idle connection
  std::size_t max_requests_per_connection = 100000;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = pick a free port (see Server::port())
  unsigned threads = 0;        // 0 = one per core
  ServerLimits limits;
  // Added to every response, including the server's own error answers (security headers).
  Headers default_headers;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the worker threads; throws std::runtime_error if it cannot bind.
  void start();
  unsigned short port() const;
  // Blocks until stop() is called from another thread or a signal handler thread.
  void wait();
  // Graceful: stop accepting, finish in-flight requests, then join the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace au::web
