// The App IO channel against tools/io-fake/io-fake.mjs, which enforces IO's published rules.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "channels/io_channel.h"
#include "domain/io_message.h"
#include "node_process.h"

namespace au::channels {
namespace {

using nlohmann::json;
using test::NodeProcess;

constexpr const char* kKey = "chiave-di-prova-io";
constexpr const char* kAllowed = "RSSMRA85C52G478I";
constexpr const char* kOptedOut = "VRDGPP80A01H501X";
constexpr const char* kNotOnIo = "BNCLRA90E41A944K";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class IoChannelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = std::make_unique<NodeProcess>(std::vector<std::string>{"tools/io-fake/io-fake.mjs", "--key", kKey}); }
  static void TearDownTestSuite() { fake_.reset(); }

  void SetUp() override {
    ASSERT_EQ(fake_->call("DELETE", "/__admin/messages").status, 204);
    ASSERT_EQ(fake_->call("DELETE", "/__admin/calls").status, 204);
    ASSERT_EQ(fake_->call("DELETE", "/__admin/faults").status, 204);
    ASSERT_EQ(fake_->call("PUT", std::string("/__admin/profiles/") + kAllowed, R"({"sender_allowed": true})").status, 204);
    ASSERT_EQ(fake_->call("PUT", std::string("/__admin/profiles/") + kOptedOut, R"({"sender_allowed": false})").status, 204);
    ASSERT_EQ(fake_->call("DELETE", std::string("/__admin/profiles/") + kNotOnIo).status, 204);
  }

  static IoSettings settings(std::string key = kKey) { return {fake_->origin() + "/api/v1", std::move(key), 5000}; }
  static OutgoingNotification notification(std::string cf = kAllowed) {
    OutgoingNotification n;
    n.id = 7;
    n.channel = "io";
    n.address = std::move(cf);
    n.idempotency_key = "au-7-abc";
    n.subject = "La tua pratica è stata accolta";
    n.body = "Gentile cittadina, la pratica **SUAPE 2026/123** è stata accolta dal Comune di Perugia. "
             "Trovi i documenti nell'area personale.";
    return n;
  }
  static json messages() { return fake_->get_json("/__admin/messages"); }
  static json calls() { return fake_->get_json("/__admin/calls"); }
  static void fault(int status, int count, int retry_after = 0, const std::string& detail = "") {
    json f = {{"status", status}, {"count", count}};
    if (retry_after > 0) f["retry_after"] = retry_after;
    if (!detail.empty()) f["detail"] = detail;
    ASSERT_EQ(fake_->call("POST", "/__admin/faults", f.dump()).status, 204);
  }

  static std::unique_ptr<NodeProcess> fake_;
};

std::unique_ptr<NodeProcess> IoChannelTest::fake_;

TEST_F(IoChannelTest, DeliversAndTheMessageReadsBackExactly) {
  IoChannel channel(settings());
  OutgoingNotification n = notification();
  n.due_date = "2026-12-31T23:59:00Z";
  SendResult r = channel.send(n);
  ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  EXPECT_TRUE(r.reason.empty());
  ASSERT_FALSE(r.provider_ref.empty());

  json stored = messages();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["id"], r.provider_ref);
  EXPECT_EQ(stored[0]["fiscal_code"], kAllowed);
  EXPECT_EQ(stored[0]["content"], (json{{"subject", n.subject}, {"markdown", n.body}, {"due_date", n.due_date}}));

  // The profile check came first, as the spec requires; the fiscal code never was in a URL.
  json c = calls();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]["path"], "/api/v1/profiles");
  EXPECT_EQ(c[1]["path"], "/api/v1/messages");
  EXPECT_EQ(c[1]["status"], 201);

  // And IO's own getMessage returns it.
  auto got = fake_->call("GET", std::string("/api/v1/messages/") + kAllowed + "/" + r.provider_ref, "",
                         {{"Ocp-Apim-Subscription-Key", kKey}});
  ASSERT_EQ(got.status, 200);
  json m = json::parse(got.body)["message"];
  EXPECT_EQ(m["content"]["subject"], n.subject);
  EXPECT_EQ(m["content"]["markdown"], n.body);
  EXPECT_EQ(m["content"]["due_date"], n.due_date);
}

