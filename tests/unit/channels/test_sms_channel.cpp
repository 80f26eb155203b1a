// The SMS channel against tools/sms-gateway/sms-gateway.mjs, and the segment arithmetic.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "channels/sms_channel.h"
#include "node_process.h"

namespace au::channels {
namespace {

using nlohmann::json;
using test::NodeProcess;

constexpr const char* kToken = "token-di-prova-sms";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class SmsChannelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = std::make_unique<NodeProcess>(std::vector<std::string>{"tools/sms-gateway/sms-gateway.mjs", "--token", kToken});
  }
  static void TearDownTestSuite() { gateway_.reset(); }

  void SetUp() override {
    ASSERT_EQ(gateway_->call("DELETE", "/__admin/messages").status, 204);
    ASSERT_EQ(gateway_->call("DELETE", "/__admin/calls").status, 204);
    ASSERT_EQ(gateway_->call("DELETE", "/__admin/faults").status, 204);
  }

  static SmsSettings settings(std::string token = kToken) {
    SmsSettings s;
    s.url = gateway_->origin() + "/v1/sms";
    s.token = std::move(token);
    s.timeout_ms = 5000;
    return s;
  }
  static OutgoingNotification notification(std::string number = "+393331234567") {
    OutgoingNotification n;
    n.id = 42;
    n.channel = "sms";
    n.address = std::move(number);
    n.idempotency_key = "au-42-x7Kp";
    n.body = "Comune di Perugia: la tua pratica è stata accolta. Dettagli nell'area personale.";
    return n;
  }
  static json messages() { return gateway_->get_json("/__admin/messages"); }
  static json calls() { return gateway_->get_json("/__admin/calls"); }

  static std::unique_ptr<NodeProcess> gateway_;
};

std::unique_ptr<NodeProcess> SmsChannelTest::gateway_;

TEST_F(SmsChannelTest, DeliversWhatWasWritten) {
  OutgoingNotification n = notification();
  SendResult r = SmsChannel(settings()).send(n);
  ASSERT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  json stored = messages();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["id"], r.provider_ref);
  EXPECT_EQ(stored[0]["to"], n.address);
  EXPECT_EQ(stored[0]["from"], "Umbria");
  EXPECT_EQ(stored[0]["text"], n.body);
  EXPECT_EQ(stored[0]["reference"], n.idempotency_key);
  EXPECT_EQ(stored[0]["idempotency_key"], n.idempotency_key);
}

TEST_F(SmsChannelTest, ARetryWithTheSameKeySendsOneSms) {
  SmsChannel channel(settings());
  SendResult first = channel.send(notification());
  SendResult again = channel.send(notification());
  ASSERT_EQ(first.outcome, SendOutcome::Delivered) << first.reason;
  ASSERT_EQ(again.outcome, SendOutcome::Delivered) << again.reason;
  EXPECT_EQ(again.provider_ref, first.provider_ref);
  EXPECT_EQ(messages().size(), 1u);
  json c = calls();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]["status"], 201);
  EXPECT_EQ(c[1]["status"], 200);  // the replayed first answer
}

TEST_F(SmsChannelTest, NumberTheGatewayRefusesIsAPermanentFailure) {
  SendResult r = SmsChannel(settings()).send(notification("+390001234567"));
  EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure);
  EXPECT_EQ(r.reason.find("+39000"), std::string::npos);
  EXPECT_EQ(calls().size(), 1u);
  EXPECT_TRUE(messages().empty());
}

TEST_F(SmsChannelTest, MalformedNumberIsAPermanentFailureWithoutAnyCall) {
  for (const char* number : {"3331234567", "+39 333 1234567", "+3912345", "+1234567890123456", "+0393331234567", ""}) {
    SendResult r = SmsChannel(settings()).send(notification(number));
    EXPECT_EQ(r.outcome, SendOutcome::PermanentFailure) << number;
    EXPECT_FALSE(r.reason.empty());
  }
  EXPECT_TRUE(calls().empty());
}

TEST_F(SmsChannelTest, TextOverFourPartsIsATechnicalFailureWithoutAnyCall) {
  OutgoingNotification n = notification();
  n.body = repeat("a", 4 * 153 + 1);
  SendResult r = SmsChannel(settings()).send(n);
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason, "il testo dell'SMS richiede 5 parti: il massimo è 4");
  n.body = "";
  EXPECT_EQ(SmsChannel(settings()).send(n).outcome, SendOutcome::TechnicalFailure);
  EXPECT_TRUE(calls().empty());

  n.body = repeat("a", 4 * 153);  // exactly four parts go
  EXPECT_EQ(SmsChannel(settings()).send(n).outcome, SendOutcome::Delivered);
}

