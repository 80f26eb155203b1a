// Webhook subscriptions of the practices hub (/api/v1/webhooks...).
//
//   POST   /api/v1/webhooks                                {url, event_types?, ente?} -> 201 with the secret
//   GET    /api/v1/webhooks                                the caller's subscriptions (never the secret)
//   GET    /api/v1/webhooks/{id}                           one of them
//   DELETE /api/v1/webhooks/{id}                           deactivates it (pending deliveries end dead) -> 204
//   GET    /api/v1/webhooks/{id}/deliveries?limit=N        newest first, N in 1..200 (default 50)
//   POST   /api/v1/webhooks/deliveries/{id}/redeliver      dead or delivered -> pending again -> 202
//
// Contract: handle() answers paths under /api/v1/webhooks and returns nullopt for others.
// Owners: an application (bearer) with scope pratiche:lettura in the live environment (test
// applications never receive real practice data) owns its subscriptions; a person with role
// operatore-ente owns, with every operator of the same ente, the ente's subscriptions. Nobody:
// 401; anyone else: 403; another owner's subscription or delivery: 404 (existence does not
// leak). Writes from a browser session need X-CSRF-Token (the session's token). Bodies are
// application/json (415 otherwise), at most 64 KiB (413); invalid members: 422 problem+json
// with "errors": [{path (JSON Pointer), message (Italian)}]. At most 20 active subscriptions
// per owner (409 beyond): each one multiplies the outbound traffic of every event.
#pragma once

#include <optional>
#include <string>

#include "identity/caller.h"
#include "practices/webhooks.h"
#include "store/database.h"
#include "web/http.h"

namespace au::api {

struct WebhooksApiDeps {
  store::Database* db = nullptr;
  std::string base_url;                                // Origin check of browser writes
  practices::WebhookDispatcher* dispatcher = nullptr;  // optional: woken after a redelivery
};

class WebhooksApi {
 public:
  explicit WebhooksApi(WebhooksApiDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  struct Owner {
    std::string kind, id;
  };
  web::Response route(const web::Request& req, const identity::Caller& caller, const std::vector<std::string>& rest);
  web::Response create(const web::Request& req, const Owner& owner);
  web::Response redeliver(const Owner& owner, const std::string& delivery_id);
  web::Response deliveries(const web::Request& req, const Owner& owner, const std::string& subscription_id);
  WebhooksApiDeps deps_;
};

}  // namespace au::api
