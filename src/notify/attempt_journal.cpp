#include "notify/attempt_journal.h"

#include <exception>

namespace au::notify {

struct AttemptJournal::Entry {
  store::AttemptRecord attempt;
  bool done = false, recorded = false;
  std::exception_ptr error;
};

bool AttemptJournal::record(const store::ClaimedNotification& n, const store::AttemptOutcome& o) {
  Entry mine;
  mine.attempt = store::AttemptRecord{&n, &o};
  std::unique_lock lock(mutex_);
  queued_.push_back(&mine);
  while (!mine.done) {
    if (committing_) {
      committed_.wait(lock);
      continue;
    }
    // Lead: store everything queued, outside the lock so that others can queue meanwhile.
    committing_ = true;
    std::vector<Entry*> batch;
    batch.swap(queued_);
    lock.unlock();
    std::vector<store::AttemptRecord> attempts;
    attempts.reserve(batch.size());
    for (const Entry* e : batch) attempts.push_back(e->attempt);
    std::vector<bool> recorded;
    std::exception_ptr error;
    try {
      recorded = store::record_attempts(db_, attempts);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i]->done = true;
      batch[i]->recorded = !error && recorded[i];
      batch[i]->error = error;
    }
    committing_ = false;
    committed_.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return mine.recorded;
}

}  // namespace au::notify
