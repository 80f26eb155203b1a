// The group commit of delivery attempts (notify/attempt_journal.h): threads that record at the
// same time each get their own answer once their attempt is stored, a lost lease is refused
// without spoiling the others of its commit. On SQLite and PostgreSQL.
#include "notify/attempt_journal.h"

#include <thread>

#include "notify_fixture.h"

namespace au::notify::testing {
namespace {

using namespace std::chrono_literals;

class AttemptJournalTest : public NotifyTest {
 protected:
  // `n` messages fanned out to email and their deliveries claimed, as a worker would.
  std::vector<store::ClaimedNotification> claimed_deliveries(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string subject = "SUBJ" + std::to_string(2000 + i);
      set_contact(subject, "email", "p" + std::to_string(i) + "@example.org");
      add_message(subject, "comunicazione", "", "", Clock::now(), R"({"oggetto":"Avviso di prova","testo":"Testo."})");
    }
    FanOut fanout(*db_, *templates_, nullptr, fanout_settings(true, false, false));
    const auto now = Clock::now();
    EXPECT_EQ(fanout.run_once(now), n);
    return store::claim_due_deliveries(*db_, store::webhook_time(now), store::webhook_time(now + 60s),
                                       static_cast<std::size_t>(n));
  }
  static store::AttemptOutcome delivered(const std::string& worker) {
    store::AttemptOutcome o;
    o.status = "delivered";
    o.worker = worker;
    o.started_at = o.finished_at = store::webhook_time(Clock::now());
    return o;
  }
};

TEST_F(AttemptJournalTest, ThreadsRecordingAtOnceAreAllStoredEachWithItsOwnAnswer) {
  constexpr int kThreads = 8, kEach = 5;
  auto claimed = claimed_deliveries(kThreads * kEach);
  ASSERT_EQ(claimed.size(), std::size_t(kThreads * kEach));
  AttemptJournal journal(*db_);
  std::atomic<int> recorded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (journal.record(claimed[t * kEach + i], delivered("test:" + std::to_string(t)))) ++recorded;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(recorded.load(), kThreads * kEach);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE status = 'delivered' AND attempts = 1"), kThreads * kEach);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_attempts"), kThreads * kEach);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT notification_id) FROM notification_attempts"), kThreads * kEach);
}

TEST_F(AttemptJournalTest, ALostLeaseIsRefusedAndTheOthersOfItsCommitAreStored) {
  auto claimed = claimed_deliveries(3);
  ASSERT_EQ(claimed.size(), 3u);
  claimed[1].lease_until = "2000-01-01T00:00:00.000Z";  // another worker's lease now
  const auto outcome = delivered("test:1");
  // One batch of the store, as a leader would commit it.
  auto stored = store::record_attempts(
      *db_, {{&claimed[0], &outcome}, {&claimed[1], &outcome}, {&claimed[2], &outcome}});
  EXPECT_EQ(stored, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE status = 'delivered'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE status = 'sending' AND id = " +
                  std::to_string(claimed[1].id)),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_attempts"), 2);
  // And through the journal: the refused one answers false.
  AttemptJournal journal(*db_);
  EXPECT_FALSE(journal.record(claimed[1], outcome));
}

}  // namespace
}  // namespace au::notify::testing
