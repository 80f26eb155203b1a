// Sends by operators and integrators to a list of recipients, now or at a chosen time, and
// their cancellation ("comunicazione" messages: the text is the sender's, the layout ours).
//
// Contract:
// - parse_bulk_request() checks everything before anything is written: 1..1000 recipients
//   (personal fiscal codes or P.IVA, valid check characters; duplicates dropped), subject 10-120
//   characters, text 1-5,000 (no control characters but newlines), an existing catalogue
//   service when given, send_at (UTC "YYYY-MM-DDTHH:MM:SSZ") not in the past and at most 90
//   days ahead.
// - create_bulk_send() writes the send and one message per recipient in ONE transaction (dedup
//   key 'invio:<id>:<recipient>'). Its messages are never sent on App IO, which forbids mass
//   communications; the inbox, email, SMS and webhooks per each recipient's preferences.
// - A scheduled send can be cancelled while none of its messages went out
//   (store::cancel_bulk_send).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "domain/cloud_event.h"
#include "store/database.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"

namespace au::notify {

inline constexpr std::size_t kMaxBulkRecipients = 1000;

struct BulkRequest {
  std::vector<std::string> recipients;
  std::string subject, text, service_id;
  std::string send_at;  // '' = now
};

std::vector<domain::FieldError> parse_bulk_request(const nlohmann::json& body, const domain::CatalogSnapshot* catalog,
                                                   std::int64_t now_ms, BulkRequest& out);

store::BulkSend create_bulk_send(store::Database& db, const BulkRequest& r, const std::string& owner_kind,
                                 const std::string& owner_id, const std::string& author, const std::string& now);

nlohmann::json bulk_json(const store::BulkSend& b, const store::StatusCounts& counts);

}  // namespace au::notify
