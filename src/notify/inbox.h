// The inbox ("Messaggi" of the personal area, GET /api/v1/messages): the ready messages
// addressed to a person and to the businesses they represent, newest first, read/unread.
//
// Contract: a principal reads only the subjects of inbox_subjects(); a message of another
// subject is "not found" (its existence must not leak). JSON shapes are the API's (docs/openapi.yaml
// Message, MessageList).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access_policy.h"
#include "store/notification_repository.h"

namespace au::notify {

// The person's fiscal code and the P.IVA of the businesses they represent; for an application
// acting for its owner, the owner's fiscal code; nobody else's.
std::vector<std::string> inbox_subjects(const domain::Principal& who);

// Italian labels: the message kind ("Richiesta di integrazione"), a delivery status ("Consegnato").
std::string delivery_status_label(const std::string& status);
std::string channel_label(const std::string& channel);

nlohmann::json message_json(const store::MessageRecord& m);
// With the state of each delivery (channel, status, attempts, reason; never the address).
nlohmann::json message_detail_json(const store::MessageRecord& m, const std::vector<store::DeliveryRecord>& deliveries);

}  // namespace au::notify
