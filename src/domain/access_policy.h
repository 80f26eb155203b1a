// The one authorization policy: who may do what on which resource.
//
// Contract: every protected operation of the portal and the API builds a Principal (who asks),
// names an Action and describes the Resource, and calls decide(). Deny by default: an action
// not listed in decide() is denied. A denial says whether to answer 403 (the caller may know
// the resource exists) or 404 (existence itself must not leak, e.g. another person's data).
// Pure: no I/O, time passed in as ISO 8601 UTC strings ("2026-11-27T10:15:00Z", which compare
// correctly as strings).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace au::domain {

enum class Role {
  Cittadino,              // every authenticated person
  RappresentanteImpresa,  // acts for a business (P.IVA) it represents
  Intermediario,          // professional acting for clients by delegation
  OperatoreEnte,          // scoped to one ente
  Redattore,              // catalogue editor, scoped to thematic communities (service categories)
  Amministratore,         // regional coordination office
};
// Stable codes used in the database, tokens and APIs: "cittadino", "rappresentante-impresa",
// "intermediario", "operatore-ente", "redattore", "amministratore".
std::string role_code(Role r);
bool parse_role(const std::string& code, Role& out);
// Italian label for pages ("Cittadino", "Rappresentante d'impresa", ...).
std::string role_label(Role r);

// A delegation as the policy needs it (store/identity_repository.h keeps the full record).
struct DelegationGrant {
  std::string id;
  std::string grantor;       // fiscal code of the person, or P.IVA of the business, who delegates
  std::string delegate;      // fiscal code of the professional
  bool all_services = false; // otherwise only `services` and/or `enti`
  std::set<std::string> services, enti;
  std::string valid_from, valid_until;  // ISO 8601 UTC; valid_until exclusive
  std::string status;        // "in-attesa", "attiva", "rifiutata", "revocata"
};
// True when the grant is accepted ("attiva") and now ∈ [valid_from, valid_until).
bool delegation_in_force(const DelegationGrant& d, const std::string& now);
// True when the grant's scope covers the service or the ente offering it (either matching is
// enough): an empty service or ente in the question matches nothing, so only all-services grants
// cover a question naming neither. Whether the grant is in force is not checked here: callers
// combine it with delegation_in_force (decide() does).
bool delegation_covers(const DelegationGrant& d, const std::string& service_id, const std::string& ente_id);

struct Principal {
  enum class Kind { Anonymous, Person, Application };
  Kind kind = Kind::Anonymous;
  std::string subject;                // person: fiscal code; application: client id
  std::set<Role> roles;               // person only; Cittadino is implied for every person
  std::set<std::string> businesses;   // P.IVA the person represents (RappresentanteImpresa)
  std::string ente_id;                // OperatoreEnte scope
  std::set<std::string> communities;  // Redattore scope: service category codes
  std::set<std::string> scopes;       // application only: granted OAuth scopes
  std::string environment;            // application only: "test" or "live"
  std::string application_owner;      // application only: fiscal code of the integrator who owns it
  // Delegations where this person is the delegate (the policy checks them for ActOnBehalf).
  std::vector<DelegationGrant> delegations_received;

  bool is_person() const { return kind == Kind::Person; }
  bool has(Role r) const;
};

enum class Action {
  ViewPersonalArea,        // the caller's own area
  ViewPersonData,          // resource.owner's personal data (practices, messages, access log)
  ActOnBehalf,             // a professional or a business representative acting for resource.owner
  GrantDelegation,         // resource.owner (person or business) grants a delegation
  ManageDelegation,        // revoke/read a delegation: resource.owner is grantor, resource.delegate is delegate
  AcceptDelegation,        // resource.delegate accepts or rejects
  ViewEnteData,            // resource.ente_id's back-office data (practices, statistics)
  EditCatalogService,      // resource.community = the service's category
  ViewEditorialDashboard,  // completeness and feedback of the communities' services
  ManageRoles,             // grant and revoke roles
  RegisterApplication,     // API store: any authenticated person
  ManageApplication,       // resource.owner = the application's owner
  AdministerApplications,  // list and revoke any application
  CallApi,                 // resource.scope = the scope the endpoint requires; resource.live_data
};

struct Resource {
  std::string owner;        // fiscal code or P.IVA of the data subject / grantor / app owner
  std::string delegate;     // for delegations
  std::string ente_id;      // ente the resource belongs to
  std::string service_id;   // catalogue service concerned, when known
  std::string community;    // service category, for editorial actions
  std::string scope;        // for CallApi
  bool live_data = false;   // for CallApi: real personal data (test applications never see it)
};

struct Decision {
  bool allowed = false;
  int status = 403;          // 403 or 404 when denied
  std::string reason;        // short machine code for logs ("not-owner", "no-delegation", ...); never personal data
  std::string delegation_id; // set when allowed through a delegation (the action is recorded with both identities)
  explicit operator bool() const { return allowed; }
};

Decision decide(const Principal& who, Action action, const Resource& what, const std::string& now);

}  // namespace au::domain
