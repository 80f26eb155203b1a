// What practice events tell people (the outbox rules), written in the event's transaction;
// bulk sends and their cancellation; preferences, the one-click unsubscribe and the calendar
// token. On SQLite and PostgreSQL.
#include "notify/outbox.h"

#include <nlohmann/json.hpp>

#include <set>

#include "notify/bulk_send.h"
#include "notify/calendar_feed.h"
#include "notify/subscriptions.h"
#include "notify_fixture.h"
#include "store/catalog_repository.h"

namespace au::notify::testing {
namespace {

using nlohmann::json;

store::StoredEvent event(const std::string& kind, json data, std::int64_t time_ms = 1'795'000'000'000,
                         std::int64_t sequence = 7, const std::string& status = "") {
  store::StoredEvent e;
  e.sequence = sequence;
  e.practice_id = "pr-1";
  e.type = "it.umbria.accessounico.pratica." + kind;
  e.event_time_ms = time_ms;
  e.status = status;
  e.received_at = "2026-11-27T10:00:00Z";
  e.document = json{{"specversion", "1.0"}, {"type", e.type}, {"data", data}}.dump();
  return e;
}

store::PracticeRecord practice() {
  store::PracticeRecord p;
  p.id = "pr-1";
  p.ente_id = kEnte;
  p.service_id = kService;
  p.applicant = kMaria;
  p.intermediary = kLuca;
  p.status = "in-corso";
  p.status_time_ms = 1'794'000'000'000;
  p.status_sequence = 3;
  return p;
}

TEST(Outbox, EventsThatConcernThePersonBecomeMessagesWithWhatTheyKnow) {
  auto m = message_for_event(event("richiesta-integrazione", {{"request_id", "r1"}, {"description", "Planimetria"},
                                                              {"due_date", "2026-12-11"}}),
                              practice());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, "richiesta-integrazione");
  EXPECT_EQ(m->due_date, "2026-12-11");
  EXPECT_EQ(json::parse(m->fields)["motivo"], "Planimetria");

  auto defaulted = message_for_event(event("richiesta-integrazione", {{"request_id", "r1"}, {"description", "x"}}), practice());
  ASSERT_TRUE(defaulted);
  EXPECT_FALSE(defaulted->due_date.empty());  // 30 days by default, as the projection counts

  auto notice = message_for_event(event("preavviso-rigetto", {{"request_id", "r2"}, {"description", "Manca il titolo"}}),
                                  practice());
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->kind, "preavviso-rigetto");
  EXPECT_FALSE(notice->due_date.empty());

  EXPECT_EQ(message_for_event(event("protocollata", {{"protocol_number", "PG/1"}, {"protocol_date", "2026-11-20"}}), practice())->kind,
            "pratica-protocollata");
  EXPECT_EQ(message_for_event(event("conclusa", {{"esito", "negativo"}}), practice())->kind, "pratica-conclusa");
  EXPECT_EQ(json::parse(message_for_event(event("conclusa", {{"esito", "negativo"}}), practice())->fields)["stato"],
            "Concluso – esito negativo");
  EXPECT_EQ(message_for_event(event("messaggio", {{"text", "Ciao"}}), practice())->kind, "messaggio-ente");
  EXPECT_EQ(message_for_event(event("documento", {{"title", "Atto"}, {"url", "https://x.it/a.pdf"}}), practice())->kind,
            "documento-disponibile");
  EXPECT_EQ(message_for_event(event("aperta", json::object()), practice())->kind, "pratica-aperta");
}

TEST(Outbox, ReceiptsTheApplicantSentAndLateOrUnchangedStatusesAreNotNotified) {
  EXPECT_FALSE(message_for_event(event("integrazione-ricevuta", {{"request_id", "r1"}}), practice()));
  EXPECT_FALSE(message_for_event(event("osservazioni-ricevute", {{"request_id", "r1"}}), practice()));
  // Older than the status shown: it would announce a status that is not current.
  EXPECT_FALSE(message_for_event(event("stato", {{"status_code", "IS"}}, 1'793'000'000'000, 9, "sospeso-utente"), practice()));
  // The same status and the same back-office code: nothing new.
  EXPECT_FALSE(message_for_event(event("stato", {{"status_code", "IS"}}, 1'795'000'000'000, 9, "in-corso"), practice()));
  auto changed = message_for_event(event("stato", {{"status_code", "SO"}}, 1'795'000'000'000, 9, "sospeso-utente"), practice());
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->kind, "pratica-stato");
  EXPECT_FALSE(message_for_event(event("sconosciuto", json::object()), practice()));
}

class OutboxDbTest : public NotifyTest {};

