// Sends to a list of recipients by operators and integrators:
//   POST /api/v1/notifications               a send now or at send_at (202, the send's id)
//   GET  /api/v1/notifications               the owner's sends, newest first
//   GET  /api/v1/notifications/{id}          one send with its messages and deliveries by status
//   POST /api/v1/notifications/{id}/cancel   cancels a scheduled send not yet gone out (409 after)
//
// Contract: 401 without credentials; allowed to operators of an ente (session, X-CSRF-Token;
// the send belongs to the ente) and to live applications with scope notifiche:invio (the send
// belongs to the application; test applications are refused: they never reach real people).
// The per-key rate limits of the API store apply to applications (identity/api_access.h) and a
// send is at most 1,000 recipients; a send of another owner is 404. Bad input is 422 with every
// problem and its JSON path, and nothing is written.
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

struct NotificationsApiDeps {
  store::Database* db = nullptr;
  std::string base_url;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
  std::function<void()> on_send;  // wakes the notification worker
};

class NotificationsApi {
 public:
  explicit NotificationsApi(NotificationsApiDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  struct Owner {
    std::string kind, id, author;
  };
  web::Response route(const web::Request& req, const identity::Caller& caller);
  web::Response create(const web::Request& req, const Owner& owner);

  NotificationsApiDeps deps_;
};

}  // namespace au::api
