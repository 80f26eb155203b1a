// The fan-out: from a due message to its deliveries, per contacts, preferences, quiet hours and
// channel rules; the inbox always. On SQLite and PostgreSQL.
#include "notify/fanout.h"

#include <nlohmann/json.hpp>

#include "domain/delivery_policy.h"
#include "notify_fixture.h"

namespace au::notify::testing {
namespace {

using nlohmann::json;

class FanOutTest : public NotifyTest {
 protected:
  int run(Clock::time_point now = Clock::now(), FanOutSettings s = {}) {
    if (s.base_url.empty()) s = fanout_settings();
    FanOut f(*db_, *templates_, nullptr, s);
    return f.run_once(now);
  }
  std::vector<store::DeliveryRecord> deliveries(long long message) { return store::deliveries_of_message(*db_, message); }
  const store::DeliveryRecord* channel(const std::vector<store::DeliveryRecord>& ds, const std::string& c) {
    for (const auto& d : ds)
      if (d.channel == c) return &d;
    return nullptr;
  }
};

TEST_F(FanOutTest, EveryReachableChannelGetsItsRenderedTextAndTheInboxTheMessage) {
  add_practice("pr-1", kMaria, "2026-12-11", "2026-12-20");
  set_contact(kMaria, "email", "maria@example.org");
  set_contact(kMaria, "sms", "+393331234567");
  set_contact(kMaria, "webhook", "https://hooks.example.org/maria", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I");
  const long long id = add_message(kMaria, "richiesta-integrazione", "pr-1", "2026-12-11", Clock::now(),
                                   R"({"motivo":"Planimetria aggiornata dell'accesso"})");
  EXPECT_EQ(run(), 1);

  auto m = store::find_message(*db_, id);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->state, "ready");
  EXPECT_NE(m->subject.find("11/12/2026"), std::string::npos) << m->subject;
  EXPECT_NE(m->body.find("Planimetria aggiornata"), std::string::npos);
  EXPECT_GE(m->template_version, 1);

  auto ds = deliveries(id);
  ASSERT_EQ(ds.size(), 4u);
  const auto* email = channel(ds, "email");
  ASSERT_TRUE(email);
  EXPECT_EQ(email->address, "maria@example.org");
  EXPECT_EQ(email->status, "created");
  EXPECT_FALSE(email->next_attempt_at.empty());
  ASSERT_TRUE(channel(ds, "io"));
  EXPECT_EQ(channel(ds, "io")->address, kMaria);
  EXPECT_EQ(channel(ds, "sms")->address, "+393331234567");
  EXPECT_EQ(channel(ds, "webhook")->address, "https://hooks.example.org/maria");
  // Idempotency keys are distinct and stable (stored once).
  EXPECT_NE(email->idempotency_key, channel(ds, "io")->idempotency_key);

  // The claimed email carries its text, its HTML, its unsubscribe token.
  auto claimed = store::claim_due_deliveries(*db_, store::webhook_time(Clock::now() + std::chrono::seconds(1)),
                                             store::webhook_time(Clock::now() + std::chrono::minutes(1)), 10, {"email"});
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_NE(claimed[0].html.find("<html lang=\"it\">"), std::string::npos);
  EXPECT_NE(claimed[0].html.find("Planimetria aggiornata"), std::string::npos);
  EXPECT_EQ(claimed[0].unsubscribe_token.size(), 32u);
  EXPECT_EQ(claimed[0].body.find("\\"), std::string::npos) << "the text part shows no markdown escapes";
}

TEST_F(FanOutTest, APersonWithNoChannelStillGetsTheMessageInTheInbox) {
  add_practice("pr-2", "BNCGNN70L04D653N", "", "2026-12-20");
  const long long id = add_message("BNCGNN70L04D653N", "pratica-aperta", "pr-2");
  EXPECT_EQ(run(Clock::now(), fanout_settings(true, false, true)), 1);
  auto m = store::find_message(*db_, id);
  EXPECT_EQ(m->state, "ready");
  EXPECT_TRUE(deliveries(id).empty());
  auto inbox = store::inbox_of(*db_, {"BNCGNN70L04D653N"}, false, 10, 0);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].id, id);
  EXPECT_EQ(store::unread_count(*db_, {"BNCGNN70L04D653N"}), 1);
}

TEST_F(FanOutTest, PreferencesAreMostSpecificFirstAndOffMeansNoDelivery) {
  std::vector<store::Preference> prefs{{"", "email", false}, {kService, "email", true}, {kService, "sms", false}};
  EXPECT_TRUE(channel_enabled(prefs, kService, "email"));
  EXPECT_FALSE(channel_enabled(prefs, "other", "email"));
  EXPECT_FALSE(channel_enabled(prefs, kService, "sms"));
  EXPECT_TRUE(channel_enabled(prefs, kService, "io"));  // default on
  EXPECT_TRUE(channel_enabled({}, "", "webhook"));

  add_practice("pr-3", kMaria, "", "2026-12-20");
  set_contact(kMaria, "email", "maria@example.org");
  store::set_preference(*db_, kMaria, {kService, "email", false}, store::now_iso8601());
  store::set_preference(*db_, kMaria, {"", "io", false}, store::now_iso8601());
  const long long id = add_message(kMaria, "pratica-stato", "pr-3");
  run();
  EXPECT_TRUE(deliveries(id).empty());
  EXPECT_EQ(store::find_message(*db_, id)->state, "ready");
}

TEST_F(FanOutTest, AFlaggedAddressIsSkippedUntilItChanges) {
  add_practice("pr-4", kMaria, "", "2026-12-20");
  set_contact(kMaria, "email", "bounce@example.org");
  {
    auto s = db_->acquire();
    *s << "UPDATE notification_contacts SET invalid_at = '2026-11-20T10:00:00Z', invalid_reason = 'SMTP 550'";
  }
  const long long first = add_message(kMaria, "pratica-stato", "pr-4");
  run(Clock::now(), fanout_settings(true, false, false));
  EXPECT_TRUE(deliveries(first).empty());
  set_contact(kMaria, "email", "maria@example.org");  // a new address clears the flag
  EXPECT_EQ(store::contacts_of(*db_, kMaria)[0].invalid_at, "");
  const long long second = add_message(kMaria, "pratica-stato", "pr-4");
  run(Clock::now(), fanout_settings(true, false, false));
  ASSERT_EQ(deliveries(second).size(), 1u);
}

TEST_F(FanOutTest, TheLoginEmailIsTheDefaultContact) {
  add_practice("pr-5", kMaria, "", "2026-12-20");
  {
    auto s = db_->acquire();
    *s << "INSERT INTO people (fiscal_code, given_name, family_name, email, first_login_at, last_login_at) VALUES "
          "('RSSMRA85C52G478I', 'Maria', 'Rossi', 'maria.login@example.org', '', '')";
  }
  const long long id = add_message(kMaria, "pratica-aperta", "pr-5");
  run(Clock::now(), fanout_settings(true, false, false));
  auto ds = deliveries(id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].address, "maria.login@example.org");
  EXPECT_EQ(store::find_message(*db_, id)->body.find("Maria") != std::string::npos, true);
  auto contacts = store::contacts_of(*db_, kMaria);
  ASSERT_EQ(contacts.size(), 1u);  // kept as a contact row, so a bounce can flag it
}

