// The email channel against a real SMTP server: tests/support/smtp-sink.mjs (npm smtp-server),
// run as a child process and read back through its admin API. Covers delivery (envelope,
// headers, both parts, dot-stuffing by curl), connection reuse, every outcome class, recovery
// of the same channel object after the server restarts, and STARTTLS with certificate checks.
#include "channels/smtp_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "web/http_client.h"

namespace au::channels {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kFrom = "notifiche@umbriasemplice.example.it";

// One smtp-sink process; killed (SIGKILL, like a crash) when destroyed.
class Sink {
 public:
  explicit Sink(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      // cwd = repository root so that node resolves node_modules.
      if (chdir(AU_SOURCE_DIR) != 0) _exit(126);
      std::vector<std::string> argv_s{"node", "tests/support/smtp-sink.mjs"};
      argv_s.insert(argv_s.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("node", argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    try {
      json ready = json::parse(read_line(20000));
      smtp_port = ready.at("smtp").get<int>();
      admin_port = ready.at("admin").get<int>();
    } catch (...) {
      stop();  // a constructor that throws gets no destructor
      throw;
    }
  }
  ~Sink() { stop(); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  json request(const std::string& method, const std::string& path, const json& body = nullptr) const {
    web::OutboundRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(admin_port) + path;
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.push_back({"Content-Type", "application/json"});
    }
    auto res = web::http_send(req);
    if (res.status != 200) throw std::runtime_error("sink admin " + path + ": " + std::to_string(res.status) + " " + res.error);
    return json::parse(res.body);
  }
  json messages() const { return request("GET", "/messages"); }
  json stats() const { return request("GET", "/stats"); }

  int smtp_port = 0;
  int admin_port = 0;

 private:
  std::string read_line(int timeout_ms) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
        throw std::runtime_error("smtp-sink did not start in time");
      char buf[256];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("smtp-sink exited before it was ready (is node on PATH?)");
      line.append(buf, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  pid_t pid_ = -1;
  int out_ = -1;
};

// A loopback port nobody listens on (bound, read, released).
int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

OutgoingNotification notification(const std::string& to, int n = 1) {
  OutgoingNotification o;
  o.id = n;
  o.channel = "email";
  o.address = to;
  o.idempotency_key = "au-" + std::to_string(n) + "-k7Qx_Z";
  o.subject = "La tua pratica è stata protocollata — Città di Castello";
  o.body = "Gentile Mario,\nla pratica n. 2026/15 è stata protocollata.\n.\n..x\nFrom Perugia, 16,00 €\n";
  o.html = "<!doctype html><html lang=\"it\"><body><p>Gentile Mario, pratica <b>protocollata</b>.</p></body></html>";
  o.unsubscribe_url = "https://accesso.example.it/avvisi/disiscrizione?t=tok123";
  return o;
}

class SmtpChannelTest : public ::testing::Test {
 protected:
  void SetUp() override { sink = std::make_unique<Sink>(std::vector<std::string>{}); }

  SmtpSettings settings() const {
    SmtpSettings s;
    s.url = "smtp://127.0.0.1:" + std::to_string(sink->smtp_port);
    s.from_address = kFrom;
    s.from_name = "Comune di Città di Castello";
    return s;
  }

  std::unique_ptr<Sink> sink;
};

TEST_F(SmtpChannelTest, DeliversWithEnvelopeHeadersAndBothParts) {
  SmtpChannel channel(settings());
  auto n = notification("mario.rossi@example.it", 42);
  SendResult r = channel.send(n);
  ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.provider_ref, "<au-42-k7Qx_Z@umbriasemplice.example.it>");

  json msgs = sink->messages();
  ASSERT_EQ(msgs.size(), 1u);
  const json& m = msgs[0];
  EXPECT_EQ(m["envelope"]["from"], kFrom);
  EXPECT_EQ(m["envelope"]["to"], json::array({"mario.rossi@example.it"}));
  EXPECT_EQ(m["subject"], n.subject);
  EXPECT_EQ(m["messageId"], r.provider_ref);
  EXPECT_EQ(m["from"][0]["name"], "Comune di Città di Castello");
  EXPECT_EQ(m["from"][0]["address"], kFrom);
  EXPECT_EQ(m["to"][0]["address"], "mario.rossi@example.it");
  EXPECT_EQ(m["headers"]["list-unsubscribe"], "<https://accesso.example.it/avvisi/disiscrizione?t=tok123>");
  EXPECT_EQ(m["headers"]["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
  EXPECT_EQ(m["headers"]["auto-submitted"], "auto-generated");
  EXPECT_EQ(m["headers"]["mime-version"], "1.0");
  EXPECT_NE(m["headers"]["date"].get<std::string>().find("+0000"), std::string::npos);
  // The lines "." and "..x" arrive intact only because curl dot-stuffs the upload.
  EXPECT_EQ(m["text"], n.body);
  EXPECT_EQ(m["html"], n.html);
  std::string raw = m["raw"];
  EXPECT_LT(raw.find("Content-Type: text/plain"), raw.find("Content-Type: text/html"));
  EXPECT_FALSE(m["secure"].get<bool>()) << "the sink offers no STARTTLS here";
  EXPECT_TRUE(m["user"].is_null()) << "no credentials configured, no AUTH";
}

TEST_F(SmtpChannelTest, TwentySendsShareOneConnection) {
  SmtpChannel channel(settings());
  for (int i = 1; i <= 20; ++i) {
    SendResult r = channel.send(notification("utente" + std::to_string(i) + "@example.it", i));
    ASSERT_EQ(r.outcome, SendOutcome::Delivered) << i << ": " << r.reason;
  }
  json stats = sink->stats();
  EXPECT_EQ(stats["messages"], 20);
  EXPECT_EQ(stats["connections"], 1);
  json msgs = sink->messages();
  ASSERT_EQ(msgs.size(), 20u);
  EXPECT_EQ(msgs[19]["envelope"]["to"][0], "utente20@example.it");
  EXPECT_EQ(msgs[19]["messageId"], "<au-20-k7Qx_Z@umbriasemplice.example.it>");
}

TEST_F(SmtpChannelTest, RefusedRecipientIsPermanentAndTheNextSendStillWorks) {
  sink->request("POST", "/reject", {{"addresses", {"non.esiste@example.it"}}});
  SmtpChannel channel(settings());
  SendResult r = channel.send(notification("non.esiste@example.it"));
  EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure);
  EXPECT_EQ(r.reason, "indirizzo email inesistente o che rifiuta i messaggi (SMTP 550)");
  EXPECT_EQ(r.reason.find("non.esiste"), std::string::npos);
  EXPECT_EQ(r.provider_ref, "");

  SendResult next = channel.send(notification("esiste@example.it", 2));
  EXPECT_EQ(next.outcome, SendOutcome::Delivered) << next.reason;
  json msgs = sink->messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["envelope"]["to"][0], "esiste@example.it");
}

TEST_F(SmtpChannelTest, TemporaryRefusalIsTemporary) {
  sink->request("POST", "/tempfail", {{"count", 1}});
  SmtpChannel channel(settings());
  SendResult r = channel.send(notification("mario@example.it"));
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_NE(r.reason.find("SMTP 451"), std::string::npos) << r.reason;
  EXPECT_EQ(sink->stats()["messages"], 0);
  // The retry goes through: the sink only deferred one recipient.
  EXPECT_EQ(channel.send(notification("mario@example.it")).outcome, SendOutcome::Delivered);
  EXPECT_EQ(sink->stats()["messages"], 1);
}

TEST_F(SmtpChannelTest, ServerDownIsTemporaryAndTheSameChannelRecoversAfterRestart) {
  SmtpChannel channel(settings());
  ASSERT_EQ(channel.send(notification("mario@example.it", 1)).outcome, SendOutcome::Delivered);
  int port = sink->smtp_port;
  sink.reset();  // killed: the open connection dies with it, the port refuses connections

  SendResult down = channel.send(notification("mario@example.it", 2));
  EXPECT_EQ(down.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(down.reason, "server di posta non raggiungibile o connessione interrotta");

  sink = std::make_unique<Sink>(std::vector<std::string>{"--port", std::to_string(port)});
  ASSERT_EQ(sink->smtp_port, port);
  SendResult up = channel.send(notification("mario@example.it", 3));
  EXPECT_EQ(up.outcome, SendOutcome::Delivered) << up.reason;
  json msgs = sink->messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["messageId"], "<au-3-k7Qx_Z@umbriasemplice.example.it>");
}

TEST_F(SmtpChannelTest, NothingListeningIsTemporaryWithoutWaitingForTheTimeout) {
  SmtpSettings s = settings();
  s.url = "smtp://127.0.0.1:" + std::to_string(free_port());
  s.timeout_ms = 20000;
  SmtpChannel channel(s);
  auto start = std::chrono::steady_clock::now();
  SendResult r = channel.send(notification("mario@example.it"));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  // A refused connection is known at once; only a stall would run into the 20 s timeout.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(SmtpChannelTest, ServerThatNeverGreetsTimesOutAsTemporary) {
  // A listening socket nobody accepts from: the kernel completes the TCP handshake, no
  // greeting ever comes.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(s, 4), 0);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  SmtpSettings st = settings();
  st.url = "smtp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  st.timeout_ms = 300;
  SmtpChannel channel(st);
  SendResult r = channel.send(notification("mario@example.it"));
  close(s);
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "server di posta non raggiungibile o connessione interrotta");
}

TEST_F(SmtpChannelTest, MalformedRecipientIsPermanentWithoutContactingTheServer) {
  SmtpChannel channel(settings());
  for (const std::string bad : {"mario.rossi", "mario@example.it>\r\nRCPT TO:<x@y.it", "ma rio@example.it", ""}) {
    SendResult r = channel.send(notification(bad));
    EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure) << bad;
    EXPECT_EQ(r.reason, "indirizzo email non valido");
  }
  EXPECT_EQ(sink->stats()["connections"], 0);
}

TEST_F(SmtpChannelTest, UnrenderableNotificationIsTechnical) {
  SmtpChannel channel(settings());
  auto n = notification("mario@example.it");
  n.subject = "Oggetto\r\nBcc: spia@example.it";
  SendResult r = channel.send(n);
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason.find("spia"), std::string::npos);
  n = notification("mario@example.it");
  n.idempotency_key = "";
  EXPECT_EQ(channel.send(n).outcome, SendOutcome::TechnicalFailure);
  n = notification("mario@example.it");
  n.unsubscribe_url = "javascript:alert(1)";
  EXPECT_EQ(channel.send(n).outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(sink->stats()["messages"], 0);
  // Nothing of it poisoned the channel.
  EXPECT_EQ(channel.send(notification("mario@example.it")).outcome, SendOutcome::Delivered);
}

TEST_F(SmtpChannelTest, AuthenticatesWhenCredentialsAreSet) {
  SmtpSettings s = settings();
  s.username = "portale";
  s.password = "s3greto:/+ &";
  SmtpChannel channel(s);
  ASSERT_EQ(channel.send(notification("mario@example.it")).outcome, SendOutcome::Delivered);
  EXPECT_EQ(sink->messages()[0]["user"], "portale");
}

TEST_F(SmtpChannelTest, RequiredTlsWithoutStartTlsIsTechnical) {
  SmtpSettings s = settings();
  s.require_tls = true;
  SmtpChannel channel(s);
  SendResult r = channel.send(notification("mario@example.it"));
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason, "il server di posta non offre la connessione cifrata (STARTTLS) richiesta dalla configurazione");
  EXPECT_EQ(sink->stats()["messages"], 0);
}

