#include "server_fixture.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace au::test {

namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

size_t on_body(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}
size_t on_header(char* p, size_t s, size_t n, void* ud) {
  std::string line(p, s * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(ud))[name] = value;
  }
  return s * n;
}

}  // namespace

int run_and_capture(const std::vector<std::string>& argv, std::string& output) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = read(pipefd[0], buf.data(), buf.size())) > 0) output.append(buf.data(), static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Server& Server::instance() {
  static Server server;
  return server;
}

Server::Server() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  dir_ = std::filesystem::temp_directory_path() / ("au-http-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir_);
  const char* pg = std::getenv("AU_TEST_DATABASE_URL");
  db_url_ = pg && *pg ? pg : "sqlite:" + dir_ + "/test.db";
  setenv("AU_SEARCH_INDEX", (dir_ + "/index").c_str(), 1);
  setenv("AU_SHARE_DIR", AU_SOURCE_DIR, 1);
  std::string out;
  int rc = run_cli({"import", std::string(AU_SOURCE_DIR) + "/data"}, out);
  if (rc != 0) throw std::runtime_error("import fallito: " + out);
  port_ = free_port();
  pid_ = fork();
  if (pid_ == 0) {
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::string log = dir_ + "/server.log";
    FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    execl(AU_BINARY, AU_BINARY, "--database", db_url_.c_str(), "--listen", listen.c_str(), "serve", nullptr);
    _exit(127);
  }
  // Wait until /status answers (the server imports nothing, so this is start-up time only).
  for (int i = 0; i < 300; ++i) {
    if (get("/status").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("il server non risponde su " + base());
}

Server::~Server() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Server::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

int Server::stop_and_wait_exit_code() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Server::run_cli(const std::vector<std::string>& args, std::string& output) const {
  std::vector<std::string> argv = {AU_BINARY, "--database", db_url_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_and_capture(argv, output);
}

HttpResult Server::get(const std::string& path, const RequestOptions& opt) const { return request(path, opt); }

HttpResult Server::request(const std::string& path, const RequestOptions& opt) const {
  HttpResult r;
  CURL* c = curl_easy_init();
  std::string url = base() + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, opt.method.c_str());
  if (opt.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!opt.body.empty() || opt.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, opt.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(opt.body.size()));
  }
  curl_slist* hs = nullptr;
  for (const auto& h : opt.headers) hs = curl_slist_append(hs, h.c_str());
  if (hs) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
  if (opt.gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(c);
  return r;
}

std::string Server::raw(const std::string& bytes) const {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port_));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return {};
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!write(fd, bytes.data(), bytes.size());
  shutdown(fd, SHUT_WR);
  std::string out;
  std::array<char, 8192> buf;
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<size_t>(n));
  close(fd);
  return out;
}

namespace {
// Stops the shared server after the last test and checks the graceful shutdown: SIGTERM must
// end `serve` with exit code 0 after in-flight requests.
class ServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { EXPECT_EQ(Server::instance().stop_and_wait_exit_code(), 0) << "serve non si è chiuso in modo ordinato"; }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ServerEnvironment);
}  // namespace

}  // namespace au::test
