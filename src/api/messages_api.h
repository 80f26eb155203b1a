// The caller's messages and notification choices, in JSON:
//   GET    /api/v1/messages                       the inbox, newest first (?non_letti=true,
//                                                 ?limite=1..100, ?prima_di=<id> for the next page)
//   GET    /api/v1/messages/{id}                  one message, with the state of each delivery
//   POST   /api/v1/messages/{id}/read             marks it read (204); DELETE: unread again
//   GET    /api/v1/notification-preferences       contacts, channels, per-service switches, quiet hours
//   PUT    /api/v1/notification-preferences       changes any of them (webhook secret shown once)
//   POST   /api/v1/calendar-feed                  a new secret calendar address (the old one stops)
//   DELETE /api/v1/calendar-feed                  revokes it
//
// Contract: 401 problem+json without credentials. A person reads and changes their own; an
// application (live, scope pratiche:lettura) may only read its owner's inbox. A message of
// someone else is 404. Writes from a browser session need X-CSRF-Token. Bad input is 400/422
// with every problem and its JSON path; nothing is written then.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "store/database.h"
#include "web/http.h"

namespace au::api {

struct MessagesApiDeps {
  store::Database* db = nullptr;
  std::string base_url;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
  std::function<void()> on_change;  // wakes the notification worker (cancelled deliveries)
};

class MessagesApi {
 public:
  explicit MessagesApi(MessagesApiDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  web::Response messages(const web::Request& req, const identity::Caller& caller);
  web::Response preferences(const web::Request& req, const identity::Caller& caller);
  web::Response calendar(const web::Request& req, const identity::Caller& caller);

  MessagesApiDeps deps_;
};

}  // namespace au::api
