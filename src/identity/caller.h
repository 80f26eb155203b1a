// Who is making a request, as established once per request by the application before routing:
// a person with a session (portal pages and the API from the browser), an application with a
// bearer token (the API), or nobody.
#pragma once

#include <memory>
#include <optional>

#include "domain/access_policy.h"
#include "identity/sessions.h"
#include "store/identity_repository.h"

namespace au::identity {

struct Caller {
  domain::Principal principal;                          // Anonymous unless one of the two below
  std::shared_ptr<const ActiveSession> session;         // a logged-in person
  std::optional<store::ApplicationRecord> application;  // an application with a valid token

  bool anonymous() const { return principal.kind == domain::Principal::Kind::Anonymous; }
};

}  // namespace au::identity
