#include "domain/access_policy.h"

#include <array>
#include <utility>

namespace au::domain {
namespace {

struct RoleNames {
  Role role;
  const char* code;
  const char* label;
};

constexpr std::array<RoleNames, 6> kRoles = {{
    {Role::Cittadino, "cittadino", "Cittadino"},
    {Role::RappresentanteImpresa, "rappresentante-impresa", "Rappresentante d'impresa"},
    {Role::Intermediario, "intermediario", "Intermediario"},
    {Role::OperatoreEnte, "operatore-ente", "Operatore di ente"},
    {Role::Redattore, "redattore", "Redattore"},
    {Role::Amministratore, "amministratore", "Amministratore"},
}};

const RoleNames* find_role(Role r) {
  for (const auto& names : kRoles)
    if (names.role == r) return &names;
  return nullptr;
}

Decision allow(std::string delegation_id = {}) {
  Decision d;
  d.allowed = true;
  d.status = 200;  // not an error status: callers look at `allowed`, logs at least read sensibly
  d.delegation_id = std::move(delegation_id);
  return d;
}

Decision deny(int status, std::string reason) {
  Decision d;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

// The fallback for anything a rule does not list (and for applications asking for actions only
// people perform).
Decision not_allowed() { return deny(403, "not-allowed"); }

// Empty identifiers never match: an unset owner, ente or community must not equal an unset
// field of the principal and so grant access by accident.
bool same(const std::string& a, const std::string& b) { return !a.empty() && a == b; }
bool member(const std::set<std::string>& set, const std::string& value) {
  return !value.empty() && set.count(value) > 0;
}

bool is_subject(const Principal& who, const std::string& id) {
  return who.is_person() && same(who.subject, id);
}
bool represents(const Principal& who, const std::string& business) {
  return who.has(Role::RappresentanteImpresa) && member(who.businesses, business);
}
bool operates_for(const Principal& who, const std::string& ente_id) {
  return who.has(Role::OperatoreEnte) && same(who.ente_id, ente_id);
}
bool edits(const Principal& who, const std::string& community) {
  return who.has(Role::Redattore) && member(who.communities, community);
}
bool is_admin(const Principal& who) { return who.has(Role::Amministratore); }

// The in-force delegation from `grantor` to this intermediary that covers the resource, if any.
// `any_when_unspecified`: a question naming neither service nor ente is answered by any
// in-force delegation (reading data), instead of only by all-services ones (acting).
const DelegationGrant* covering_delegation(const Principal& who, const std::string& grantor,
                                           const Resource& what, const std::string& now,
                                           bool any_when_unspecified) {
  if (!who.has(Role::Intermediario)) return nullptr;
  const bool unspecified = what.service_id.empty() && what.ente_id.empty();
  for (const auto& d : who.delegations_received) {
    // delegations_received should only hold grants to this person; checking again costs
    // nothing and keeps a wrongly built principal from borrowing someone else's delegation.
    if (!same(d.grantor, grantor) || !same(d.delegate, who.subject)) continue;
    if (!delegation_in_force(d, now)) continue;
    if (unspecified && any_when_unspecified) return &d;
    if (delegation_covers(d, what.service_id, what.ente_id)) return &d;
  }
  return nullptr;
}

// An application may touch live data only from its live environment: test credentials see
// test data, whatever scopes they were given.
Decision application_access(const Principal& app, const Resource& what) {
  if (!member(app.scopes, what.scope)) return deny(403, "missing-scope");
  if (what.live_data && app.environment != "live") return deny(403, "test-environment");
  return allow();
}

// --- one rule per action ----------------------------------------------------------------------

Decision view_personal_area(const Principal& who) {
  return who.is_person() ? allow() : not_allowed();
}

Decision view_person_data(const Principal& who, const Resource& what, const std::string& now) {
  if (who.kind == Principal::Kind::Application) return application_access(who, what);
  if (!who.is_person()) return not_allowed();
  if (is_subject(who, what.owner)) return allow();
  if (represents(who, what.owner)) return allow();
  if (const auto* d = covering_delegation(who, what.owner, what, now, true)) return allow(d->id);
  if (operates_for(who, what.ente_id)) return allow();
  // Administrators coordinate the portal; they do not read people's data.
  return deny(404, "not-owner");
}

Decision act_on_behalf(const Principal& who, const Resource& what, const std::string& now) {
  if (!who.is_person()) return not_allowed();
  if (const auto* d = covering_delegation(who, what.owner, what, now, false)) return allow(d->id);
  if (represents(who, what.owner)) return allow();
  return deny(403, "no-delegation");
}

Decision grant_delegation(const Principal& who, const Resource& what) {
  if (!who.is_person()) return not_allowed();
  if (is_subject(who, what.owner) || represents(who, what.owner)) return allow();
  return deny(403, "not-owner");
}

Decision manage_delegation(const Principal& who, const Resource& what) {
  if (!who.is_person()) return not_allowed();
  if (is_subject(who, what.owner) || represents(who, what.owner) || is_subject(who, what.delegate))
    return allow();
  return deny(404, "not-party");
}

Decision accept_delegation(const Principal& who, const Resource& what) {
  if (!who.is_person()) return not_allowed();
  if (!is_subject(who, what.delegate)) return deny(404, "not-party");
  // The delegate may know the delegation exists (it was addressed to them): 403, not 404.
  if (!who.has(Role::Intermediario)) return deny(403, "not-intermediary");
  return allow();
}

Decision view_ente_data(const Principal& who, const Resource& what) {
  if (operates_for(who, what.ente_id) || is_admin(who)) return allow();
  return deny(403, "other-ente");
}

Decision edit_catalog_service(const Principal& who, const Resource& what) {
  if (edits(who, what.community) || is_admin(who)) return allow();
  return deny(403, "not-editor");
}

Decision view_editorial_dashboard(const Principal& who, const Resource& what) {
  // An empty community asks for the editor's own communities, whatever they are.
  const bool own = what.community.empty() && who.has(Role::Redattore);
  if (own || edits(who, what.community) || is_admin(who)) return allow();
  return deny(403, "not-editor");
}

Decision admin_only(const Principal& who) {
  return is_admin(who) ? allow() : deny(403, "not-admin");
}

Decision register_application(const Principal& who) {
  return who.is_person() ? allow() : not_allowed();
}

Decision manage_application(const Principal& who, const Resource& what) {
  if (!who.is_person()) return not_allowed();
  if (is_subject(who, what.owner) || is_admin(who)) return allow();
  return deny(404, "not-owner");
}

Decision call_api(const Principal& who, const Resource& what) {
  if (who.kind == Principal::Kind::Application) return application_access(who, what);
  // A signed-in person calling the API directly reaches only the public catalogue.
  if (who.is_person() && what.scope == "catalogo") return allow();
  return deny(403, "missing-scope");
}

}  // namespace

std::string role_code(Role r) {
  const auto* names = find_role(r);
  return names ? names->code : "";
}

bool parse_role(const std::string& code, Role& out) {
  for (const auto& names : kRoles) {
    if (code == names.code) {
      out = names.role;
      return true;
    }
  }
  return false;
}

std::string role_label(Role r) {
  const auto* names = find_role(r);
  return names ? names->label : "";
}

bool delegation_in_force(const DelegationGrant& d, const std::string& now) {
  // An empty bound would compare as "earliest" and open the window forever: treat it as closed.
  if (d.status != "attiva" || d.valid_from.empty() || d.valid_until.empty()) return false;
  return d.valid_from <= now && now < d.valid_until;
}

bool delegation_covers(const DelegationGrant& d, const std::string& service_id,
                       const std::string& ente_id) {
  return d.all_services || member(d.services, service_id) || member(d.enti, ente_id);
}

bool Principal::has(Role r) const {
  if (!is_person()) return false;  // roles belong to people; applications hold scopes
  return r == Role::Cittadino || roles.count(r) > 0;
}

Decision decide(const Principal& who, Action action, const Resource& what, const std::string& now) {
  if (who.kind != Principal::Kind::Person && who.kind != Principal::Kind::Application)
    return deny(403, "anonymous");
  switch (action) {
    case Action::ViewPersonalArea: return view_personal_area(who);
    case Action::ViewPersonData: return view_person_data(who, what, now);
    case Action::ActOnBehalf: return act_on_behalf(who, what, now);
    case Action::GrantDelegation: return grant_delegation(who, what);
    case Action::ManageDelegation: return manage_delegation(who, what);
    case Action::AcceptDelegation: return accept_delegation(who, what);
    case Action::ViewEnteData: return view_ente_data(who, what);
    case Action::EditCatalogService: return edit_catalog_service(who, what);
    case Action::ViewEditorialDashboard: return view_editorial_dashboard(who, what);
    case Action::ManageRoles: return admin_only(who);
    case Action::RegisterApplication: return register_application(who);
    case Action::ManageApplication: return manage_application(who, what);
    case Action::AdministerApplications: return admin_only(who);
    case Action::CallApi: return call_api(who, what);
  }
  return not_allowed();  // an Action value outside the enumeration
}

}  // namespace au::domain
