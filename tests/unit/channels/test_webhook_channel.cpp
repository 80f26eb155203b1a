// The webhook channel against tests/support/webhook-receiver.mjs, a receiver that records
// requests and answers with the status and delay it is told.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "channels/http_outcome.h"
#include "channels/webhook_channel.h"
#include "node_process.h"
#include "practices/webhooks.h"

namespace au::channels {
namespace {

using nlohmann::json;
using test::NodeProcess;

// base64url of the 32 bytes "segreto-di-prova-per-i-webhooks!"
constexpr const char* kSecret = "c2VncmV0by1kaS1wcm92YS1wZXItaS13ZWJob29rcyE";

class WebhookChannelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    receiver_ = std::make_unique<NodeProcess>(std::vector<std::string>{"tests/support/webhook-receiver.mjs"});
  }
  static void TearDownTestSuite() { receiver_.reset(); }

  void SetUp() override {
    ASSERT_EQ(receiver_->call("DELETE", "/__admin/requests").status, 204);
    behave(204);
  }

  static void behave(int status, int delay_ms = 0, int retry_after = 0) {
    json b = {{"status", status}, {"delay_ms", delay_ms}};
    if (retry_after > 0) b["retry_after"] = retry_after;
    ASSERT_EQ(receiver_->call("PUT", "/__admin/behaviour", b.dump()).status, 204);
  }
  static OutgoingNotification notification() {
    OutgoingNotification n;
    n.id = 99;
    n.channel = "webhook";
    n.address = receiver_->origin() + "/hook/impresa-01234567890";
    n.idempotency_key = "au-99-Qm3t";
    n.body = R"({"type":"pratica.accolta","pratica":"SUAPE-2026-123","testo":"La pratica è stata accolta"})";
    n.secret = kSecret;
    return n;
  }
  static json requests() { return receiver_->get_json("/__admin/requests"); }
  // The receiver listens on 127.0.0.1: these tests allow internal addresses, as the test suites do.
  static SendResult send(const OutgoingNotification& n, long timeout_ms = 5000) {
    return WebhookChannel(WebhookChannelSettings{timeout_ms, true}).send(n);
  }

  static std::unique_ptr<NodeProcess> receiver_;
};

std::unique_ptr<NodeProcess> WebhookChannelTest::receiver_;

TEST_F(WebhookChannelTest, ByDefaultAnInternalAddressIsNotContacted) {
  // The deployment's default: a URL typed by a person must not reach the hub's own network.
  for (const std::string& address : {receiver_->origin() + "/hook", std::string("http://localhost:9/hook")}) {
    OutgoingNotification n = notification();
    n.address = address;
    SendResult r = WebhookChannel(WebhookChannelSettings{5000}).send(n);
    EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure) << address;
    EXPECT_EQ(r.reason, "l'indirizzo del webhook porta a una rete interna: non viene contattato") << address;
  }
  EXPECT_TRUE(requests().empty()) << "nothing reached the receiver";
}

TEST_F(WebhookChannelTest, DeliversASignedRequestTheReceiverCanVerify) {
  OutgoingNotification n = notification();
  SendResult r = send(n);
  ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  json got = requests();
  ASSERT_EQ(got.size(), 1u);
  const json& req = got[0];
  EXPECT_EQ(req["method"], "POST");
  EXPECT_EQ(req["path"], "/hook/impresa-01234567890");
  EXPECT_EQ(req["body"], n.body);
  EXPECT_EQ(req["headers"]["content-type"], "application/json");
  EXPECT_EQ(req["headers"]["webhook-id"], n.idempotency_key);
  const std::string ts = req["headers"]["webhook-timestamp"];
  const std::string sig = req["headers"]["webhook-signature"];
  EXPECT_TRUE(practices::WebhookSigner::verify(kSecret, n.idempotency_key, ts, req["body"].get<std::string>(), sig,
                                               unix_now()));
  // Tampering with the body breaks it: the signature covers the bytes sent.
  EXPECT_FALSE(practices::WebhookSigner::verify(kSecret, n.idempotency_key, ts, n.body + " ", sig, unix_now()));
}

TEST_F(WebhookChannelTest, RetriesCarryTheSameWebhookId) {
  behave(500);
  EXPECT_EQ(send(notification()).outcome, SendOutcome::TemporaryFailure);
  behave(200);
  EXPECT_EQ(send(notification()).outcome, SendOutcome::Delivered);
  json got = requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["headers"]["webhook-id"], got[1]["headers"]["webhook-id"]);
}