TEST_F(IoChannelTest, NoDueDateMeansNoDueDateField) {
  IoChannel channel(settings());
  SendResult r = channel.send(notification());
  ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  json stored = messages();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_FALSE(stored[0]["content"].contains("due_date"));
}

TEST_F(IoChannelTest, CitizenNotOnIoIsAPermanentFailureAndNothingIsSent) {
  SendResult r = IoChannel(settings()).send(notification(kNotOnIo));
  EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure);
  EXPECT_EQ(r.reason, "il destinatario non usa App IO");
  EXPECT_TRUE(messages().empty());
  EXPECT_EQ(calls().size(), 1u);  // the profile check only
}

TEST_F(IoChannelTest, SenderNotAllowedIsAPermanentFailureAndNothingIsSent) {
  SendResult r = IoChannel(settings()).send(notification(kOptedOut));
  EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure);
  EXPECT_EQ(r.reason, "il destinatario ha disattivato i messaggi di questo servizio su App IO");
  EXPECT_TRUE(messages().empty());
  EXPECT_EQ(calls().size(), 1u);
}

TEST_F(IoChannelTest, RateLimitIsTemporaryWithRetryAfterThenDelivers) {
  fault(429, 2, 7);
  IoChannel channel(settings());
  for (int i = 0; i < 2; ++i) {
    SendResult r = channel.send(notification());
    EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
    EXPECT_EQ(r.retry_after_seconds, 7);
    EXPECT_NE(r.reason.find("429"), std::string::npos) << r.reason;
  }
  EXPECT_TRUE(messages().empty());
  SendResult r = channel.send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  EXPECT_EQ(messages().size(), 1u);
}

TEST_F(IoChannelTest, ServerErrorIsTemporaryThenDelivers) {
  fault(500, 1);
  IoChannel channel(settings());
  SendResult r = channel.send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.retry_after_seconds, 0);
  EXPECT_EQ(r.reason, "App IO non disponibile (500)");
  EXPECT_EQ(channel.send(notification()).outcome, SendOutcome::Delivered);
  EXPECT_EQ(messages().size(), 1u);
}

TEST_F(IoChannelTest, WrongKeyIsATechnicalFailure) {
  SendResult r = IoChannel(settings("chiave-sbagliata")).send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason, "chiave del servizio App IO non valida");
  EXPECT_TRUE(messages().empty());
}