TEST(SmtpChannelFactory, NullWhenNotConfigured) {
  EXPECT_EQ(smtp_channel_factory(SmtpSettings{})(), nullptr);
  SmtpSettings no_from;
  no_from.url = "smtp://127.0.0.1:25";
  EXPECT_EQ(smtp_channel_factory(no_from)(), nullptr);
  SmtpSettings ok = no_from;
  ok.from_address = kFrom;
  auto factory = smtp_channel_factory(ok);
  auto a = factory(), b = factory();
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_NE(a.get(), b.get()) << "one channel per calling thread";
}

// STARTTLS against a sink with a self-signed certificate made here with the openssl CLI.
class SmtpChannelTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/au-smtp-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    cert_dir = tmpl;
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                      " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
                      " -keyout " + (cert_dir / "key.pem").string() + " -out " + (cert_dir / "cert.pem").string() +
                      " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl CLI failed";
  }
  static void TearDownTestSuite() { fs::remove_all(cert_dir); }
  void SetUp() override { sink = std::make_unique<Sink>(std::vector<std::string>{"--starttls", cert_dir.string()}); }

  SmtpSettings settings() const {
    SmtpSettings s;
    s.url = "smtp://127.0.0.1:" + std::to_string(sink->smtp_port);
    s.from_address = kFrom;
    return s;
  }

  static inline fs::path cert_dir;
  std::unique_ptr<Sink> sink;
};

