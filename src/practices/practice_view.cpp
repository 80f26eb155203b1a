#include "practices/practice_view.h"

#include <chrono>


namespace au::practices {

using nlohmann::json;

namespace {

json date_or_null(const std::optional<domain::Date>& d) {
  return d ? json(domain::format_date(*d)) : json(nullptr);
}

std::string kind_code(domain::PracticeEventKind k) {
  return domain::event_type_name(k).substr(domain::kPracticeEventPrefix.size());
}

}  // namespace

std::vector<domain::TimelineEvent> timeline_of(const std::vector<store::StoredEvent>& events) {
  std::vector<domain::TimelineEvent> timeline;
  timeline.reserve(events.size());
  for (const auto& e : events) {
    auto kind = domain::parse_event_type(e.type);
    if (!kind) continue;
    domain::TimelineEvent t;
    t.sequence = e.sequence;
    t.kind = *kind;
    t.time_ms = e.event_time_ms;
    t.time = e.event_time;
    t.status = domain::parse_status_code(e.status);
    t.backoffice_code = e.backoffice_code;
    t.backoffice_label = e.backoffice_label;
    json doc = json::parse(e.document, nullptr, false);
    t.data = doc.is_object() && doc.contains("data") && doc["data"].is_object() ? doc["data"] : json::object();
    timeline.push_back(std::move(t));
  }
  return timeline;
}

domain::PracticeFacts facts_of(const store::PracticeRecord& p) {
  domain::PracticeFacts facts;
  facts.submitted_on = domain::parse_civil_date(p.submitted_on);
  facts.terms.legal_term_days = p.legal_term_days;
  facts.terms.silenzio_assenso = p.silenzio_assenso;
  return facts;
}

domain::Date rome_today() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return domain::rome_date(ms.count());
}

PracticeView load_practice_view(store::Database& db, store::PracticeRecord record,
                                const domain::CatalogSnapshot& catalog, const std::string& base_url,
                                domain::Date today) {
  PracticeView v;
  v.projection =
      domain::project_practice(facts_of(record), timeline_of(store::events_of_practice(db, record.id)), today);
  v.service = catalog.service_by_id(record.service_id);
  if (v.service) v.service_url = base_url + "/servizi/" + v.service->slug;
  if (const auto* ente = catalog.ente_by_id(record.ente_id)) v.ente_name = ente->name;
  v.record = std::move(record);
  return v;
}

json practice_summary_json(const PracticeView& v) {
  const auto& p = v.record;
  const auto& pr = v.projection;
  json j = {{"id", p.id},
            {"title", p.title},
            {"ente", {{"id", p.ente_id}, {"name", v.ente_name}}},
            {"service", {{"id", p.service_id}, {"url", v.service_url}}},
            {"status", {{"code", domain::status_code(pr.status)}, {"label", domain::status_label(pr.status)}}},
            {"backoffice_status", {{"code", pr.backoffice_code}, {"label", pr.backoffice_label}}},
            {"backoffice", {{"system", p.backoffice_system}, {"reference", p.backoffice_ref}, {"url", p.backoffice_url}}},
            {"next_actor", domain::next_actor_label(pr.next_actor)},
            {"next_deadline", date_or_null(pr.next_deadline)},
            {"next_deadline_label", pr.next_deadline_label},
            {"opened_at", p.opened_at},
            {"updated_at", p.updated_at}};
  if (pr.deadline) {
    j["overdue"] = pr.deadline->overdue;
    j["days_remaining"] = pr.deadline->days_remaining;
  }
  return j;
}

json practice_detail_json(const PracticeView& v) {
  const auto& p = v.record;
  const auto& pr = v.projection;
  json j = practice_summary_json(v);
  j["applicant"] = {{"id", p.applicant}, {"name", p.applicant_name}};
  j["beneficiary"] = p.beneficiary.empty() ? json(nullptr) : json(p.beneficiary);
  j["intermediary"] = p.intermediary.empty() ? json(nullptr)
                                             : json{{"id", p.intermediary}, {"delegation", p.delegation_id}};
  j["protocol"] = {{"number", pr.protocol_number}, {"date", date_or_null(pr.protocol_date)}};
  j["submitted_on"] = p.submitted_on.empty() ? json(nullptr) : json(p.submitted_on);
  j["legal_term_days"] = p.legal_term_days;
  j["silenzio_assenso"] = p.silenzio_assenso;
  if (pr.deadline) {
    const auto& d = *pr.deadline;
    j["deadline"] = {{"received", date_or_null(pr.received)},
                     {"due", domain::format_date(d.due)},
                     {"due_unadjusted", domain::format_date(d.due_unadjusted)},
                     {"suspended_days", d.suspended_days},
                     {"suspended_now", d.suspended_now},
                     {"silence_is_consent_from", date_or_null(d.silence_is_consent_from)},
                     {"days_remaining", d.days_remaining},
                     {"overdue", d.overdue}};
  } else {
    j["deadline"] = nullptr;
  }
  json timeline = json::array();
  for (const auto& e : pr.timeline) {
    json item = {{"sequence", e.sequence},
                 {"type", kind_code(e.kind)},
                 {"label", domain::event_kind_label(e.kind)},
                 {"time", e.time},
                 {"status", e.status ? json(domain::status_code(*e.status)) : json(nullptr)},
                 {"backoffice_status", {{"code", e.backoffice_code}, {"label", e.backoffice_label}}}};
    // What the person may read of the event: the descriptive members, never the whole data.
    for (const char* member : {"description", "text", "protocol_number", "protocol_date", "esito", "request_id",
                               "title", "url", "due_date"})
      if (e.data.contains(member) && (e.data[member].is_string() || e.data[member].is_number()))
        item[member] = e.data[member];
    timeline.push_back(std::move(item));
  }
  j["timeline"] = std::move(timeline);
  json documents = json::array();
  for (const auto& d : pr.documents)
    documents.push_back({{"title", d.title}, {"url", d.url}, {"media_type", d.media_type}, {"date", domain::format_date(d.date)}});
  j["documents"] = std::move(documents);
  json requests = json::array();
  for (const auto& r : pr.open_requests)
    requests.push_back({{"id", r.request_id},
                        {"type", kind_code(r.kind)},
                        {"description", r.description},
                        {"requested_on", domain::format_date(r.requested_on)},
                        {"due", domain::format_date(r.due)},
                        {"overdue", r.overdue}});
  j["open_requests"] = std::move(requests);
  return j;
}

}  // namespace au::practices
