#include "notify/reminder_scheduler.h"

#include <soci/soci.h>

#include <algorithm>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/delivery_policy.h"
#include "domain/utc_time.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"
#include "store/webhook_repository.h"

namespace au::notify {

namespace {
constexpr int kDigestHour = 8;                // Rome time
constexpr std::size_t kDigestMaxItems = 30;   // the rest: "in the personal area"
}  // namespace

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
  run.digests = make_digests(today, now);
  return run;
}

long long ReminderScheduler::make_digests(domain::Date today, std::chrono::system_clock::time_point now) {
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t local_minute = ((now_ms / 60'000 + domain::rome_offset_minutes(now_ms)) % 1440 + 1440) % 1440;
  if (local_minute < kDigestHour * 60) return 0;
  const std::string day = domain::format_date(today);
  const std::string since = domain::format_utc(now_ms / 1000 - 24 * 3600);
  long long made = 0;
  for (const auto& subject : store::subjects_due_for_digest(db_, day)) {
    auto messages = store::ready_messages_since(db_, subject, since, kDigestMaxItems + 1);
    if (!messages.empty()) {
      std::string list;
      for (std::size_t i = 0; i < messages.size() && i < kDigestMaxItems; ++i)
        list += (i ? "\n\n" : "") + messages[i].subject;
      if (messages.size() > kDigestMaxItems) list += "\n\n…e altri messaggi nell'area personale.";
      const nlohmann::json fields = {{"numero", std::to_string(std::min(messages.size(), kDigestMaxItems))},
                                     {"elenco", list}};
      auto s = db_.acquire();
      soci::transaction tx(*s);
      store::MessageInserter inserter(*s);
      store::NewMessage m;
      m.dedup_key = "riepilogo:" + subject + ":" + day;
      m.recipient = subject;
      m.kind = store::kDigestKind;
      m.fields = fields.dump();
      m.send_at = store::webhook_time(now);
      m.created_at = store::now_iso8601();
      if (inserter.insert(m)) ++made;
      tx.commit();
    }
    store::set_last_digest(db_, subject, day);
  }
  return made;
}

}  // namespace au::notify