TEST_F(SmsChannelTest, WrongTokenIsATechnicalFailure) {
  SendResult r = SmsChannel(settings("sbagliato")).send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TechnicalFailure);
  EXPECT_EQ(r.reason, "token del gateway SMS non valido (401)");
  EXPECT_TRUE(messages().empty());
}

TEST_F(SmsChannelTest, RateLimitAndServerErrorsAreTemporaryThenDelivers) {
  ASSERT_EQ(gateway_->call("POST", "/__admin/faults", R"({"status": 429, "count": 1, "retry_after": 30})").status, 204);
  SmsChannel channel(settings());
  SendResult r = channel.send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.retry_after_seconds, 30);
  ASSERT_EQ(gateway_->call("POST", "/__admin/faults", R"({"status": 503, "count": 1})").status, 204);
  r = channel.send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "gateway SMS non disponibile (503)");
  EXPECT_TRUE(messages().empty());
  r = channel.send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::Delivered) << r.reason;
  EXPECT_EQ(messages().size(), 1u);
}

TEST_F(SmsChannelTest, UnreachableGatewayIsTemporary) {
  SmsSettings s = settings();
  s.url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/v1/sms";
  SendResult r = SmsChannel(s).send(notification());
  EXPECT_EQ(r.outcome, SendOutcome::TemporaryFailure);
  EXPECT_EQ(r.reason, "il gateway SMS non raggiungibile");
}

TEST_F(SmsChannelTest, FactoryNeedsUrlAndToken) {
  EXPECT_EQ(sms_channel_factory({})(), nullptr);
  EXPECT_NE(sms_channel_factory(settings())(), nullptr);
}

TEST(PhoneNumber, E164) {
  EXPECT_EQ(phone_number_problem("+393331234567"), "");
  EXPECT_EQ(phone_number_problem("+12025550123"), "");
  EXPECT_EQ(phone_number_problem("+12345678"), "");         // 8 digits
  EXPECT_EQ(phone_number_problem("+123456789012345"), "");  // 15 digits
  for (const char* bad : {"", "+", "393331234567", "+1234567", "+1234567890123456", "+39-333-1234567", "+39333123456a",
                          "++393331234567", "+0393331234567"})
    EXPECT_NE(phone_number_problem(bad), "") << bad;
}

struct SegmentCase {
  std::string text;
  std::size_t parts;
};

TEST(SmsSegments, GsmAndUcs2Table) {
  const std::string euro = "€";  // GSM-7 extension table: two septets
  const std::vector<SegmentCase> cases = {
      {"", 0},
      {"ciao", 1},
      {repeat("a", 160), 1},
      {repeat("a", 161), 2},
      {repeat("a", 306), 2},
      {repeat("a", 307), 3},
      {repeat("a", 612), 4},
      {repeat("a", 613), 5},
      {repeat("àèéìòù", 26) + "aaaa", 1},  // 160 characters of the Italian accented GSM letters
      {repeat("àèéìòù", 26) + "aaaaa", 2},
      {repeat(euro, 80), 1},  // 160 septets
      {repeat("a", 159) + euro, 2},
      // 152 + 2 + 152 = 306 septets, but the € cannot straddle parts 1 and 2: three parts
      {repeat("a", 152) + euro + repeat("a", 152), 3},
      {repeat("È", 70), 1},  // capital È is not GSM-7: UCS-2
      {repeat("È", 71), 2},
      {repeat("a", 100) + "È", 2},
      {repeat("a", 133) + "È", 2},
      {repeat("a", 134) + "È", 3},
      {repeat("😀", 35), 1},  // surrogate pairs: 70 UTF-16 units
      {repeat("😀", 36), 2},
      {"prezzo [€ 10] {ok}", 1},
      {std::string("\xff"), 1},  // an invalid byte counts as U+FFFD, in UCS-2
  };
  for (const auto& c : cases)
    EXPECT_EQ(sms_segments(c.text), c.parts) << c.text.substr(0, 40) << "... (" << c.text.size() << " bytes)";
}

}  // namespace
}  // namespace au::channels