TEST_F(WebhookChannelTest, ReceiverTooSlowIsTemporary) {
  behave(204, 30'000);  // answers long after the channel gave up
  SendResult r = send(notification(), 300);
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "il webhook non ha risposto entro il tempo massimo");
  EXPECT_EQ(requests().size(), 1u);  // it did arrive
}

struct StatusCase {
  int status;
  SendOutcome outcome;
};

TEST_F(WebhookChannelTest, StatusesMapToOutcomes) {
  for (auto [status, outcome] : {StatusCase{200, SendOutcome::Delivered}, StatusCase{202, SendOutcome::Delivered},
                                 StatusCase{500, SendOutcome::TemporaryFailure},
                                 StatusCase{502, SendOutcome::TemporaryFailure},
                                 StatusCase{408, SendOutcome::TemporaryFailure},
                                 StatusCase{400, SendOutcome::TemporaryFailure},
                                 StatusCase{401, SendOutcome::TemporaryFailure},
                                 StatusCase{302, SendOutcome::TemporaryFailure},
                                 StatusCase{404, SendOutcome::PermanentFailure},
                                 StatusCase{410, SendOutcome::PermanentFailure}}) {
    behave(status);
    SendResult r = send(notification());
    EXPECT_EQ(r.outcome, outcome) << status << ": " << r.reason;
    if (outcome != SendOutcome::Delivered) {
      EXPECT_NE(r.reason.find(std::to_string(status)), std::string::npos) << r.reason;
    }
  }
}

TEST_F(WebhookChannelTest, TooManyRequestsHonoursRetryAfter) {
  behave(429, 0, 120);
  SendResult r = send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.retry_after_seconds, 120);
}

TEST_F(WebhookChannelTest, InvalidSecretOrBodyIsATechnicalFailureWithoutAnyRequest) {
  OutgoingNotification n = notification();
  n.secret = "non base64url!";
  EXPECT_EQ(send(n).outcome, SendOutcome::TechnicalFailure);
  n.secret = "";
  EXPECT_EQ(send(n).outcome, SendOutcome::TechnicalFailure);
  n = notification();
  n.body = "pratica accolta";
  EXPECT_EQ(send(n).outcome, SendOutcome::TechnicalFailure);
  n = notification();
  n.idempotency_key = "";
  EXPECT_EQ(send(n).outcome, SendOutcome::TechnicalFailure);
  EXPECT_TRUE(requests().empty());
}

TEST_F(WebhookChannelTest, UnacceptableUrlIsAPermanentFailureWithoutAnyRequest) {
  for (const char* url : {"ftp://127.0.0.1/hook", "http://example.org/hook", "https://user:pw@example.org/", ""}) {
    OutgoingNotification n = notification();
    n.address = url;
    SendResult r = send(n);
    EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure) << url;
    if (*url) {
      EXPECT_EQ(r.reason.find(url), std::string::npos);
    }
  }
  EXPECT_TRUE(requests().empty());
}

TEST_F(WebhookChannelTest, UnreachableReceiverIsTemporary) {
  OutgoingNotification n = notification();
  n.address = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/hook";
  SendResult r = send(n);
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "il webhook non raggiungibile");
}

TEST(HttpOutcome, RetryAfterForms) {
  web::Headers h;
  EXPECT_EQ(retry_after_seconds(h, 1'000'000), 0);
  h["Retry-After"] = "45";
  EXPECT_EQ(retry_after_seconds(h, 1'000'000), 45);
  h["Retry-After"] = "99999999999999999999";
  EXPECT_EQ(retry_after_seconds(h, 1'000'000), 24 * 3600);
  h["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT";  // 1445412480
  EXPECT_EQ(retry_after_seconds(h, 1445412480 - 90), 90);
  EXPECT_EQ(retry_after_seconds(h, 1445412480 + 90), 0);
  h["Retry-After"] = "presto";
  EXPECT_EQ(retry_after_seconds(h, 1'000'000), 0);
}

TEST(HttpOutcome, ProviderWordsHideQuotedValues) {
  EXPECT_EQ(provider_words(R"(value "Mario \"Rossi\"" at root.subject)"), "value \"…\" at root.subject");
  EXPECT_EQ(provider_words("riga\nnuova"), "riga nuova");
  EXPECT_EQ(provider_words("abcdef", 4), "abc…");
  EXPECT_EQ(provider_words("àèìò", 4), "àèìò");
}

}  // namespace
}  // namespace au::channels
