// The notification worker: threads that fan out due messages (notify/fanout.h), deliver due
// notifications on their channels (channels/), and, on one of them, run the reminder scheduler
// every minute. `accesso-unico worker` runs it alone; `serve` runs it in-process unless told not
// to. Any number of workers may run against one database (store/notification_repository.h:
// leases, SKIP LOCKED on PostgreSQL).
//
// Delivery outcome -> stored status (GOV.UK Notify's model):
//   Delivered        -> delivered
//   TemporaryFailure -> temporary-failure, retried with exponential backoff and full jitter
//                       (domain::next_retry_ms) until 72 hours after the first attempt; after
//                       that it stays temporary-failure with no next attempt, and the reason
//   PermanentFailure -> permanent-failure, the address is flagged (skipped until changed)
//   TechnicalFailure -> technical-failure (our side: content, configuration)
// Every attempt is recorded (notification_attempts) with the worker's id, before the thread
// sends anything else (notify/attempt_journal.h: group commit across the threads).
// Never logged: addresses, content, secrets; only ids, channels, outcomes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/channel.h"
#include "domain/delivery_policy.h"
#include "notify/attempt_journal.h"
#include "notify/fanout.h"
#include "notify/reminder_scheduler.h"
#include "store/database.h"
#include "store/notification_repository.h"

namespace au::notify {

struct WorkerSettings {
  unsigned threads = 4;                                  // each keeps its own channel connections
  std::size_t batch_size = 20;                           // deliveries claimed at once by a thread
  std::chrono::milliseconds lease{120'000};              // longer than any channel's timeout
  std::chrono::milliseconds poll_interval{500};          // an idle thread looks for work this often
  std::chrono::milliseconds scheduler_interval{60'000};  // reminders and overdue alerts
  bool scheduler = true;
  domain::RetryPolicy retry;
  std::string worker_id;                                 // recorded with each attempt (host:pid)
  std::string base_url;                                  // for the emails' unsubscribe links
};

struct DeliveryRun {
  int fanned_out = 0, delivered = 0, retrying = 0, failed = 0, released = 0;
  int claimed() const { return delivered + retrying + failed + released; }
};

// The channels of one thread, made by the factories (a missing or null one: not configured).
class ChannelSet {
 public:
  explicit ChannelSet(const std::map<std::string, channels::ChannelFactory>& factories);
  channels::Channel* get(const std::string& channel);

 private:
  const std::map<std::string, channels::ChannelFactory>& factories_;
  std::map<std::string, std::unique_ptr<channels::Channel>> made_;
};

class NotificationWorker {
 public:
  NotificationWorker(store::Database& db, FanOut& fanout, ReminderScheduler& scheduler,
                     std::map<std::string, channels::ChannelFactory> factories, WorkerSettings settings);
  ~NotificationWorker();  // stop()
  NotificationWorker(const NotificationWorker&) = delete;
  NotificationWorker& operator=(const NotificationWorker&) = delete;

  void start();
  // Wakes the threads and joins them; a send in progress finishes, the rest of a batch is
  // given back.
  void stop();
  // New messages may be due (the ingest calls it after a commit; an API send too).
  void wake();

  // One pass on the calling thread at `now`: fan out one batch, deliver one batch. Retry times
  // are computed from `now`, so tests can step a synthetic clock.
  DeliveryRun run_once(std::chrono::system_clock::time_point now, ChannelSet& channels);
  // The scheduler, now (also `accesso-unico worker --once`).
  SchedulerRun run_scheduler(std::chrono::system_clock::time_point now);

  const std::map<std::string, channels::ChannelFactory>& factories() const { return factories_; }

 private:
  enum class Result { Delivered, Retrying, Failed, Released };
  Result deliver(const store::ClaimedNotification& n, ChannelSet& channels, std::chrono::system_clock::time_point now);
  void loop(unsigned index);

  store::Database& db_;
  FanOut& fanout_;
  ReminderScheduler& scheduler_;
  std::map<std::string, channels::ChannelFactory> factories_;
  WorkerSettings settings_;
  AttemptJournal journal_;  // outcomes of all threads, committed together
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // bumped by wake(); guarded by mutex_
  std::atomic<bool> stopping_{false};
};

}  // namespace au::notify
