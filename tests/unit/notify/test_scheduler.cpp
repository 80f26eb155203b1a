// The reminder scheduler: one reminder per deadline, offset and recipient whatever the restarts
// and however many schedulers run; bands (a late scheduler sends only the nearest offset); per
// service offsets; overdue alerts to the ente's operators. On SQLite and PostgreSQL.
#include "notify/reminder_scheduler.h"

#include <thread>

#include "notify_fixture.h"

namespace au::notify::testing {
namespace {

const domain::Date kToday{2026, 11, 27};

class SchedulerTest : public NotifyTest {
 protected:
  SchedulerRun run(domain::Date today = kToday) {
    ReminderScheduler s(*db_);
    return s.run(today, Clock::now());
  }
  long long reminders(const std::string& practice) {
    return count("SELECT COUNT(*) FROM messages WHERE kind = 'promemoria-scadenza' AND practice_id = '" + practice + "'");
  }
};

TEST_F(SchedulerTest, EachDeadlineGetsItsReminderOnceAcrossRuns) {
  add_practice("in-5-days", kMaria, "2026-12-02", "2027-01-10");   // 7-day band (2..7 days)
  add_practice("tomorrow", kMaria, "2026-11-28", "2027-01-10");    // 1-day band
  add_practice("in-20-days", kMaria, "2026-12-17", "2027-01-10");  // not yet
  add_practice("no-request", kMaria, "", "2027-01-10");
  add_practice("concluded", kMaria, "2026-12-01", "2027-01-10", "concluso-positivo");
  auto first = run();
  EXPECT_EQ(first.reminders, 2);
  EXPECT_EQ(run().reminders, 0);
  EXPECT_EQ(reminders("in-5-days"), 1);
  EXPECT_EQ(reminders("tomorrow"), 1);
  EXPECT_EQ(reminders("in-20-days"), 0);
  EXPECT_EQ(reminders("concluded"), 0);
  long long days = 0;
  std::string fields, due;
  {
    auto s = db_->acquire();
    *s << "SELECT fields, due_date FROM messages WHERE practice_id = 'in-5-days'", soci::into(fields), soci::into(due);
  }
  EXPECT_EQ(fields, R"({"promemoria_giorni":"7"})");
  EXPECT_EQ(due, "2026-12-02");
  (void)days;
  // Days later the 1-day band catches the first practice once more (a second reminder), never twice.
  EXPECT_EQ(run({2026, 12, 1}).reminders, 1);
  EXPECT_EQ(run({2026, 12, 1}).reminders, 0);
  EXPECT_EQ(reminders("in-5-days"), 2);
}

TEST_F(SchedulerTest, ALateSchedulerSendsOnlyTheNearestReminder) {
  add_practice("p", kMaria, "2026-11-28", "2027-01-10");
  // It was down for a week: today the deadline is tomorrow; only the 1-day reminder.
  EXPECT_EQ(run().reminders, 1);
  std::string fields;
  auto s = db_->acquire();
  *s << "SELECT fields FROM messages WHERE practice_id = 'p'", soci::into(fields);
  EXPECT_EQ(fields, R"({"promemoria_giorni":"1"})");
}

TEST_F(SchedulerTest, TheIntermediaryIsRemindedToo) {
  add_practice("p", kMaria, "2026-12-02", "2027-01-10", "in-corso", kService, kLuca);
  EXPECT_EQ(run().reminders, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE recipient = 'VRDLCU78S23L117P'"), 1);
}

TEST_F(SchedulerTest, ServicesMayHaveTheirOwnOffsets) {
  store::set_reminder_setting(*db_, "altro-servizio", "[14,3]", store::now_iso8601());
  add_practice("own-10", kMaria, "2026-12-07", "2027-01-10", "in-corso", "altro-servizio");  // 10 days: 14 band
  add_practice("own-5", kMaria, "2026-12-02", "2027-01-10", "in-corso", "altro-servizio");   // 5 days: none (3 < 5 <= 14 → 14 band)
  add_practice("default-10", kMaria, "2026-12-07", "2027-01-10");                            // 10 days: no default band
  EXPECT_EQ(run().reminders, 2);
  EXPECT_EQ(reminders("own-10"), 1);
  EXPECT_EQ(reminders("own-5"), 1);
  EXPECT_EQ(reminders("default-10"), 0);
  std::string f10, f5;
  auto s = db_->acquire();
  *s << "SELECT fields FROM messages WHERE practice_id = 'own-10'", soci::into(f10);
  *s << "SELECT fields FROM messages WHERE practice_id = 'own-5'", soci::into(f5);
  EXPECT_EQ(f10, R"({"promemoria_giorni":"14"})");
  EXPECT_EQ(f5, R"({"promemoria_giorni":"14"})");
}

TEST_F(SchedulerTest, TwoSchedulersAtOnceCreateEachReminderOnce) {
  for (int i = 0; i < 200; ++i) add_practice("p" + std::to_string(i), kMaria, i % 2 ? "2026-12-02" : "2026-11-28", "2027-01-10");
  store::Database other(store::parse_database_url(url_), 2);
  std::atomic<long long> created{0};
  std::thread a([&] {
    ReminderScheduler s(*db_);
    for (int i = 0; i < 3; ++i) created += s.run(kToday, Clock::now()).reminders;
  });
  std::thread b([&] {
    ReminderScheduler s(other);
    for (int i = 0; i < 3; ++i) created += s.run(kToday, Clock::now()).reminders;
  });
  a.join();
  b.join();
  EXPECT_EQ(created.load(), 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE kind = 'promemoria-scadenza'"), 200);
}

TEST_F(SchedulerTest, OverduePracticesAlertTheEntesOperatorsOnce) {
  {
    auto s = db_->acquire();
    *s << "INSERT INTO role_assignments (fiscal_code, role, scope, label, granted_by, granted_at) VALUES "
          "('FRNLRA80A41G478T', 'operatore-ente', 'comune-054039', 'Comune di Perugia', 'test', '2026-01-01T00:00:00Z')";
    *s << "INSERT INTO role_assignments (fiscal_code, role, scope, label, granted_by, granted_at) VALUES "
          "('BNCGNN70L04D653N', 'operatore-ente', 'comune-055032', 'Comune di Terni', 'test', '2026-01-01T00:00:00Z')";
  }
  add_practice("late", kMaria, "", "2026-11-25");
  add_practice("very-late", kMaria, "", "2026-10-01");  // older than a week: alerted back then
  add_practice("done", kMaria, "", "2026-11-25", "concluso-negativo");
  add_practice("on-time", kMaria, "", "2026-11-27");
  EXPECT_EQ(run().alerts, 1);
  EXPECT_EQ(run().alerts, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE kind = 'scadenza-superata' AND recipient = 'FRNLRA80A41G478T' "
                  "AND practice_id = 'late'"),
            1);
}

TEST_F(SchedulerTest, TheDailyDigestReplacesSingleEmailsWithOneMorningSummary) {
  set_contact(kMaria, "email", "maria@example.org");
  store::set_quiet_settings(*db_, kMaria, {"", "", true}, store::now_iso8601());
  // 2026-11-27 06:30 UTC = 07:30 in Rome: the messages of the night.
  const auto early = Clock::time_point(std::chrono::seconds(1795761000));
  add_message(kMaria, "pratica-aperta", "", "", early);
  add_message(kMaria, "pratica-stato", "", "", early);
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(early);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications"), 0) << "no single emails with the digest on";
  EXPECT_EQ(store::inbox_of(*db_, {kMaria}, false, 10, 0).size(), 2u) << "the inbox is immediate";

  ReminderScheduler s(*db_);
  EXPECT_EQ(s.run(kToday, early).digests, 0) << "before 08:00 in Rome";
  const auto nine = early + std::chrono::minutes(90);  // 09:00 in Rome
  EXPECT_EQ(s.run(kToday, nine).digests, 1);
  EXPECT_EQ(s.run(kToday, nine + std::chrono::hours(1)).digests, 0) << "once a day";
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(nine);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE channel = 'email'"), 1);
  std::string subject, body;
  {
    auto sql = db_->acquire();
    *sql << "SELECT subject, body FROM notifications", soci::into(subject), soci::into(body);
  }
  EXPECT_NE(subject.find("2 messaggi"), std::string::npos) << subject;
  EXPECT_NE(body.find("Pratica aperta"), std::string::npos) << body;
  EXPECT_EQ(store::inbox_of(*db_, {kMaria}, false, 10, 0).size(), 2u) << "the digest is not listed in the inbox";
}

}  // namespace
}  // namespace au::notify::testing
