// Runs the real accesso-unico binary for HTTP integration tests: imports the bundled data
// into a fresh database (SQLite in a temporary directory, or the PostgreSQL database named by
// AU_TEST_DATABASE_URL), starts `serve` on a free loopback port and stops it at the end.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace au::test {

struct HttpResult {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

struct RequestOptions {
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  bool gzip = false;
};

// Runs a command (argv[0] = the program), returns its exit status; stdout and stderr in output.
int run_and_capture(const std::vector<std::string>& argv, std::string& output);

class Server {
 public:
  static Server& instance();  // started once for the whole test binary
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  HttpResult get(const std::string& path, const RequestOptions& opt = {}) const;
  HttpResult request(const std::string& path, const RequestOptions& opt) const;
  // Raw bytes over a socket, for requests libcurl refuses to send (bad UTF-8, garbage).
  std::string raw(const std::string& bytes) const;
  const std::string& database_url() const { return db_url_; }
  // Runs the binary with arguments against the test database; returns exit code and output.
  int run_cli(const std::vector<std::string>& args, std::string& output) const;
  void stop();
  int stop_and_wait_exit_code();  // SIGTERM, returns the exit status

 private:
  Server();
  ~Server();
  int pid_ = -1;
  int port_ = 0;
  std::string dir_, db_url_;
};

}  // namespace au::test
