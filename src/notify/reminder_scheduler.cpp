#include "notify/reminder_scheduler.h"

#include <map>
#include <string>

#include "domain/delivery_policy.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"
#include "store/webhook_repository.h"

namespace au::notify {

ReminderScheduler::ReminderScheduler(store::Database& db, std::vector<int> default_days)
    : db_(db), default_days_(std::move(default_days)) {}

SchedulerRun ReminderScheduler::run(domain::Date today, std::chrono::system_clock::time_point now) {
  const std::string at = store::webhook_time(now);
  const std::string created = store::now_iso8601();
  // Services that share a list of offsets share the bands: one statement per band and group.
  std::map<std::vector<int>, std::vector<std::string>> groups;
  for (const auto& s : store::reminder_settings(db_)) {
    auto days = domain::parse_reminder_days(s.days_json);
    if (days) groups[*days].push_back(s.service_id);
  }
  SchedulerRun run;
  auto apply = [&](const std::vector<int>& days, const std::vector<std::string>& services, bool defaults) {
    for (const auto& band : domain::reminder_bands(days, today))
      run.reminders += store::create_deadline_reminders(db_, band.days, domain::format_date(band.first_date),
                                                        domain::format_date(band.last_date), services, defaults, at,
                                                        created);
  };
  auto own = groups.find(default_days_);
  apply(default_days_, own != groups.end() ? own->second : std::vector<std::string>{}, true);
  for (const auto& [days, services] : groups)
    if (days != default_days_) apply(days, services, false);
  run.alerts = store::create_overdue_alerts(db_, domain::format_date(today), at, created);
  return run;
}

}  // namespace au::notify
