// Group commit of delivery attempts. Each worker thread must have the outcome of a send stored
// before it sends the next one: then a crash can repeat at most the one send in flight per
// thread (the bound the reliability test checks). Committing each outcome on its own costs one
// disk flush per email, and with SQLite's single writer the threads queue for it. Here a thread
// that finds no commit running takes every outcome queued so far (its own included) and stores
// them in one transaction (store::record_attempts); the others wait for that commit, then the
// next one leads. Same guarantee per thread, one flush for every thread's outcome at once.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/database.h"
#include "store/notification_repository.h"

namespace au::notify {

class AttemptJournal {
 public:
  explicit AttemptJournal(store::Database& db) : db_(db) {}

  // Returns once the attempt is committed: true when recorded, false when the delivery's lease
  // was lost (nothing written). A database error is thrown to every thread of that commit.
  bool record(const store::ClaimedNotification& n, const store::AttemptOutcome& o);

 private:
  struct Entry;
  store::Database& db_;
  std::mutex mutex_;
  std::condition_variable committed_;
  std::vector<Entry*> queued_;  // guarded by mutex_
  bool committing_ = false;     // a leader is storing a batch; guarded by mutex_
};

}  // namespace au::notify
