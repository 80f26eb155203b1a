// The delivery worker: Notify's statuses, every attempt recorded, retries with backoff until 72
// hours and then a final temporary failure, permanent failures flag the address, leases (a
// worker killed mid-send, several workers at once: nothing sent twice). A synthetic clock steps
// through the retry times. On SQLite and PostgreSQL.
#include "notify/notification_worker.h"

#include <set>
#include <thread>

#include "notify_fixture.h"

namespace au::notify::testing {
namespace {

using namespace std::chrono_literals;

class WorkerTest : public NotifyTest {
 protected:
  void SetUp() override {
    NotifyTest::SetUp();
    email_ = std::make_shared<ScriptedChannel::Shared>();
    fanout_ = std::make_unique<FanOut>(*db_, *templates_, nullptr, fanout_settings(true, false, false));
    scheduler_ = std::make_unique<ReminderScheduler>(*db_);
    settings_.batch_size = 50;
    settings_.worker_id = "test:1";
    settings_.lease = 30s;
    settings_.base_url = "https://umbriasemplice.example";
  }
  void TearDown() override {
    worker_.reset();
    fanout_.reset();
    scheduler_.reset();
    NotifyTest::TearDown();
  }
  NotificationWorker& worker() {
    if (!worker_)
      worker_ = std::make_unique<NotificationWorker>(*db_, *fanout_, *scheduler_,
                                                     std::map<std::string, channels::ChannelFactory>{{"email", scripted(email_)}},
                                                     settings_);
    return *worker_;
  }
  DeliveryRun step(Clock::time_point at) {
    ChannelSet channels(worker().factories());
    return worker().run_once(at, channels);
  }
  store::DeliveryRecord only_delivery(long long message) {
    auto ds = store::deliveries_of_message(*db_, message);
    EXPECT_EQ(ds.size(), 1u);
    return ds.empty() ? store::DeliveryRecord{} : ds[0];
  }
  Clock::time_point parse(const std::string& t) {
    std::tm tm{};
    strptime(t.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    return Clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(std::stoi(t.substr(20, 3)));
  }

  std::shared_ptr<ScriptedChannel::Shared> email_;
  std::unique_ptr<FanOut> fanout_;
  std::unique_ptr<ReminderScheduler> scheduler_;
  WorkerSettings settings_;
  std::unique_ptr<NotificationWorker> worker_;
};

TEST_F(WorkerTest, DeliveredOnTheFirstAttemptIsRecordedWithItsAttempt) {
  set_contact(kMaria, "email", "maria@example.org");
  const long long id = add_message(kMaria, "pratica-aperta");
  auto run = step(Clock::now());
  EXPECT_EQ(run.fanned_out, 1);
  EXPECT_EQ(run.delivered, 1);
  auto d = only_delivery(id);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.next_attempt_at, "");
  EXPECT_EQ(d.provider_ref, "ref-" + std::to_string(d.id));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_attempts WHERE outcome = 'delivered' AND worker = 'test:1'"), 1);
  auto sent = email_->all();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].address, "maria@example.org");
  EXPECT_EQ(sent[0].idempotency_key, d.idempotency_key);
  EXPECT_NE(sent[0].unsubscribe_url.find("https://umbriasemplice.example/disiscrizione/"), std::string::npos);
  EXPECT_EQ(step(Clock::now()).claimed(), 0);  // nothing twice
}

