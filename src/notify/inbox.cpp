#include "notify/inbox.h"

#include "domain/notification_template.h"

namespace au::notify {

using nlohmann::json;

std::vector<std::string> inbox_subjects(const domain::Principal& who) {
  std::vector<std::string> out;
  if (who.is_person()) {
    out.push_back(who.subject);
    for (const auto& b : who.businesses) out.push_back(b);
  } else if (who.kind == domain::Principal::Kind::Application && !who.application_owner.empty() &&
             who.environment == "live") {
    out.push_back(who.application_owner);
  }
  return out;
}

std::string delivery_status_label(const std::string& status) {
  if (status == "created") return "In coda";
  if (status == "sending") return "In invio";
  if (status == "delivered") return "Consegnato";
  if (status == "temporary-failure") return "Non consegnato per ora";
  if (status == "permanent-failure") return "Indirizzo non valido";
  if (status == "technical-failure") return "Errore tecnico";
  if (status == "cancelled") return "Annullato";
  return status;
}

std::string channel_label(const std::string& channel) {
  if (channel == "email") return "Email";
  if (channel == "io") return "App IO";
  if (channel == "sms") return "SMS";
  if (channel == "webhook") return "Webhook";
  if (channel == "inbox") return "Area personale";
  return channel;
}

json message_json(const store::MessageRecord& m) {
  json j = {{"id", m.id},
            {"kind", m.kind},
            {"subject", m.subject},
            {"body", m.body},
            {"read", !m.read_at.empty()},
            {"created_at", m.created_at}};
  j["read_at"] = m.read_at.empty() ? json(nullptr) : json(m.read_at);
  j["practice_id"] = m.practice_id.empty() ? json(nullptr) : json(m.practice_id);
  j["service_id"] = m.service_id.empty() ? json(nullptr) : json(m.service_id);
  j["ente_id"] = m.ente_id.empty() ? json(nullptr) : json(m.ente_id);
  j["due_date"] = m.due_date.empty() ? json(nullptr) : json(m.due_date);
  return j;
}

json message_detail_json(const store::MessageRecord& m, const std::vector<store::DeliveryRecord>& deliveries) {
  json j = message_json(m);
  json list = json::array();
  for (const auto& d : deliveries) {
    json item = {{"channel", d.channel}, {"status", d.status}, {"attempts", d.attempts}};
    item["reason"] = d.reason.empty() ? json(nullptr) : json(d.reason);
    item["updated_at"] = d.updated_at;
    list.push_back(std::move(item));
  }
  j["deliveries"] = std::move(list);
  return j;
}

}  // namespace au::notify