TEST_F(OutboxDbTest, MessagesAreWrittenInTheEventsTransactionOncePerRecipient) {
  auto e = event("messaggio", {{"text", "Serve una firma"}});
  {
    auto s = db_->acquire();
    soci::transaction tx(*s);
    enqueue_event_messages(*s, e, practice());
    tx.rollback();  // the event was not stored: neither are its messages
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages"), 0);
  {
    auto s = db_->acquire();
    soci::transaction tx(*s);
    enqueue_event_messages(*s, e, practice());
    enqueue_event_messages(*s, e, practice());  // the same event again: deduplicated
    tx.commit();
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages"), 2);  // applicant and intermediary
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE recipient = 'VRDLCU78S23L117P' AND dedup_key = 'evento:7:VRDLCU78S23L117P'"), 1);
}

TEST_F(OutboxDbTest, BulkRequestsAreValidatedWholeBeforeAnythingIsWritten) {
  const std::int64_t now_ms = 1'795'000'000'000;
  BulkRequest r;
  auto errors = parse_bulk_request(json{{"recipients", json::array({"RSSMRA85C52G478X", 42, "RSSMRA85C52G478I"})},
                                        {"subject", "Breve"},
                                        {"text", ""},
                                        {"send_at", "2020-01-01T00:00:00Z"},
                                        {"extra", true}},
                                   nullptr, now_ms, r);
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  EXPECT_TRUE(paths.count("/recipients/0"));
  EXPECT_TRUE(paths.count("/recipients/1"));
  EXPECT_FALSE(paths.count("/recipients/2"));
  EXPECT_TRUE(paths.count("/subject"));
  EXPECT_TRUE(paths.count("/text"));
  EXPECT_TRUE(paths.count("/send_at"));
  EXPECT_TRUE(paths.count("/extra"));
  BulkRequest too_many;
  json list = json::array();
  for (int i = 0; i < 1001; ++i) list.push_back("RSSMRA85C52G478I");
  EXPECT_EQ(parse_bulk_request(json{{"recipients", list}, {"subject", "Oggetto di prova"}, {"text", "t"}}, nullptr, now_ms,
                               too_many)[0].path,
            "/recipients");
  BulkRequest far;
  auto far_errors = parse_bulk_request(json{{"recipients", {"RSSMRA85C52G478I"}}, {"subject", "Oggetto di prova"},
                                            {"text", "t"}, {"send_at", "2030-01-01T00:00:00Z"}},
                                       nullptr, now_ms, far);
  ASSERT_EQ(far_errors.size(), 1u);
  EXPECT_NE(far_errors[0].message.find("90 giorni"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM bulk_sends"), 0);
}

TEST_F(OutboxDbTest, AScheduledBulkSendCanBeCancelledUntilItLeaves) {
  BulkRequest r;
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  ASSERT_TRUE(parse_bulk_request(json{{"recipients", {"RSSMRA85C52G478I", "rssmra85c52g478i", "02876540549"}},
                                      {"subject", "Chiusura degli uffici"},
                                      {"text", "Gli uffici resteranno chiusi lunedì."},
                                      {"send_at", store::now_iso8601().substr(0, 4) == "2026" ? "2026-12-20T08:00:00Z"
                                                                                            : "2099-01-01T00:00:00Z"}},
                                 nullptr, now_ms, r)
                  .empty());
  EXPECT_EQ(r.recipients.size(), 2u);  // the same code twice counts once
  auto b = create_bulk_send(*db_, r, "ente", kEnte, "FRNLRA80A41G478T", store::now_iso8601());
  EXPECT_EQ(b.recipients, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE bulk_id = '" + b.id + "' AND state = 'pending'"), 2);
  EXPECT_TRUE(store::cancel_bulk_send(*db_, b.id, store::now_iso8601()));
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE bulk_id = '" + b.id + "' AND state = 'cancelled'"), 2);
  EXPECT_FALSE(store::cancel_bulk_send(*db_, b.id, store::now_iso8601()));  // already cancelled

  // A send that already went out cannot be called back.
  BulkRequest now_request = r;
  now_request.send_at.clear();
  auto sent = create_bulk_send(*db_, now_request, "ente", kEnte, "FRNLRA80A41G478T", store::now_iso8601());
  FanOut(*db_, *templates_, nullptr, fanout_settings(false, false, false)).run_once(Clock::now() + std::chrono::seconds(1));
  EXPECT_FALSE(store::cancel_bulk_send(*db_, sent.id, store::now_iso8601()));
  EXPECT_EQ(store::find_bulk_send(*db_, sent.id)->status, "programmato");
  auto counts = store::status_counts(*db_, sent.id);
  ASSERT_EQ(counts.messages.size(), 1u);
  EXPECT_EQ(counts.messages[0], (std::pair<std::string, long long>{"ready", 2}));
}

TEST_F(OutboxDbTest, PreferencesAreValidatedThenAppliedAndSwitchingOffCancelsAtOnce) {
  PreferencesUpdate bad;
  auto errors = parse_preferences_update(json{{"contacts", {{"email", "not-an-email"}, {"sms", "3331234567"},
                                                            {"webhook", "http://example.org/x"}, {"fax", "1"}}},
                                              {"channels", {{"inbox", false}, {"email", "no"}}},
                                              {"quiet_hours", {{"start", "22:00"}, {"end", "22:00"}}}},
                                         nullptr, bad);
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  for (const char* p : {"/contacts/email", "/contacts/sms", "/contacts/webhook", "/contacts/fax", "/channels/inbox",
                        "/channels/email", "/quiet_hours"})
    EXPECT_TRUE(paths.count(p)) << p;

  set_contact(kMaria, "email", "maria@example.org");
  add_message(kMaria, "pratica-aperta");
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(Clock::now());
  PreferencesUpdate u;
  ASSERT_TRUE(parse_preferences_update(json{{"channels", {{"email", false}}},
                                            {"contacts", {{"sms", "+393331234567"}, {"webhook", "https://h.example.org/a"}}},
                                            {"quiet_hours", {{"start", "22:00"}, {"end", "07:00"}}}},
                                       nullptr, u)
                  .empty());
  const std::string secret = apply_preferences(*db_, kMaria, u, store::now_iso8601());
  EXPECT_EQ(secret.size(), 43u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE status = 'cancelled'"), 1);
  auto view = preferences_json(load_preferences(*db_, kMaria));
  EXPECT_EQ(view["channels"]["email"], false);
  EXPECT_EQ(view["contacts"]["sms"], "+393331234567");
  EXPECT_EQ(view["quiet_hours"]["start"], "22:00");
  EXPECT_EQ(view.dump().find(secret), std::string::npos);  // the secret is shown once only
}

TEST_F(OutboxDbTest, TheUnsubscribeLinkSwitchesThatServicesEmailsOff) {
  add_practice("pr-u", kMaria, "", "2026-12-20");
  set_contact(kMaria, "email", "maria@example.org");
  add_message(kMaria, "pratica-aperta", "pr-u");
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(Clock::now());
  std::string token;
  {
    auto s = db_->acquire();
    *s << "SELECT unsubscribe_token FROM notifications", soci::into(token);
  }
  ASSERT_EQ(token.size(), 32u);
  EXPECT_FALSE(unsubscribe_target(*db_, "short"));
  EXPECT_FALSE(unsubscribe(*db_, std::string(32, 'A'), store::now_iso8601()));
  auto target = unsubscribe_target(*db_, token);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->recipient, kMaria);
  EXPECT_EQ(target->service_id, kService);
  EXPECT_TRUE(unsubscribe(*db_, token, store::now_iso8601()));
  auto prefs = store::preferences_of(*db_, kMaria);
  ASSERT_EQ(prefs.size(), 1u);
  EXPECT_EQ(prefs[0].service_id, kService);
  EXPECT_FALSE(prefs[0].enabled);
}

TEST_F(OutboxDbTest, TheCalendarTokenIsSecretRevocableAndListsTheDeadlines) {
  const std::string token = new_calendar_token(*db_, kMaria, store::now_iso8601());
  EXPECT_EQ(token.size(), 32u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM calendar_feeds WHERE token_hash = '" + token + "'"), 0);  // hashed
  EXPECT_EQ(calendar_token_subject(*db_, token), kMaria);
  EXPECT_FALSE(calendar_token_subject(*db_, "../../etc/passwd"));
  const std::string second = new_calendar_token(*db_, kMaria, store::now_iso8601());
  EXPECT_FALSE(calendar_token_subject(*db_, token));  // a new address revokes the old one
  EXPECT_TRUE(store::revoke_calendar_feeds(*db_, kMaria, store::now_iso8601()));
  EXPECT_FALSE(calendar_token_subject(*db_, second));

  add_practice("pr-c", kMaria, "", "2026-12-20");
  auto catalog = store::load_snapshot(*db_);
  const std::string ics = calendar_of(*db_, {kMaria}, *catalog, "https://umbriasemplice.example",
                                      1'795'000'000'000);
  EXPECT_EQ(ics.rfind("BEGIN:VCALENDAR\r\n", 0), 0u);
  EXPECT_NE(ics.find("END:VCALENDAR\r\n"), std::string::npos);
}

}  // namespace
}  // namespace au::notify::testing
