// Test support: runs one of the project's Node stand-ins (tools/io-fake, tools/sms-gateway,
// tests/support/webhook-receiver.mjs) as a child process and talks to its /__admin endpoints.
//
// Contract: the constructor runs `node <args...>` (node found on PATH) with the working
// directory AU_SOURCE_DIR, waits up to 20 s for the one JSON line {"port": N} the script prints
// when it listens, and throws std::runtime_error if it does not come. The child's stderr is
// the test's stderr. The destructor sends SIGTERM and reaps the child (SIGKILL after 5 s); the
// child also gets SIGKILL if the test process dies first (PR_SET_PDEATHSIG).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "web/http_client.h"

namespace au::test {

class NodeProcess {
 public:
  explicit NodeProcess(std::vector<std::string> args) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
      dup2(out[1], STDOUT_FILENO);
      if (chdir(AU_SOURCE_DIR) != 0) _exit(127);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>("node"));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("node", argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    std::string line = read_line(std::chrono::seconds(20));
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("port") || !j["port"].is_number_integer()) {
      stop();
      throw std::runtime_error("node " + (args.empty() ? std::string() : args[0]) + " did not start: '" + line + "'");
    }
    port_ = j["port"].get<int>();
  }
  ~NodeProcess() { stop(); }
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // One request to the child, for its /__admin endpoints (and reading IO back like a client).
  web::OutboundResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                             std::vector<std::pair<std::string, std::string>> headers = {}) const {
    web::OutboundRequest req;
    req.method = method;
    req.url = origin() + path;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    req.timeout_ms = 5000;
    req.max_body_bytes = 16 << 20;
    return web::http_send(req);
  }
  nlohmann::json get_json(const std::string& path) const {
    auto r = call("GET", path);
    if (r.status != 200) throw std::runtime_error("GET " + path + " -> " + std::to_string(r.status) + " " + r.error);
    return nlohmann::json::parse(r.body);
  }

 private:
  std::string read_line(std::chrono::milliseconds limit) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[512];
      ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        usleep(10'000);  // polling the child's exit, not timing an assertion
      }
      pid_ = -1;
    }
    if (stdout_ >= 0) {
      close(stdout_);
      stdout_ = -1;
    }
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  int port_ = 0;
};

// A loopback port with nothing listening (bound then released), for "unreachable" tests.
inline int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("closed_port");
  close(fd);  // bound but never listened: connecting is refused
  return ntohs(addr.sin_port);
}

}  // namespace au::test