TEST_F(FanOutTest, QuietHoursDelayEmailSmsAndIoButNotTheInboxNorWebhooks) {
  add_practice("pr-6", kMaria, "", "2026-12-20");
  set_contact(kMaria, "email", "maria@example.org");
  set_contact(kMaria, "webhook", "https://hooks.example.org/maria", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I");
  store::set_quiet_settings(*db_, kMaria, {"22:00", "07:00"}, store::now_iso8601());
  // 2026-11-27 23:30 in Rome (CET) = 22:30 UTC: inside the quiet hours, which end at 06:00 UTC.
  const auto night = Clock::time_point(std::chrono::seconds(1795818600));
  ASSERT_EQ(store::webhook_time(night), "2026-11-27T22:30:00.000Z");
  const long long id = add_message(kMaria, "pratica-stato", "pr-6", "", night);
  run(night, fanout_settings(true, false, false));
  auto ds = deliveries(id);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(channel(ds, "email")->next_attempt_at, "2026-11-28T06:00:00.000Z");
  EXPECT_EQ(channel(ds, "webhook")->next_attempt_at, "2026-11-27T22:30:00.000Z");
  EXPECT_EQ(store::find_message(*db_, id)->state, "ready");
}

TEST_F(FanOutTest, ContentOverAppIoLimitsIsATechnicalFailureWithTheReasonNotACall) {
  add_practice("pr-7", kMaria, "", "2026-12-20");
  // A new IO template version whose rendering is short with the real values: rejected when saved...
  auto saved = templates_->save("pratica-stato", "io", "Aggiornamento", "Breve: {{stato}}", "admin", store::now_iso8601());
  EXPECT_EQ(saved.version, 0);
  ASSERT_FALSE(saved.problems.empty());
  // ...and a valid one whose real values overflow 10,000 characters at send time.
  auto ok = templates_->save("messaggio-ente", "io", "Messaggio dall'ente {{ente}}",
                             "Ciao {{nome}}, l'ufficio ti ha scritto a proposito della pratica: {{motivo}}. Apri la "
                             "pratica per rispondere: {{pratica_url}}",
                             "admin", store::now_iso8601());
  ASSERT_TRUE(ok.problems.empty()) << ok.problems[0];
  const long long id = add_message(kMaria, "messaggio-ente", "pr-7", "", Clock::now(),
                                   json{{"motivo", std::string(10'050, 'a')}}.dump());
  run(Clock::now(), fanout_settings(false, true, false));
  auto ds = deliveries(id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].status, "technical-failure");
  EXPECT_NE(ds[0].reason.find("10000"), std::string::npos) << ds[0].reason;
  EXPECT_EQ(ds[0].next_attempt_at, "");  // nothing left to try
}

TEST_F(FanOutTest, IoIsForPersonsAndNeverForMassCommunications) {
  set_contact("02876540549", "email", "info@tessiture.example.org");
  const long long business = add_message("02876540549", "pratica-aperta");
  const long long bulk = add_message(kMaria, "comunicazione", "", "", Clock::now(),
                                     R"({"oggetto":"Chiusura uffici per festività","testo":"Gli uffici resteranno chiusi."})");
  run(Clock::now(), fanout_settings(true, true, false));
  EXPECT_EQ(channel(deliveries(business), "io"), nullptr);
  EXPECT_NE(channel(deliveries(business), "email"), nullptr);
  EXPECT_TRUE(deliveries(bulk).empty());  // no email contact; and no IO for a comunicazione
  EXPECT_EQ(store::find_message(*db_, bulk)->subject, "Chiusura uffici per festività");
}

TEST_F(FanOutTest, AMessageIsFannedOutOnceAndNotBeforeItsTime) {
  set_contact(kMaria, "email", "maria@example.org");
  const auto later = Clock::now() + std::chrono::hours(2);
  const long long id = add_message(kMaria, "pratica-aperta", "", "", later);
  EXPECT_EQ(run(Clock::now()), 0);
  EXPECT_EQ(store::find_message(*db_, id)->state, "pending");
  EXPECT_TRUE(store::inbox_of(*db_, {kMaria}, false, 10, 0).empty());  // not visible before its time
  EXPECT_EQ(run(later + std::chrono::seconds(1)), 1);
  EXPECT_EQ(run(later + std::chrono::seconds(2)), 0);
  EXPECT_EQ(deliveries(id).size(), 2u);  // email and App IO, once each
}

TEST_F(FanOutTest, ALostLeaseWritesNothing) {
  const long long id = add_message(kMaria, "pratica-aperta");
  const auto now = Clock::now();
  auto claimed = store::claim_pending_messages(*db_, store::webhook_time(now), store::webhook_time(now + std::chrono::seconds(1)), 5);
  ASSERT_EQ(claimed.size(), 1u);
  // The lease expired and another worker took it.
  auto again = store::claim_pending_messages(*db_, store::webhook_time(now + std::chrono::seconds(2)),
                                             store::webhook_time(now + std::chrono::seconds(60)), 5);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(store::complete_fanout(*db_, claimed[0], store::webhook_time(now + std::chrono::seconds(1)), "s", "b", 1,
                                      {}, store::webhook_time(now)));
  EXPECT_TRUE(store::complete_fanout(*db_, again[0], store::webhook_time(now + std::chrono::seconds(60)), "s", "b", 1,
                                     {}, store::webhook_time(now)));
  EXPECT_EQ(store::find_message(*db_, id)->state, "ready");
}

}  // namespace
}  // namespace au::notify::testing
