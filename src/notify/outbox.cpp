#include "notify/outbox.h"

#include <nlohmann/json.hpp>

#include "domain/calendar.h"
#include "domain/deadlines.h"
#include "domain/practice_projection.h"
#include "domain/practice_status.h"
#include "store/notification_repository.h"
#include "store/webhook_repository.h"

namespace au::notify {

using nlohmann::json;

namespace {

std::string text_of(const json& data, const char* name) {
  auto it = data.find(name);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The due date of a request for documents: as sent, or N days (default 30) from the day of the
// event, moved past holidays as the projection does (domain::request_due_date).
std::string request_due(const json& data, std::int64_t event_ms) {
  if (auto d = domain::parse_civil_date(text_of(data, "due_date"))) return domain::format_date(*d);
  int days = 30;
  if (auto it = data.find("due_days"); it != data.end() && it->is_number_integer()) days = it->get<int>();
  if (days < 1 || days > 365) days = 30;
  return domain::format_date(domain::request_due_date(domain::rome_date(event_ms), days));
}

std::string status_text(const std::string& code) {
  auto s = domain::parse_status_code(code);
  return s ? domain::status_label(*s) : std::string();
}

}  // namespace

std::optional<EventMessage> message_for_event(const store::StoredEvent& e, const store::PracticeRecord& practice) {
  auto kind = domain::parse_event_type(e.type);
  if (!kind) return std::nullopt;
  json doc = json::parse(e.document, nullptr, false);
  json data = doc.is_object() && doc.contains("data") && doc["data"].is_object() ? doc["data"] : json::object();
  json fields = json::object();
  if (!e.status.empty()) fields["stato"] = status_text(e.status);
  if (!e.backoffice_label.empty()) fields["stato_ente"] = e.backoffice_label;
  EventMessage m;
  using K = domain::PracticeEventKind;
  switch (*kind) {
    case K::Aperta: m.kind = "pratica-aperta"; break;
    case K::Protocollata:
      m.kind = "pratica-protocollata";
      fields["protocollo"] = text_of(data, "protocol_number");
      break;
    case K::Stato:
      // Late (an older state arriving after a newer one) or no change at all: nothing to say.
      if (std::pair(e.event_time_ms, e.sequence) < std::pair(practice.status_time_ms, practice.status_sequence))
        return std::nullopt;
      if (e.status == practice.status && e.backoffice_code == practice.backoffice_code) return std::nullopt;
      m.kind = "pratica-stato";
      break;
    case K::RichiestaIntegrazione:
      m.kind = "richiesta-integrazione";
      fields["motivo"] = text_of(data, "description");
      m.due_date = request_due(data, e.event_time_ms);
      break;
    case K::PreavvisoRigetto:
      m.kind = "preavviso-rigetto";
      fields["motivo"] = text_of(data, "description");
      // Art. 10-bis: observations within 10 days of the notice.
      m.due_date = domain::format_date(domain::add_days(domain::rome_date(e.event_time_ms), 10));
      break;
    case K::Documento:
      m.kind = "documento-disponibile";
      fields["motivo"] = text_of(data, "title");
      break;
    case K::Messaggio:
      m.kind = "messaggio-ente";
      fields["motivo"] = text_of(data, "text");
      break;
    case K::Conclusa:
      m.kind = "pratica-conclusa";
      fields["motivo"] = text_of(data, "description");
      if (fields.value("stato", std::string()).empty())
        fields["stato"] = text_of(data, "esito") == "negativo" ? "Concluso – esito negativo"
                                                               : "Concluso – esito positivo";
      break;
    case K::IntegrazioneRicevuta:
    case K::OsservazioniRicevute: return std::nullopt;
  }
  m.fields = fields.dump();
  return m;
}

void enqueue_event_messages(soci::session& tx, const store::StoredEvent& e, const store::PracticeRecord& practice) {
  auto m = message_for_event(e, practice);
  if (!m) return;
  store::MessageInserter inserter(tx);
  store::NewMessage row;
  row.kind = m->kind;
  row.practice_id = practice.id;
  row.service_id = practice.service_id;
  row.ente_id = practice.ente_id;
  row.fields = m->fields;
  row.due_date = m->due_date;
  row.send_at = store::webhook_time(e.received_at);
  row.created_at = e.received_at;
  for (const std::string* who : {&practice.applicant, &practice.intermediary}) {
    if (who->empty() || (who == &practice.intermediary && *who == practice.applicant)) continue;
    row.recipient = *who;
    row.dedup_key = "evento:" + std::to_string(e.sequence) + ":" + *who;
    inserter.insert(row);
  }
}

}  // namespace au::notify
