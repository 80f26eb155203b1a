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
  std::shared_ptr<const ActiveSession> session;         // a logged-in person
  std::optional<store::ApplicationRecord> application;  // an application with a valid token
  domain::Principal application_principal;             // set with `application`

  // The session's principal (not copied: this runs on every request), the application's, or
  // the anonymous one.
  const domain::Principal& principal() const {
    static const domain::Principal nobody;
    if (session) return session->principal;
    if (application) return application_principal;
    return nobody;
  }
  bool anonymous() const { return !session && !application; }
};

}  // namespace au::identity
