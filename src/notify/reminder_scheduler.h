// The reminder scheduler: before each deadline a person must meet (an open request for
// documents, the 10-bis observations), a `promemoria-scadenza` message at the offsets of the
// practice's service (default 7 days and 1 day before; reminder_settings per service), and to
// the operators of the ente a `scadenza-superata` alert when a practice passes its legal term
// without a conclusion.
//
// Contract: run() is idempotent. Each reminder is one message with the dedup key
// 'promemoria:<practice>:<due date>:<days>:<recipient>', created by a set-based INSERT ... SELECT
// ON CONFLICT DO NOTHING, so restarts and two schedulers at once create it exactly once. Offsets
// are applied as bands (domain::reminder_bands): a scheduler that was down catches up with the
// nearest offset only, never two reminders at once for one deadline.
//
// Daily digests: from 08:00 Rome time, each subject with the digest on whose last digest is
// older than today gets one `riepilogo-giornaliero` message (an email listing the messages of
// the last 24 hours; dedup key 'riepilogo:<subject>:<date>'), when there was any.
#pragma once

#include <chrono>
#include <vector>

#include "domain/calendar.h"
#include "store/database.h"

namespace au::notify {

struct SchedulerRun {
  long long reminders = 0, alerts = 0, digests = 0;
};

class ReminderScheduler {
 public:
  explicit ReminderScheduler(store::Database& db, std::vector<int> default_days = {7, 1});
  SchedulerRun run(domain::Date today, std::chrono::system_clock::time_point now);

 private:
  long long make_digests(domain::Date today, std::chrono::system_clock::time_point now);

  store::Database& db_;
  std::vector<int> default_days_;
};

}  // namespace au::notify