TEST_F(SmtpChannelTlsTest, RequiredStartTlsWithTheServerCaDelivers) {
  SmtpSettings s = settings();
  s.ca_file = (cert_dir / "cert.pem").string();
  s.require_tls = true;
  s.username = "portale";
  s.password = "segreto";
  SmtpChannel channel(s);
  for (int i = 1; i <= 3; ++i) {
    SendResult r = channel.send(notification("mario@example.it", i));
    ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  }
  json msgs = sink->messages();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_TRUE(msgs[0]["secure"].get<bool>()) << "the message must have travelled over TLS";
  EXPECT_EQ(msgs[0]["user"], "portale");
  EXPECT_EQ(msgs[2]["subject"], notification("x@example.it").subject);
  EXPECT_EQ(sink->stats()["connections"], 1) << "the TLS connection is reused too";
}

TEST_F(SmtpChannelTlsTest, OfferedStartTlsIsUsedEvenWhenNotRequired) {
  SmtpSettings s = settings();
  s.ca_file = (cert_dir / "cert.pem").string();
  SmtpChannel channel(s);
  ASSERT_EQ(channel.send(notification("mario@example.it")).outcome, SendOutcome::Delivered);
  EXPECT_TRUE(sink->messages()[0]["secure"].get<bool>());
}

TEST_F(SmtpChannelTlsTest, UntrustedCertificateIsTechnicalNotAPlaintextFallback) {
  SmtpSettings s = settings();  // no ca_file: the self-signed certificate is not trusted
  SmtpChannel channel(s);
  SendResult r = channel.send(notification("mario@example.it"));
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason, "connessione cifrata con il server di posta non riuscita (certificato o TLS)");
  EXPECT_EQ(sink->stats()["messages"], 0);
}

}  // namespace
}  // namespace au::channels