TEST_F(IoChannelTest, BadRequestKeepsIoDetailButNotTheValuesItEchoes) {
  fault(400, 1, 0,
        "value \"Gentile Mario Rossi, la tua pratica\" at root.content.subject is not a valid [string of length "
        ">= 10 and <= 120] " + repeat("x", 300));
  SendResult r = IoChannel(settings()).send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_NE(r.reason.find("(400)"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("at root.content.subject is not a valid"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("Mario Rossi"), std::string::npos) << r.reason;
  const std::string words = r.reason.substr(r.reason.find(": ") + 2);
  EXPECT_EQ(domain::utf8_length(words), 200u);
}

struct ContentCase {
  int subject_chars, markdown_chars;
};

TEST_F(IoChannelTest, ContentOutsideIoLimitsIsATechnicalFailureWithoutAnyCall) {
  for (auto [subject, markdown] : {ContentCase{10, 79}, ContentCase{10, 10'001}, ContentCase{9, 80}, ContentCase{121, 80}}) {
    OutgoingNotification n = notification();
    n.subject = repeat("è", subject);  // two bytes each: lengths are code points
    n.body = repeat("à", markdown);
    SendResult r = IoChannel(settings()).send(n);
    EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure) << subject << "/" << markdown;
    EXPECT_EQ(r.reason, domain::io_content_problem(n.subject, n.body));
    EXPECT_FALSE(r.reason.empty());
  }
  EXPECT_TRUE(calls().empty());
  EXPECT_TRUE(messages().empty());
}

TEST_F(IoChannelTest, ContentAtIoLimitsIsDelivered) {
  int delivered = 0;
  for (auto [subject, markdown] : {ContentCase{10, 80}, ContentCase{120, 10'000}}) {
    OutgoingNotification n = notification();
    n.subject = repeat("è", subject);
    n.body = repeat("à", markdown);
    SendResult r = IoChannel(settings()).send(n);
    EXPECT_EQ(r.outcome, SendOutcome::Delivered) << subject << "/" << markdown << ": " << r.reason;
    delivered += r.outcome == SendOutcome::Delivered;
  }
  json stored = messages();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1]["content"]["markdown"], repeat("à", 10'000));
  EXPECT_EQ(delivered, 2);
}

// The fake refuses exactly what the channel refuses: the two limits are the same.
TEST_F(IoChannelTest, FakeEnforcesTheSameLimits) {
  auto post = [](int subject, int markdown) {
    json body = {{"fiscal_code", kAllowed},
                 {"content", {{"subject", repeat("è", subject)}, {"markdown", repeat("à", markdown)}}}};
    return fake_->call("POST", "/api/v1/messages", body.dump(), {{"Ocp-Apim-Subscription-Key", kKey}});
  };
  for (auto [s, m] : {ContentCase{10, 79}, ContentCase{10, 10'001}, ContentCase{9, 80}, ContentCase{121, 80}}) {
    auto r = post(s, m);
    EXPECT_EQ(r.status, 400) << s << "/" << m;
    EXPECT_EQ(json::parse(r.body)["status"], 400);
    EXPECT_EQ(r.headers["Content-Type"], "application/problem+json");
  }
  for (auto [s, m] : {ContentCase{10, 80}, ContentCase{120, 10'000}}) EXPECT_EQ(post(s, m).status, 201) << s << "/" << m;
  EXPECT_EQ(messages().size(), 2u);
}

TEST_F(IoChannelTest, MalformedFiscalCodeIsAPermanentFailureWithoutAnyCall) {
  for (const char* cf : {"rssmra85c52g478i", "RSSMRA85C52G478", "RSSMRA85C52G478IX", "RSSMRA85Z52G478I", "1SSMRA85C52G478I", ""}) {
    SendResult r = IoChannel(settings()).send(notification(cf));
    EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure) << cf;
    EXPECT_FALSE(r.reason.empty());
    if (*cf) {
      EXPECT_EQ(r.reason.find(cf), std::string::npos);
    }
  }
  EXPECT_EQ(io_fiscal_code_problem("RSSMRA85C52G478I"), "");
  EXPECT_EQ(io_fiscal_code_problem("RSSMRALMCPNGQRSI"), "");  // omocodia letters in every digit place
  EXPECT_TRUE(calls().empty());
}

TEST_F(IoChannelTest, MalformedDueDateIsATechnicalFailureWithoutAnyCall) {
  for (const char* d : {"31/12/2026", "2026-12-31", "2026-13-01T00:00:00Z", "2026-12-31T10:00:00+01:00"}) {
    OutgoingNotification n = notification();
    n.due_date = d;
    EXPECT_EQ(IoChannel(settings()).send(n).outcome, SendOutcome::TechnicalFailure) << d;
  }
  EXPECT_TRUE(calls().empty());
  OutgoingNotification n = notification();
  n.due_date = "2026-12-31T23:59:00.000Z";  // IO's own example format
  EXPECT_EQ(IoChannel(settings()).send(n).outcome, SendOutcome::Delivered);
}

TEST_F(IoChannelTest, UnreachableIoIsTemporary) {
  IoSettings s{"http://127.0.0.1:" + std::to_string(test::closed_port()) + "/api/v1", kKey, 2000};
  SendResult r = IoChannel(s).send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "App IO non raggiungibile");
}

TEST_F(IoChannelTest, FactoryNeedsBaseUrlAndKey) {
  EXPECT_EQ(io_channel_factory({})(), nullptr);
  EXPECT_EQ(io_channel_factory({"http://127.0.0.1:1/api/v1", "", 1000})(), nullptr);
  auto channel = io_channel_factory(settings())();
  ASSERT_NE(channel, nullptr);
  EXPECT_EQ(channel->send(notification()).outcome, SendOutcome::Delivered);
}

}  // namespace
}  // namespace au::channels
