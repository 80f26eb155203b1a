#include "notify/calendar_feed.h"

#include "domain/icalendar.h"
#include "practices/practice_view.h"
#include "store/practice_repository.h"

namespace au::notify {

std::string calendar_of(store::Database& db, const std::vector<std::string>& subjects,
                        const domain::CatalogSnapshot& catalog, const std::string& base_url, std::int64_t now_ms) {
  const domain::Date today = domain::rome_date(now_ms);
  std::vector<domain::CalendarEntry> entries;
  for (auto& record : store::practices_of_subjects(db, subjects, 500)) {
    if (record.status.rfind("concluso", 0) == 0) continue;
    auto view = practices::load_practice_view(db, record, catalog, base_url, today);
    const std::string url = base_url + "/area-personale/pratiche/" + view.record.id;
    const std::string title = view.record.title;
    for (const auto& r : view.projection.open_requests) {
      domain::CalendarEntry e;
      e.uid = view.record.id + "-richiesta-" + r.request_id + "@umbriasemplice.it";
      e.date = r.due;
      e.summary = (r.kind == domain::PracticeEventKind::PreavvisoRigetto ? "Osservazioni da inviare: "
                                                                          : "Documenti da inviare: ") + title;
      e.description = r.description + "\n\nPratica: " + title + "\n" + url;
      e.url = url;
      e.alarm_days_before = {7, 1};
      e.last_modified_ms = view.record.status_time_ms;
      entries.push_back(std::move(e));
    }
    if (view.projection.deadline) {
      domain::CalendarEntry e;
      e.uid = view.record.id + "-termine@umbriasemplice.it";
      e.date = view.projection.deadline->due;
      e.summary = "Termine per la conclusione: " + title;
      e.description = "Entro questa data " + (view.ente_name.empty() ? std::string("l'ente") : view.ente_name) +
                      " deve concludere il procedimento (L. 241/1990).\n\n" + url;
      e.url = url;
      e.last_modified_ms = view.record.status_time_ms;
      entries.push_back(std::move(e));
    }
  }
  return domain::render_calendar("UmbriaSemplice – le mie scadenze", entries, now_ms);
}

}  // namespace au::notify