TEST_F(WorkerTest, TemporaryFailuresAreRetriedWithGrowingDelaysThenDelivered) {
  set_contact(kMaria, "email", "maria@example.org");
  for (int i = 0; i < 3; ++i) email_->push(channels::SendOutcome::TemporaryFailure, "server SMTP non raggiungibile");
  const long long id = add_message(kMaria, "pratica-aperta");
  auto t = Clock::now();
  step(t);
  auto d = only_delivery(id);
  EXPECT_EQ(d.status, "temporary-failure");
  EXPECT_EQ(d.reason, "server SMTP non raggiungibile");
  ASSERT_FALSE(d.next_attempt_at.empty());
  // Not before its time...
  EXPECT_EQ(step(parse(d.next_attempt_at) - 1ms).claimed(), 0);
  std::vector<std::int64_t> gaps;
  for (int i = 0; i < 3; ++i) {
    auto next = parse(only_delivery(id).next_attempt_at);
    gaps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(next - t).count());
    t = next;
    step(t);
  }
  d = only_delivery(id);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_attempts"), 4);
  for (auto g : gaps) EXPECT_GE(g, 1000) << "at least one second between attempts";
}

TEST_F(WorkerTest, AfterSeventyTwoHoursATemporaryFailureIsFinalWithItsReason) {
  settings_.retry.base_ms = 3600'000;
  settings_.retry.cap_ms = 4 * 3600'000;
  set_contact(kMaria, "email", "maria@example.org");
  for (int i = 0; i < 1000; ++i) email_->push(channels::SendOutcome::TemporaryFailure, "casella piena (SMTP 452)");
  const long long id = add_message(kMaria, "pratica-aperta");
  const auto start = Clock::now();
  auto t = start;
  step(t);
  int steps = 1;
  while (!only_delivery(id).next_attempt_at.empty() && steps < 1000) {
    t = parse(only_delivery(id).next_attempt_at);
    step(t);
    ++steps;
  }
  auto d = only_delivery(id);
  EXPECT_EQ(d.status, "temporary-failure");
  EXPECT_EQ(d.next_attempt_at, "");
  EXPECT_NE(d.reason.find("72 ore"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("SMTP 452"), std::string::npos);
  EXPECT_LE(t - start, 72h);
  EXPECT_GT(d.attempts, 15);  // hourly-ish for three days
  EXPECT_EQ(step(t + 100h).claimed(), 0);
}

TEST_F(WorkerTest, APermanentFailureFlagsTheAddressAndIsNotRetried) {
  set_contact(kMaria, "email", "nobody@example.org");
  email_->push(channels::SendOutcome::PermanentFailure, "indirizzo email inesistente (SMTP 550)");
  const long long id = add_message(kMaria, "pratica-aperta");
  step(Clock::now());
  auto d = only_delivery(id);
  EXPECT_EQ(d.status, "permanent-failure");
  EXPECT_EQ(d.next_attempt_at, "");
  auto c = store::contacts_of(*db_, kMaria);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(c[0].invalid_at.empty());
  EXPECT_NE(c[0].invalid_reason.find("550"), std::string::npos);
  // The next message skips the flagged address (inbox only).
  const long long next = add_message(kMaria, "pratica-stato");
  step(Clock::now());
  EXPECT_TRUE(store::deliveries_of_message(*db_, next).empty());
  EXPECT_EQ(email_->calls.load(), 1);
}

TEST_F(WorkerTest, ATechnicalFailureAndAnUnconfiguredChannelAreFinal) {
  set_contact(kMaria, "email", "maria@example.org");
  set_contact(kMaria, "sms", "+393331234567");
  email_->push(channels::SendOutcome::TechnicalFailure, "contenuto rifiutato (SMTP 554)");
  fanout_ = std::make_unique<FanOut>(*db_, *templates_, nullptr, fanout_settings(true, false, true));
  const long long id = add_message(kMaria, "pratica-aperta");
  step(Clock::now());
  for (const auto& d : store::deliveries_of_message(*db_, id)) {
    EXPECT_EQ(d.status, "technical-failure") << d.channel;
    EXPECT_EQ(d.next_attempt_at, "");
    EXPECT_FALSE(d.reason.empty());
  }
}

TEST_F(WorkerTest, AWorkerKilledMidSendLeavesWorkThatComesBackWhenTheLeaseExpires) {
  set_contact(kMaria, "email", "maria@example.org");
  const long long id = add_message(kMaria, "pratica-aperta");
  const auto t = Clock::now();
  worker();  // fan out first
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(t);
  // A worker claims and dies: nothing is marked.
  auto claimed = store::claim_due_deliveries(*db_, store::webhook_time(t), store::webhook_time(t + 30s), 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(only_delivery(id).status, "sending");
  EXPECT_EQ(step(t + 10s).claimed(), 0);  // still leased
  auto run = step(t + 31s);
  EXPECT_EQ(run.delivered, 1);
  // The dead worker's late mark is refused: its lease is gone.
  store::AttemptOutcome late;
  late.status = "delivered";
  late.worker = "dead";
  late.started_at = late.finished_at = store::webhook_time(t + 40s);
  EXPECT_FALSE(store::record_attempt(*db_, claimed[0], late));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_attempts"), 1);
}

TEST_F(WorkerTest, SeveralWorkersAtOnceSendEachNotificationOnce) {
  for (int i = 0; i < 120; ++i) {
    const std::string subject = "SUBJ" + std::to_string(1000 + i);
    set_contact(subject, "email", "p" + std::to_string(i) + "@example.org");
    add_message(subject, "comunicazione", "", "", Clock::now(), R"({"oggetto":"Avviso di prova","testo":"Testo."})");
  }
  settings_.batch_size = 7;
  // Two databases (pools) like two processes, two threads each.
  store::Database other(store::parse_database_url(url_), 4);
  FanOut other_fanout(other, *templates_, nullptr, fanout_settings(true, false, false));
  ReminderScheduler other_scheduler(other);
  NotificationWorker second(other, other_fanout, other_scheduler, {{"email", scripted(email_)}}, settings_);
  std::atomic<int> idle{0};
  auto loop = [&](NotificationWorker& w) {
    ChannelSet channels(w.factories());
    int quiet = 0;
    while (quiet < 3) {
      auto r = w.run_once(Clock::now(), channels);
      quiet = r.fanned_out + r.claimed() == 0 ? quiet + 1 : 0;
    }
    ++idle;
  };
  NotificationWorker& first = worker();
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { loop(first); });
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { loop(second); });
  for (auto& t : threads) t.join();
  auto sent = email_->all();
  std::set<std::string> keys;
  for (const auto& n : sent) keys.insert(n.idempotency_key);
  EXPECT_EQ(sent.size(), 120u);
  EXPECT_EQ(keys.size(), 120u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE status = 'delivered'"), 120);
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE state = 'ready'"), 120);
}

TEST_F(WorkerTest, StartedThreadsDeliverWhatIsWokenAndStopCleanly) {
  settings_.threads = 2;
  settings_.poll_interval = 50ms;
  settings_.scheduler = false;
  set_contact(kMaria, "email", "maria@example.org");
  worker().start();
  const long long id = add_message(kMaria, "pratica-aperta");
  worker().wake();
  // Waiting for the threads (not a timing assertion: the bound only stops a broken run).
  for (int i = 0; i < 500 && count("SELECT COUNT(*) FROM notifications WHERE status = 'delivered'") == 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(only_delivery(id).status, "delivered");
  worker().stop();
  EXPECT_EQ(email_->calls.load(), 1);
}

TEST_F(WorkerTest, AnUnsubscribeCancelsWhatHasNotLeftYet) {
  set_contact(kMaria, "email", "maria@example.org");
  const long long id = add_message(kMaria, "pratica-aperta", "", "", Clock::now());
  FanOut(*db_, *templates_, nullptr, fanout_settings(true, false, false)).run_once(Clock::now());
  EXPECT_EQ(store::cancel_pending_deliveries(*db_, kMaria, "", "email", "disiscrizione", store::webhook_time(Clock::now())), 1);
  EXPECT_EQ(step(Clock::now()).claimed(), 0);
  EXPECT_EQ(only_delivery(id).status, "cancelled");
  EXPECT_EQ(email_->calls.load(), 0);
}

}  // namespace
}  // namespace au::notify::testing
