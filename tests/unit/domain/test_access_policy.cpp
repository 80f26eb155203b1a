#include "domain/access_policy.h"

#include <gtest/gtest.h>

#include <array>
#include <ostream>
#include <string>
#include <vector>

namespace au::domain {
namespace {

// The policy does not validate identifiers; these are just distinct people and businesses.
const std::string kNow = "2026-11-27T10:15:00Z";
const std::string kMario = "RSSMRA85T10A562S";    // a citizen
const std::string kLucia = "BNCLCU92M45D653M";    // another citizen
const std::string kPaola = "VRDPLA70A41H501X";    // an intermediary (commercialista)
const std::string kGianni = "VRDGPP70A01H501S";   // a business representative
const std::string kImpresa = "01212820540";       // the business Gianni represents
const std::string kAltraImpresa = "06363391001";  // a business nobody here represents

// --- builders -------------------------------------------------------------------------------

Principal anonymous() { return {}; }

Principal person(const std::string& subject, std::set<Role> roles = {}) {
  Principal p;
  p.kind = Principal::Kind::Person;
  p.subject = subject;
  p.roles = std::move(roles);
  return p;
}

Principal representative() {
  auto p = person(kGianni, {Role::RappresentanteImpresa});
  p.businesses = {kImpresa};
  return p;
}

Principal operatore(const std::string& ente) {
  auto p = person(kLucia, {Role::OperatoreEnte});
  p.ente_id = ente;
  return p;
}

Principal redattore(std::set<std::string> communities) {
  auto p = person(kLucia, {Role::Redattore});
  p.communities = std::move(communities);
  return p;
}

Principal admin() { return person(kLucia, {Role::Amministratore}); }

Principal application(std::set<std::string> scopes, const std::string& environment) {
  Principal p;
  p.kind = Principal::Kind::Application;
  p.subject = "app-123";
  p.scopes = std::move(scopes);
  p.environment = environment;
  p.application_owner = kLucia;
  return p;
}

struct GrantSpec {
  std::string id = "d-1";
  std::string grantor = kMario;
  std::string delegate = kPaola;
  std::string status = "attiva";
  std::string from = "2026-01-01T00:00:00Z";
  std::string until = "2027-01-01T00:00:00Z";
  bool all = false;
  std::set<std::string> services, enti;
};

DelegationGrant grant(const GrantSpec& s) {
  DelegationGrant d;
  d.id = s.id;
  d.grantor = s.grantor;
  d.delegate = s.delegate;
  d.status = s.status;
  d.valid_from = s.from;
  d.valid_until = s.until;
  d.all_services = s.all;
  d.services = s.services;
  d.enti = s.enti;
  return d;
}

Principal intermediary(std::vector<DelegationGrant> received) {
  auto p = person(kPaola, {Role::Intermediario});
  p.delegations_received = std::move(received);
  return p;
}

Principal intermediary(const GrantSpec& s) { return intermediary(std::vector{grant(s)}); }

GrantSpec all_services_from(const std::string& grantor) {
  GrantSpec s;
  s.id = "d-all";
  s.grantor = grantor;
  s.all = true;
  return s;
}

GrantSpec service_from(const std::string& grantor, const std::string& service) {
  GrantSpec s;
  s.id = "d-svc";
  s.grantor = grantor;
  s.services = {service};
  return s;
}

GrantSpec ente_from(const std::string& grantor, const std::string& ente) {
  GrantSpec s;
  s.id = "d-ente";
  s.grantor = grantor;
  s.enti = {ente};
  return s;
}

GrantSpec with_status(GrantSpec s, const std::string& status) {
  s.status = status;
  return s;
}

GrantSpec with_window(GrantSpec s, const std::string& from, const std::string& until) {
  s.from = from;
  s.until = until;
  return s;
}

Resource owned_by(const std::string& owner) {
  Resource r;
  r.owner = owner;
  return r;
}

Resource for_service(const std::string& owner, const std::string& service, const std::string& ente) {
  Resource r;
  r.owner = owner;
  r.service_id = service;
  r.ente_id = ente;
  return r;
}

Resource delegation_between(const std::string& grantor, const std::string& delegate) {
  Resource r;
  r.owner = grantor;
  r.delegate = delegate;
  return r;
}

Resource of_ente(const std::string& ente) {
  Resource r;
  r.ente_id = ente;
  return r;
}

Resource of_community(const std::string& community) {
  Resource r;
  r.community = community;
  return r;
}

Resource api(const std::string& scope, bool live_data) {
  Resource r;
  r.owner = kMario;
  r.scope = scope;
  r.live_data = live_data;
  return r;
}

// "allow", "allow d-1" (through a delegation), or "403 reason" / "404 reason".
std::string describe(const Decision& d) {
  if (d.allowed) return d.delegation_id.empty() ? "allow" : "allow " + d.delegation_id;
  return std::to_string(d.status) + " " + d.reason;
}

// --- the rules, case by case ----------------------------------------------------------------

struct PolicyCase {
  const char* rule;
  Principal who;
  Action action;
  Resource what;
  std::string expected;
};

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << c.rule; }

class Policy : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(Policy, Decides) {
  const auto& c = GetParam();
  EXPECT_EQ(describe(decide(c.who, c.action, c.what, kNow)), c.expected) << c.rule;
}

using A = Action;

INSTANTIATE_TEST_SUITE_P(
    ViewPersonalArea, Policy,
    ::testing::Values(
        // Any person has a personal area.
        PolicyCase{"any person", person(kMario), A::ViewPersonalArea, {}, "allow"},
        // Roles do not take it away.
        PolicyCase{"admin is a person too", admin(), A::ViewPersonalArea, {}, "allow"},
        // Applications have no personal area.
        PolicyCase{"application", application({"profilo"}, "live"), A::ViewPersonalArea, {},
                   "403 not-allowed"},
        // Anonymous callers are denied (the caller redirects to login).
        PolicyCase{"anonymous", anonymous(), A::ViewPersonalArea, {}, "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    ViewPersonData, Policy,
    ::testing::Values(
        // Owner reads own data.
        PolicyCase{"own data", person(kMario), A::ViewPersonData, owned_by(kMario), "allow"},
        // Someone else's data: 404 so existence does not leak.
        PolicyCase{"another person's data", person(kLucia), A::ViewPersonData, owned_by(kMario),
                   "404 not-owner"},
        // Representative reads the business's data.
        PolicyCase{"representative, own business", representative(), A::ViewPersonData,
                   owned_by(kImpresa), "allow"},
        // Representative of one business cannot read another's.
        PolicyCase{"representative, other business", representative(), A::ViewPersonData,
                   owned_by(kAltraImpresa), "404 not-owner"},
        // The businesses list counts only with the RappresentanteImpresa role.
        PolicyCase{"businesses without the role",
                   [] { auto p = representative(); p.roles.clear(); return p; }(),
                   A::ViewPersonData, owned_by(kImpresa), "404 not-owner"},
        // Intermediary with an all-services delegation from the owner: allowed, delegation recorded.
        PolicyCase{"all-services delegation", intermediary(all_services_from(kMario)),
                   A::ViewPersonData, owned_by(kMario), "allow d-all"},
        // Service delegation covering the service.
        PolicyCase{"service delegation, same service", intermediary(service_from(kMario, "svc-1")),
                   A::ViewPersonData, for_service(kMario, "svc-1", ""), "allow d-svc"},
        // Service delegation scoped to another service.
        PolicyCase{"service delegation, other service",
                   intermediary(service_from(kMario, "svc-1")), A::ViewPersonData,
                   for_service(kMario, "svc-2", "ente-2"), "404 not-owner"},
        // Neither service nor ente named: any in-force delegation from the owner lets one read.
        PolicyCase{"service delegation, unspecified resource",
                   intermediary(service_from(kMario, "svc-1")), A::ViewPersonData, owned_by(kMario),
                   "allow d-svc"},
        // Ente delegation covers any service of that ente.
        PolicyCase{"ente delegation, same ente", intermediary(ente_from(kMario, "ente-1")),
                   A::ViewPersonData, for_service(kMario, "svc-9", "ente-1"), "allow d-ente"},
        // Ente delegation scoped to another ente.
        PolicyCase{"ente delegation, other ente", intermediary(ente_from(kMario, "ente-1")),
                   A::ViewPersonData, for_service(kMario, "svc-9", "ente-2"), "404 not-owner"},
        // Delegation granted by someone else is no use for this owner.
        PolicyCase{"delegation from another grantor", intermediary(all_services_from(kLucia)),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Business grantor: a delegation from the P.IVA.
        PolicyCase{"delegation from a business", intermediary(all_services_from(kImpresa)),
                   A::ViewPersonData, owned_by(kImpresa), "allow d-all"},
        // Expired delegation.
        PolicyCase{"expired delegation",
                   intermediary(with_window(all_services_from(kMario), "2025-01-01T00:00:00Z",
                                            "2026-01-01T00:00:00Z")),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // valid_until is exclusive.
        PolicyCase{"delegation ending now",
                   intermediary(with_window(all_services_from(kMario), "2025-01-01T00:00:00Z", kNow)),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // valid_from is inclusive.
        PolicyCase{"delegation starting now",
                   intermediary(with_window(all_services_from(kMario), kNow, "2027-01-01T00:00:00Z")),
                   A::ViewPersonData, owned_by(kMario), "allow d-all"},
        // Not yet valid.
        PolicyCase{"delegation not yet valid",
                   intermediary(with_window(all_services_from(kMario), "2026-12-01T00:00:00Z",
                                            "2027-12-01T00:00:00Z")),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Revoked.
        PolicyCase{"revoked delegation",
                   intermediary(with_status(all_services_from(kMario), "revocata")),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Pending (not yet accepted).
        PolicyCase{"pending delegation",
                   intermediary(with_status(all_services_from(kMario), "in-attesa")),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Rejected.
        PolicyCase{"rejected delegation",
                   intermediary(with_status(all_services_from(kMario), "rifiutata")),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // The first in-force covering delegation wins over dead ones for the same grantor.
        PolicyCase{"revoked then active delegation",
                   intermediary(std::vector{
                       grant(with_status(all_services_from(kMario), "revocata")),
                       grant(service_from(kMario, "svc-1"))}),
                   A::ViewPersonData, for_service(kMario, "svc-1", ""), "allow d-svc"},
        // Delegations count only with the Intermediario role.
        PolicyCase{"delegation without the intermediary role",
                   [] { auto p = intermediary(all_services_from(kMario)); p.roles.clear(); return p; }(),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // A grant addressed to someone else never helps, even if it is in the list.
        PolicyCase{"delegation addressed to another delegate",
                   [] { auto s = all_services_from(kMario); s.delegate = kLucia; return intermediary(s); }(),
                   A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Operator of the ente the data belongs to.
        PolicyCase{"operator, same ente", operatore("ente-1"), A::ViewPersonData,
                   for_service(kMario, "svc-1", "ente-1"), "allow"},
        // Operator of another ente.
        PolicyCase{"operator, other ente", operatore("ente-1"), A::ViewPersonData,
                   for_service(kMario, "svc-1", "ente-2"), "404 not-owner"},
        // Empty ente on both sides must not match.
        PolicyCase{"operator without ente, resource without ente", operatore(""), A::ViewPersonData,
                   owned_by(kMario), "404 not-owner"},
        // Administrators do not read people's data.
        PolicyCase{"admin", admin(), A::ViewPersonData, owned_by(kMario), "404 not-owner"},
        // Application with the scope, test data.
        PolicyCase{"application with scope, test data", application({"profilo"}, "test"),
                   A::ViewPersonData, api("profilo", false), "allow"},
        // Application with the scope, live environment, live data.
        PolicyCase{"live application, live data", application({"profilo"}, "live"),
                   A::ViewPersonData, api("profilo", true), "allow"},
        // Test-environment application never sees live data.
        PolicyCase{"test application, live data", application({"profilo"}, "test"),
                   A::ViewPersonData, api("profilo", true), "403 test-environment"},
        // Application without the scope.
        PolicyCase{"application without scope", application({"catalogo"}, "live"),
                   A::ViewPersonData, api("profilo", true), "403 missing-scope"},
        // A resource naming no scope is never reachable by an application.
        PolicyCase{"resource without scope", application({"profilo"}, "live"), A::ViewPersonData,
                   api("", false), "403 missing-scope"},
        // Anonymous.
        PolicyCase{"anonymous", anonymous(), A::ViewPersonData, owned_by(kMario), "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    ActOnBehalf, Policy,
    ::testing::Values(
        // Intermediary with an all-services delegation acts for the grantor.
        PolicyCase{"all-services delegation", intermediary(all_services_from(kMario)),
                   A::ActOnBehalf, for_service(kMario, "svc-1", "ente-1"), "allow d-all"},
        // Service delegation covering the service.
        PolicyCase{"service delegation, same service", intermediary(service_from(kMario, "svc-1")),
                   A::ActOnBehalf, for_service(kMario, "svc-1", "ente-1"), "allow d-svc"},
        // Service delegation for another service.
        PolicyCase{"service delegation, other service", intermediary(service_from(kMario, "svc-1")),
                   A::ActOnBehalf, for_service(kMario, "svc-2", "ente-1"), "403 no-delegation"},
        // Acting needs explicit coverage: an unnamed service is covered only by all-services grants.
        PolicyCase{"service delegation, unspecified service",
                   intermediary(service_from(kMario, "svc-1")), A::ActOnBehalf, owned_by(kMario),
                   "403 no-delegation"},
        // Ente delegation.
        PolicyCase{"ente delegation, same ente", intermediary(ente_from(kMario, "ente-1")),
                   A::ActOnBehalf, for_service(kMario, "svc-7", "ente-1"), "allow d-ente"},
        PolicyCase{"ente delegation, other ente", intermediary(ente_from(kMario, "ente-1")),
                   A::ActOnBehalf, for_service(kMario, "svc-7", "ente-2"), "403 no-delegation"},
        // Expired / revoked / pending / not yet valid delegations do not allow acting.
        PolicyCase{"expired delegation",
                   intermediary(with_window(all_services_from(kMario), "2025-01-01T00:00:00Z",
                                            "2026-11-27T10:14:59Z")),
                   A::ActOnBehalf, owned_by(kMario), "403 no-delegation"},
        PolicyCase{"revoked delegation",
                   intermediary(with_status(all_services_from(kMario), "revocata")), A::ActOnBehalf,
                   owned_by(kMario), "403 no-delegation"},
        PolicyCase{"pending delegation",
                   intermediary(with_status(all_services_from(kMario), "in-attesa")), A::ActOnBehalf,
                   owned_by(kMario), "403 no-delegation"},
        PolicyCase{"not yet valid delegation",
                   intermediary(with_window(all_services_from(kMario), "2026-11-27T10:15:01Z",
                                            "2027-01-01T00:00:00Z")),
                   A::ActOnBehalf, owned_by(kMario), "403 no-delegation"},
        // Delegation from someone else.
        PolicyCase{"delegation from another grantor", intermediary(all_services_from(kLucia)),
                   A::ActOnBehalf, owned_by(kMario), "403 no-delegation"},
        // Representative acts for the business.
        PolicyCase{"representative, own business", representative(), A::ActOnBehalf,
                   owned_by(kImpresa), "allow"},
        PolicyCase{"representative, other business", representative(), A::ActOnBehalf,
                   owned_by(kAltraImpresa), "403 no-delegation"},
        // Acting "on behalf" of oneself is not this action.
        PolicyCase{"own behalf", person(kMario), A::ActOnBehalf, owned_by(kMario),
                   "403 no-delegation"},
        // Administrators do not act for people.
        PolicyCase{"admin", admin(), A::ActOnBehalf, owned_by(kMario), "403 no-delegation"},
        // Applications do not act on behalf through this action.
        PolicyCase{"application", application({"profilo"}, "live"), A::ActOnBehalf,
                   owned_by(kMario), "403 not-allowed"},
        PolicyCase{"anonymous", anonymous(), A::ActOnBehalf, owned_by(kMario), "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    GrantDelegation, Policy,
    ::testing::Values(
        // A person delegates for themself.
        PolicyCase{"own delegation", person(kMario), A::GrantDelegation, owned_by(kMario), "allow"},
        // A representative delegates for the business.
        PolicyCase{"representative, own business", representative(), A::GrantDelegation,
                   owned_by(kImpresa), "allow"},
        PolicyCase{"representative, other business", representative(), A::GrantDelegation,
                   owned_by(kAltraImpresa), "403 not-owner"},
        // Nobody grants delegations for someone else.
        PolicyCase{"another person", person(kLucia), A::GrantDelegation, owned_by(kMario),
                   "403 not-owner"},
        // A delegate cannot sub-delegate.
        PolicyCase{"delegate cannot sub-delegate", intermediary(all_services_from(kMario)),
                   A::GrantDelegation, owned_by(kMario), "403 not-owner"},
        PolicyCase{"admin", admin(), A::GrantDelegation, owned_by(kMario), "403 not-owner"},
        PolicyCase{"application", application({"deleghe"}, "live"), A::GrantDelegation,
                   owned_by(kMario), "403 not-allowed"},
        PolicyCase{"anonymous", anonymous(), A::GrantDelegation, owned_by(kMario),
                   "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    ManageDelegation, Policy,
    ::testing::Values(
        // Grantor reads/revokes.
        PolicyCase{"grantor", person(kMario), A::ManageDelegation,
                   delegation_between(kMario, kPaola), "allow"},
        // Representative of the granting business.
        PolicyCase{"representative of the grantor business", representative(), A::ManageDelegation,
                   delegation_between(kImpresa, kPaola), "allow"},
        // Delegate reads/renounces.
        PolicyCase{"delegate", person(kPaola), A::ManageDelegation,
                   delegation_between(kMario, kPaola), "allow"},
        // A third party does not even learn the delegation exists.
        PolicyCase{"third party", person(kLucia), A::ManageDelegation,
                   delegation_between(kMario, kPaola), "404 not-party"},
        PolicyCase{"representative of another business", representative(), A::ManageDelegation,
                   delegation_between(kAltraImpresa, kPaola), "404 not-party"},
        PolicyCase{"admin", admin(), A::ManageDelegation, delegation_between(kMario, kPaola),
                   "404 not-party"},
        PolicyCase{"application", application({"deleghe"}, "live"), A::ManageDelegation,
                   delegation_between(kMario, kPaola), "403 not-allowed"},
        PolicyCase{"anonymous", anonymous(), A::ManageDelegation,
                   delegation_between(kMario, kPaola), "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    AcceptDelegation, Policy,
    ::testing::Values(
        // The delegate, an intermediary, accepts or rejects.
        PolicyCase{"delegate intermediary", intermediary(std::vector<DelegationGrant>{}),
                   A::AcceptDelegation, delegation_between(kMario, kPaola), "allow"},
        // The delegate without the role knows the delegation exists: 403.
        PolicyCase{"delegate without intermediary role", person(kPaola), A::AcceptDelegation,
                   delegation_between(kMario, kPaola), "403 not-intermediary"},
        // The grantor does not accept their own grant.
        PolicyCase{"grantor", person(kMario), A::AcceptDelegation,
                   delegation_between(kMario, kPaola), "404 not-party"},
        // Another intermediary: not a party.
        PolicyCase{"another intermediary",
                   [] { auto p = person(kLucia, {Role::Intermediario}); return p; }(),
                   A::AcceptDelegation, delegation_between(kMario, kPaola), "404 not-party"},
        PolicyCase{"admin", admin(), A::AcceptDelegation, delegation_between(kMario, kPaola),
                   "404 not-party"},
        PolicyCase{"application", application({"deleghe"}, "live"), A::AcceptDelegation,
                   delegation_between(kMario, kPaola), "403 not-allowed"},
        PolicyCase{"anonymous", anonymous(), A::AcceptDelegation,
                   delegation_between(kMario, kPaola), "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    ViewEnteData, Policy,
    ::testing::Values(
        // Operator of that ente.
        PolicyCase{"operator, same ente", operatore("ente-1"), A::ViewEnteData, of_ente("ente-1"),
                   "allow"},
        // Operator of another ente.
        PolicyCase{"operator, other ente", operatore("ente-1"), A::ViewEnteData, of_ente("ente-2"),
                   "403 other-ente"},
        // No ente on either side is not a match.
        PolicyCase{"operator without ente", operatore(""), A::ViewEnteData, of_ente(""),
                   "403 other-ente"},
        // The ente id without the role counts for nothing.
        PolicyCase{"ente id without operator role",
                   [] { auto p = operatore("ente-1"); p.roles.clear(); return p; }(),
                   A::ViewEnteData, of_ente("ente-1"), "403 other-ente"},
        // Administrators see every ente's back office.
        PolicyCase{"admin", admin(), A::ViewEnteData, of_ente("ente-1"), "allow"},
        PolicyCase{"citizen", person(kMario), A::ViewEnteData, of_ente("ente-1"), "403 other-ente"},
        PolicyCase{"application", application({"enti"}, "live"), A::ViewEnteData, of_ente("ente-1"),
                   "403 other-ente"},
        PolicyCase{"anonymous", anonymous(), A::ViewEnteData, of_ente("ente-1"), "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    Editorial, Policy,
    ::testing::Values(
        // Editor edits services of their communities.
        PolicyCase{"editor, own community", redattore({"anagrafe", "tributi"}), A::EditCatalogService,
                   of_community("tributi"), "allow"},
        // Editor of another community.
        PolicyCase{"editor, other community", redattore({"anagrafe"}), A::EditCatalogService,
                   of_community("tributi"), "403 not-editor"},
        // A service without category is not anyone's to edit (admins aside).
        PolicyCase{"editor, service without community", redattore({"anagrafe"}),
                   A::EditCatalogService, of_community(""), "403 not-editor"},
        // Administrators edit everything.
        PolicyCase{"admin edits", admin(), A::EditCatalogService, of_community("tributi"), "allow"},
        PolicyCase{"citizen edits", person(kMario), A::EditCatalogService, of_community("tributi"),
                   "403 not-editor"},
        // Dashboard with no community: the editor's own ones.
        PolicyCase{"dashboard, own communities", redattore({"anagrafe"}), A::ViewEditorialDashboard,
                   of_community(""), "allow"},
        PolicyCase{"dashboard, one own community", redattore({"anagrafe"}),
                   A::ViewEditorialDashboard, of_community("anagrafe"), "allow"},
        PolicyCase{"dashboard, another community", redattore({"anagrafe"}),
                   A::ViewEditorialDashboard, of_community("tributi"), "403 not-editor"},
        PolicyCase{"dashboard, admin", admin(), A::ViewEditorialDashboard, of_community("tributi"),
                   "allow"},
        // Communities without the role count for nothing.
        PolicyCase{"dashboard, communities without role",
                   [] { auto p = redattore({"anagrafe"}); p.roles.clear(); return p; }(),
                   A::ViewEditorialDashboard, of_community(""), "403 not-editor"},
        PolicyCase{"dashboard, citizen", person(kMario), A::ViewEditorialDashboard,
                   of_community(""), "403 not-editor"},
        PolicyCase{"edit, anonymous", anonymous(), A::EditCatalogService, of_community("tributi"),
                   "403 anonymous"}));

INSTANTIATE_TEST_SUITE_P(
    Administration, Policy,
    ::testing::Values(
        // Only administrators manage roles.
        PolicyCase{"roles, admin", admin(), A::ManageRoles, {}, "allow"},
        PolicyCase{"roles, editor", redattore({"anagrafe"}), A::ManageRoles, {}, "403 not-admin"},
        PolicyCase{"roles, operator", operatore("ente-1"), A::ManageRoles, {}, "403 not-admin"},
        PolicyCase{"roles, application", application({"admin"}, "live"), A::ManageRoles, {},
                   "403 not-admin"},
        PolicyCase{"roles, anonymous", anonymous(), A::ManageRoles, {}, "403 anonymous"},
        // Only administrators list and revoke any application.
        PolicyCase{"applications, admin", admin(), A::AdministerApplications, {}, "allow"},
        PolicyCase{"applications, citizen", person(kMario), A::AdministerApplications, {},
                   "403 not-admin"}));

INSTANTIATE_TEST_SUITE_P(
    Applications, Policy,
    ::testing::Values(
        // Any person registers applications.
        PolicyCase{"register, citizen", person(kMario), A::RegisterApplication, {}, "allow"},
        PolicyCase{"register, application", application({"catalogo"}, "live"),
                   A::RegisterApplication, {}, "403 not-allowed"},
        PolicyCase{"register, anonymous", anonymous(), A::RegisterApplication, {}, "403 anonymous"},
        // The owner manages their application.
        PolicyCase{"manage, owner", person(kLucia), A::ManageApplication, owned_by(kLucia), "allow"},
        // Someone else's application does not exist for them.
        PolicyCase{"manage, someone else", person(kMario), A::ManageApplication, owned_by(kLucia),
                   "404 not-owner"},
        // Administrators manage any application.
        PolicyCase{"manage, admin", person(kMario, {Role::Amministratore}), A::ManageApplication,
                   owned_by(kLucia), "allow"},
        // An application does not manage itself.
        PolicyCase{"manage, application", application({"catalogo"}, "live"), A::ManageApplication,
                   owned_by(kLucia), "403 not-allowed"}));

INSTANTIATE_TEST_SUITE_P(
    CallApi, Policy,
    ::testing::Values(
        // Application with the scope, test data.
        PolicyCase{"scope granted, test data", application({"catalogo", "pratiche"}, "test"),
                   A::CallApi, api("pratiche", false), "allow"},
        // Live application on live data.
        PolicyCase{"live application, live data", application({"pratiche"}, "live"), A::CallApi,
                   api("pratiche", true), "allow"},
        // Test application on live data.
        PolicyCase{"test application, live data", application({"pratiche"}, "test"), A::CallApi,
                   api("pratiche", true), "403 test-environment"},
        // Application without the scope (checked before the environment).
        PolicyCase{"missing scope", application({"catalogo"}, "test"), A::CallApi,
                   api("pratiche", true), "403 missing-scope"},
        // An environment that is neither test nor live is not live.
        PolicyCase{"unknown environment, live data", application({"pratiche"}, ""), A::CallApi,
                   api("pratiche", true), "403 test-environment"},
        // Endpoint without a scope: not reachable.
        PolicyCase{"endpoint without scope", application({"pratiche"}, "live"), A::CallApi,
                   api("", false), "403 missing-scope"},
        // A signed-in person reaches the public catalogue.
        PolicyCase{"person, catalogue", person(kMario), A::CallApi, api("catalogo", false), "allow"},
        // ... and nothing else.
        PolicyCase{"person, other scope", person(kMario, {Role::Amministratore}), A::CallApi,
                   api("pratiche", false), "403 missing-scope"},
        PolicyCase{"anonymous", anonymous(), A::CallApi, api("catalogo", false), "403 anonymous"}));

// --- every action x every role, on a resource that belongs to none of them ------------------

constexpr std::array<Action, 14> kActions = {
    A::ViewPersonalArea, A::ViewPersonData,     A::ActOnBehalf,          A::GrantDelegation,
    A::ManageDelegation, A::AcceptDelegation,   A::ViewEnteData,         A::EditCatalogService,
    A::ViewEditorialDashboard, A::ManageRoles,  A::RegisterApplication,  A::ManageApplication,
    A::AdministerApplications, A::CallApi,
};

struct MatrixRow {
  const char* role;
  Principal who;
  std::array<const char*, 14> expected;  // in kActions order
};

// Someone else's resource in every respect: owner, delegate, ente, service, community, scope.
Resource foreign() {
  Resource r;
  r.owner = kLucia;
  r.delegate = kLucia;
  r.ente_id = "ente-2";
  r.service_id = "svc-2";
  r.community = "tributi";
  r.scope = "pratiche";
  r.live_data = true;
  return r;
}

class RoleMatrix : public ::testing::TestWithParam<MatrixRow> {};

void PrintTo(const MatrixRow& r, std::ostream* os) { *os << r.role; }

TEST_P(RoleMatrix, ForeignResource) {
  const auto& row = GetParam();
  for (std::size_t i = 0; i < kActions.size(); ++i)
    EXPECT_EQ(describe(decide(row.who, kActions[i], foreign(), kNow)), row.expected[i])
        << row.role << ", action #" << i;
}

// Columns: area, person data, act, grant, manage deleg., accept, ente data, edit, dashboard,
// roles, register app, manage app, administer apps, call api.
INSTANTIATE_TEST_SUITE_P(
    EveryRole, RoleMatrix,
    ::testing::Values(
        // Cittadino: only their own area and registering applications.
        MatrixRow{"cittadino", person(kMario),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "403 other-ente", "403 not-editor", "403 not-editor",
                   "403 not-admin", "allow", "404 not-owner", "403 not-admin", "403 missing-scope"}},
        // Representative of a different business: same as a citizen.
        MatrixRow{"rappresentante-impresa", representative(),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "403 other-ente", "403 not-editor", "403 not-editor",
                   "403 not-admin", "allow", "404 not-owner", "403 not-admin", "403 missing-scope"}},
        // Intermediary with a delegation from someone else: same as a citizen.
        MatrixRow{"intermediario", intermediary(all_services_from(kMario)),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "403 other-ente", "403 not-editor", "403 not-editor",
                   "403 not-admin", "allow", "404 not-owner", "403 not-admin", "403 missing-scope"}},
        // Operator of another ente: same as a citizen.
        MatrixRow{"operatore-ente", [] { auto p = operatore("ente-1"); p.subject = kMario; return p; }(),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "403 other-ente", "403 not-editor", "403 not-editor",
                   "403 not-admin", "allow", "404 not-owner", "403 not-admin", "403 missing-scope"}},
        // Editor of another community: same as a citizen.
        MatrixRow{"redattore", [] { auto p = redattore({"anagrafe"}); p.subject = kMario; return p; }(),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "403 other-ente", "403 not-editor", "403 not-editor",
                   "403 not-admin", "allow", "404 not-owner", "403 not-admin", "403 missing-scope"}},
        // Administrator: back office, catalogue, roles, applications; never people's data.
        MatrixRow{"amministratore", person(kMario, {Role::Amministratore}),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "allow", "allow", "allow", "allow", "allow", "allow", "allow",
                   "403 missing-scope"}},
        // Every role at once, still nothing of someone else's personal data.
        MatrixRow{"all roles",
                  [] {
                    auto p = person(kMario, {Role::RappresentanteImpresa, Role::Intermediario,
                                             Role::OperatoreEnte, Role::Redattore,
                                             Role::Amministratore});
                    p.ente_id = "ente-1";
                    p.communities = {"anagrafe"};
                    return p;
                  }(),
                  {"allow", "404 not-owner", "403 no-delegation", "403 not-owner", "404 not-party",
                   "404 not-party", "allow", "allow", "allow", "allow", "allow", "allow", "allow",
                   "403 missing-scope"}},
        // Test application with unrelated scopes: nothing (people's actions are not listed).
        MatrixRow{"application",
                  application({"catalogo"}, "test"),
                  {"403 not-allowed", "403 missing-scope", "403 not-allowed", "403 not-allowed",
                   "403 not-allowed", "403 not-allowed", "403 other-ente", "403 not-editor",
                   "403 not-editor", "403 not-admin", "403 not-allowed", "403 not-allowed",
                   "403 not-admin", "403 missing-scope"}},
        // Anonymous: always 403 anonymous.
        MatrixRow{"anonymous", anonymous(),
                  {"403 anonymous", "403 anonymous", "403 anonymous", "403 anonymous",
                   "403 anonymous", "403 anonymous", "403 anonymous", "403 anonymous",
                   "403 anonymous", "403 anonymous", "403 anonymous", "403 anonymous",
                   "403 anonymous", "403 anonymous"}}));

// Deny by default: a value outside the enumeration is not allowed to anyone.
TEST(AccessPolicy, UnknownActionIsDenied) {
  const auto d = decide(admin(), static_cast<Action>(999), foreign(), kNow);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(describe(d), "403 not-allowed");
}

// A denial never carries a delegation id; an allowed decision is truthy.
TEST(AccessPolicy, DecisionShape) {
  const auto yes = decide(person(kMario), A::ViewPersonalArea, {}, kNow);
  EXPECT_TRUE(static_cast<bool>(yes));
  const auto no = decide(intermediary(with_status(all_services_from(kMario), "revocata")),
                         A::ActOnBehalf, owned_by(kMario), kNow);
  EXPECT_FALSE(static_cast<bool>(no));
  EXPECT_TRUE(no.delegation_id.empty());
}

// --- roles ------------------------------------------------------------------------------------

TEST(Roles, CodesAndLabelsRoundTrip) {
  const std::array<std::pair<Role, std::pair<const char*, const char*>>, 6> all = {{
      {Role::Cittadino, {"cittadino", "Cittadino"}},
      {Role::RappresentanteImpresa, {"rappresentante-impresa", "Rappresentante d'impresa"}},
      {Role::Intermediario, {"intermediario", "Intermediario"}},
      {Role::OperatoreEnte, {"operatore-ente", "Operatore di ente"}},
      {Role::Redattore, {"redattore", "Redattore"}},
      {Role::Amministratore, {"amministratore", "Amministratore"}},
  }};
  for (const auto& [role, names] : all) {
    EXPECT_EQ(role_code(role), names.first);
    EXPECT_EQ(role_label(role), names.second);
    Role parsed = Role::Amministratore == role ? Role::Cittadino : Role::Amministratore;
    ASSERT_TRUE(parse_role(names.first, parsed)) << names.first;
    EXPECT_EQ(parsed, role);
  }
}

TEST(Roles, ParseRejectsUnknownCodesAndLeavesOutputAlone) {
  for (const char* bad : {"", "admin", "Amministratore", "CITTADINO", "cittadino ", "redattore\n"}) {
    Role out = Role::Redattore;
    EXPECT_FALSE(parse_role(bad, out)) << bad;
    EXPECT_EQ(out, Role::Redattore);
  }
}

TEST(Roles, CittadinoIsImpliedForPeopleOnly) {
  EXPECT_TRUE(person(kMario).has(Role::Cittadino));
  EXPECT_FALSE(person(kMario).has(Role::Amministratore));
  EXPECT_TRUE(admin().has(Role::Amministratore));
  EXPECT_TRUE(admin().has(Role::Cittadino));
  // Roles belong to people: an application or an anonymous caller holds none, even if set.
  auto app = application({"catalogo"}, "live");
  app.roles = {Role::Amministratore};
  EXPECT_FALSE(app.has(Role::Amministratore));
  EXPECT_FALSE(app.has(Role::Cittadino));
  auto anon = anonymous();
  anon.roles = {Role::Amministratore};
  EXPECT_FALSE(anon.has(Role::Amministratore));
  EXPECT_FALSE(anon.has(Role::Cittadino));
  EXPECT_EQ(describe(decide(anon, A::ManageRoles, {}, kNow)), "403 anonymous");
}

// --- delegation helpers -----------------------------------------------------------------------

struct InForceCase {
  const char* rule;
  GrantSpec spec;
  bool expected;
};

class DelegationInForce : public ::testing::TestWithParam<InForceCase> {};

TEST_P(DelegationInForce, AtNow) {
  const auto& c = GetParam();
  EXPECT_EQ(delegation_in_force(grant(c.spec), kNow), c.expected) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Window, DelegationInForce,
    ::testing::Values(
        InForceCase{"active, inside the window", GrantSpec{}, true},
        InForceCase{"valid_from == now (inclusive)",
                    with_window(GrantSpec{}, kNow, "2027-01-01T00:00:00Z"), true},
        InForceCase{"valid_until == now (exclusive)",
                    with_window(GrantSpec{}, "2026-01-01T00:00:00Z", kNow), false},
        InForceCase{"ended a second ago",
                    with_window(GrantSpec{}, "2026-01-01T00:00:00Z", "2026-11-27T10:14:59Z"), false},
        InForceCase{"starts in a second",
                    with_window(GrantSpec{}, "2026-11-27T10:15:01Z", "2027-01-01T00:00:00Z"), false},
        InForceCase{"pending", with_status(GrantSpec{}, "in-attesa"), false},
        InForceCase{"rejected", with_status(GrantSpec{}, "rifiutata"), false},
        InForceCase{"revoked", with_status(GrantSpec{}, "revocata"), false},
        InForceCase{"unknown status", with_status(GrantSpec{}, "ATTIVA"), false},
        // Missing bounds fail closed rather than open the window forever.
        InForceCase{"no valid_until", with_window(GrantSpec{}, "2026-01-01T00:00:00Z", ""), false},
        InForceCase{"no valid_from", with_window(GrantSpec{}, "", "2027-01-01T00:00:00Z"), false}));

TEST(DelegationCovers, ScopeRules) {
  GrantSpec all = all_services_from(kMario);
  // all_services covers anything, named or not.
  EXPECT_TRUE(delegation_covers(grant(all), "svc-1", "ente-1"));
  EXPECT_TRUE(delegation_covers(grant(all), "", ""));
  // A service grant covers its services only.
  GrantSpec svc = service_from(kMario, "svc-1");
  svc.services.insert("svc-3");
  EXPECT_TRUE(delegation_covers(grant(svc), "svc-1", ""));
  EXPECT_TRUE(delegation_covers(grant(svc), "svc-3", "ente-9"));
  EXPECT_FALSE(delegation_covers(grant(svc), "svc-2", "ente-1"));
  EXPECT_FALSE(delegation_covers(grant(svc), "", ""));  // empty means "any" only for all-services
  // An ente grant covers every service of that ente.
  GrantSpec ente = ente_from(kMario, "ente-1");
  EXPECT_TRUE(delegation_covers(grant(ente), "svc-7", "ente-1"));
  EXPECT_TRUE(delegation_covers(grant(ente), "", "ente-1"));
  EXPECT_FALSE(delegation_covers(grant(ente), "svc-7", "ente-2"));
  EXPECT_FALSE(delegation_covers(grant(ente), "", ""));
  // Being in force is not this function's question.
  EXPECT_TRUE(delegation_covers(grant(with_status(all, "revocata")), "svc-1", "ente-1"));
  // A grant with an empty entry in its sets is not a wildcard.
  GrantSpec odd = service_from(kMario, "");
  odd.enti = {""};
  EXPECT_FALSE(delegation_covers(grant(odd), "", ""));
}

}  // namespace
}  // namespace au::domain
