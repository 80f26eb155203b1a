// Delegations (deleghe): a person or a business grants a professional the right to act on its
// behalf for all services, or for chosen services or enti, within a validity window. The
// professional accepts with the code the grantor received; either side revokes, the
// professional may reject; the history is kept. Used by the personal-area pages and the API,
// so both enforce the same rules.
//
// Contract: every operation asks domain::decide() first and answers a DelegationResult with an
// HTTP-like status (201/200, 403/404 from the policy, 422 with an Italian message for invalid
// input, 409 when the delegation is no longer in a state that allows the operation). The
// acceptance code is returned once, at creation, and stored only as a hash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access_policy.h"
#include "domain/catalog_snapshot.h"
#include "store/database.h"
#include "store/identity_repository.h"

namespace au::identity {

struct DelegationRequest {
  std::string grantor;            // the person's own fiscal code, or a P.IVA they represent
  std::string delegate;           // the professional's fiscal code
  std::string scope;              // "tutti", "servizi" or "enti"
  std::vector<std::string> services, enti;
  std::string valid_from, valid_until;  // YYYY-MM-DD, both days included
};

struct DelegationResult {
  int status = 200;
  std::string error;              // Italian, for people; empty on success
  std::string reason;             // policy reason code when denied
  std::optional<store::DelegationRecord> delegation;
  std::string acceptance_code;    // only at creation
};

class DelegationService {
 public:
  explicit DelegationService(store::Database& db) : db_(db) {}

  // actor_name: the grantor's display name when granting for oneself.
  DelegationResult grant(const domain::Principal& actor, const std::string& actor_name, const DelegationRequest& req,
                         const domain::CatalogSnapshot& cat, const std::string& now);
  DelegationResult accept(const domain::Principal& actor, const std::string& code, const std::string& now);
  DelegationResult reject(const domain::Principal& actor, const std::string& id, const std::string& now);
  DelegationResult revoke(const domain::Principal& actor, const std::string& id, const std::string& now);
  // Delegations the person (and the businesses they represent) granted, and those they received.
  std::vector<store::DelegationRecord> granted_by(const domain::Principal& actor);
  std::vector<store::DelegationRecord> received_by(const domain::Principal& actor);

 private:
  // reject/revoke: a party of the delegation moves it from one of `from` to `to` (the event is
  // named like the new status); `refused` is the 409 message when its status does not allow it.
  DelegationResult close(const domain::Principal& actor, const std::string& id, const std::vector<std::string>& from,
                         const std::string& to, bool delegate_only, const std::string& refused, const std::string& now);

  store::Database& db_;
};

}  // namespace au::identity
