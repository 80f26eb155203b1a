// Delegations on the engine under test: granting (by a person, or by a business representative
// for the P.IVA they represent), acceptance with the code by the named intermediary,
// rejection, revocation by either party, and the history.
#include "identity/delegations.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "../support/db_fixture.h"
#include "identity/crypto.h"
#include "store/identity_repository.h"

namespace au::identity {
namespace {

const std::string kNow = "2026-03-01T10:00:00Z";
const std::string kGrantor = "RSSMRA85T10A562S";    // a citizen
const std::string kDelegate = "VRDGPP70A01H501S";   // a professional (intermediario)
const std::string kStranger = "BNCLCU92M45D653M";   // another professional
const std::string kRepresentative = "RSSMRA85T50A562W";
const std::string kBusiness = "01234567897";        // P.IVA represented by kRepresentative
const std::string kOtherBusiness = "12345678903";

domain::CatalogSnapshot catalog() {
  domain::Ente perugia;
  perugia.id = "comune-054039";
  perugia.slug = "perugia";
  perugia.kind = domain::EnteKind::Comune;
  perugia.name = "Perugia";
  perugia.istat_code = "054039";
  domain::Ente regione;
  regione.id = "regione-umbria";
  regione.slug = "regione-umbria";
  regione.kind = domain::EnteKind::Regione;
  regione.name = "Regione Umbria";
  domain::Service residenza;
  residenza.id = "rc-residenza";
  residenza.slug = "cambio-di-residenza";
  residenza.title = "Cambio di residenza";
  residenza.authority = domain::AuthorityKind::EachComune;
  domain::Service suape;
  suape.id = "ru-suape";
  suape.slug = "sportello-unico-attivita-produttive";
  suape.title = "Sportello unico per le attività produttive";
  suape.competent_ente_id = "regione-umbria";
  return domain::CatalogSnapshot(1, {perugia, regione}, {residenza, suape}, {}, {});
}

domain::Principal person(const std::string& cf, std::set<domain::Role> roles = {}) {
  domain::Principal p;
  p.kind = domain::Principal::Kind::Person;
  p.subject = cf;
  p.roles = std::move(roles);
  p.roles.insert(domain::Role::Cittadino);
  return p;
}
domain::Principal intermediary(const std::string& cf) { return person(cf, {domain::Role::Intermediario}); }
domain::Principal representative() {
  domain::Principal p = person(kRepresentative, {domain::Role::RappresentanteImpresa});
  p.businesses.insert(kBusiness);
  return p;
}

DelegationRequest request(const std::string& scope = "tutti") {
  DelegationRequest r;
  r.delegate = kDelegate;
  r.scope = scope;
  r.valid_from = "2026-03-01";
  r.valid_until = "2026-12-31";
  return r;
}

// "ABCDEFGHJK" -> "abcde-fghjk": how a person might type it.
std::string typed(const std::string& code) {
  std::string out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i == code.size() / 2) out += '-';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(code[i])));
  }
  return out;
}

class DelegationServiceTest : public testing_support::DatabaseTest {
 protected:
  DelegationResult grant_ok(const domain::Principal& actor, const DelegationRequest& r) {
    DelegationResult g = service().grant(actor, "Mario Rossi", r, cat_, kNow);
    EXPECT_EQ(g.status, 201) << g.error << g.reason;
    EXPECT_TRUE(g.delegation.has_value());
    return g;
  }
  DelegationService& service() {
    if (!service_) service_ = std::make_unique<DelegationService>(*db_);
    return *service_;
  }
  std::string status_of(const std::string& id) {
    auto d = store::find_delegation(*db_, id);
    return d ? d->status : "(none)";
  }

  domain::CatalogSnapshot cat_ = catalog();
  std::unique_ptr<DelegationService> service_;
};

// --- granting -------------------------------------------------------------------------------------

TEST_F(DelegationServiceTest, GrantIsValidated) {
  const auto grantor = person(kGrantor);
  auto expect_invalid = [&](const DelegationRequest& r, const char* why) {
    DelegationResult g = service().grant(grantor, "Mario Rossi", r, cat_, kNow);
    EXPECT_EQ(g.status, 422) << why;
    EXPECT_NE(g.error, "") << why;
    EXPECT_FALSE(g.delegation.has_value()) << why;
    EXPECT_EQ(g.acceptance_code, "") << why;
  };
  DelegationRequest r = request();
  r.delegate = "VRDGPP70A01H501T";
  expect_invalid(r, "delegate's fiscal code with a wrong check letter");
  r.delegate = "";
  expect_invalid(r, "no delegate");
  r.delegate = kBusiness;
  expect_invalid(r, "a P.IVA as delegate");
  r.delegate = " rssmra85t10a562s ";
  expect_invalid(r, "delegating oneself (after normalisation)");

  r = request("servizi");
  r.services = {"rc-residenza", "rc-inesistente"};
  expect_invalid(r, "unknown service");
  r.services = {};
  expect_invalid(r, "no service chosen");
  r = request("enti");
  r.enti = {"comune-099999"};
  expect_invalid(r, "unknown ente");
  r.enti = {};
  expect_invalid(r, "no ente chosen");
  r = request("qualcosa");
  expect_invalid(r, "unknown scope");
  r = request("");
  expect_invalid(r, "empty scope");

  r = request();
  r.valid_from = "01/03/2026";
  expect_invalid(r, "date not ISO");
  r = request();
  r.valid_until = "2026-02-30";
  expect_invalid(r, "date that does not exist");
  r = request();
  r.valid_until = "";
  expect_invalid(r, "no end date");
  r = request();
  r.valid_from = "2026-06-01";
  r.valid_until = "2026-05-31";
  expect_invalid(r, "end before start");
  r = request();
  r.valid_until = "2031-12-31";
  expect_invalid(r, "more than five years");
  r = request();
  r.valid_from = "2025-01-01";
  r.valid_until = "2025-12-31";
  expect_invalid(r, "entirely in the past");
  r = request();
  r.valid_from = "2026-02-01";
  r.valid_until = "2026-02-28";  // ended yesterday
  expect_invalid(r, "ended yesterday");

  EXPECT_TRUE(store::delegations_by_grantor(*db_, kGrantor).empty());

  // Boundaries that are fine: ending today, exactly five years.
  r = request();
  r.valid_from = "2026-02-01";
  r.valid_until = "2026-03-01";
  EXPECT_EQ(service().grant(grantor, "Mario Rossi", r, cat_, kNow).status, 201);
  r = request();
  r.valid_until = "2031-03-01";
  EXPECT_EQ(service().grant(grantor, "Mario Rossi", r, cat_, kNow).status, 201);
}

TEST_F(DelegationServiceTest, AnonymousAndApplicationsCannotGrant) {
  DelegationResult g = service().grant(domain::Principal{}, "", request(), cat_, kNow);
  EXPECT_EQ(g.status, 403);
  EXPECT_FALSE(g.delegation.has_value());
  domain::Principal app;
  app.kind = domain::Principal::Kind::Application;
  app.subject = kGrantor;  // even one pretending to be the person
  g = service().grant(app, "", request(), cat_, kNow);
  EXPECT_EQ(g.status, 403);
  EXPECT_TRUE(store::delegations_by_grantor(*db_, kGrantor).empty());
}

TEST_F(DelegationServiceTest, PersonGrantsAndTheCodeIsStoredOnlyAsAHash) {
  DelegationRequest r = request("servizi");
  r.services = {"rc-residenza", "ru-suape"};
  DelegationResult g = grant_ok(person(kGrantor), r);
  ASSERT_TRUE(g.delegation.has_value());
  const auto& d = *g.delegation;
  EXPECT_EQ(g.acceptance_code.size(), 10u);
  EXPECT_EQ(d.acceptance_code_hash, sha256_hex(g.acceptance_code));
  EXPECT_EQ(d.grantor, kGrantor);
  EXPECT_EQ(d.grantor_kind, "persona");
  EXPECT_EQ(d.grantor_name, "Mario Rossi");
  EXPECT_EQ(d.granted_by, kGrantor);
  EXPECT_EQ(d.delegate, kDelegate);
  EXPECT_EQ(d.status, "in-attesa");
  EXPECT_FALSE(d.all_services);
  EXPECT_EQ(d.valid_from, "2026-03-01T00:00:00Z");
  EXPECT_EQ(d.valid_until, "2027-01-01T00:00:00Z");  // the end date is included
  auto stored = store::find_delegation(*db_, d.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->services, (std::vector<std::string>{"rc-residenza", "ru-suape"}));
  EXPECT_EQ(stored->status, "in-attesa");
  EXPECT_EQ(stored->acceptance_code_hash, sha256_hex(g.acceptance_code));

  // The delegate is normalised.
  DelegationRequest lower = request("enti");
  lower.delegate = " vrdgpp70a01h501s";
  lower.enti = {"comune-054039"};
  DelegationResult g2 = grant_ok(person(kGrantor), lower);
  ASSERT_TRUE(g2.delegation.has_value());
  EXPECT_EQ(g2.delegation->delegate, kDelegate);
  EXPECT_EQ(g2.delegation->enti, std::vector<std::string>{"comune-054039"});
  EXPECT_NE(g2.acceptance_code, g.acceptance_code);
  EXPECT_EQ(service().granted_by(person(kGrantor)).size(), 2u);
  EXPECT_EQ(service().received_by(intermediary(kDelegate)).size(), 2u);
}

TEST_F(DelegationServiceTest, BusinessRepresentativeGrantsForTheRepresentedPivaOnly) {
  store::grant_role(*db_, {kRepresentative, "rappresentante-impresa", kBusiness, "Rossi Costruzioni S.r.l.", "ADMIN",
                           "2026-01-01T10:00:00Z"});
  DelegationRequest r = request();
  r.grantor = kBusiness;
  DelegationResult g = service().grant(representative(), "Maria Rossi", r, cat_, kNow);
  ASSERT_EQ(g.status, 201) << g.error << g.reason;
  ASSERT_TRUE(g.delegation.has_value());
  EXPECT_EQ(g.delegation->grantor, kBusiness);
  EXPECT_EQ(g.delegation->grantor_kind, "impresa");
  EXPECT_EQ(g.delegation->grantor_name, "Rossi Costruzioni S.r.l.");
  EXPECT_EQ(g.delegation->granted_by, kRepresentative);
  EXPECT_EQ(store::delegations_by_grantor(*db_, kBusiness).size(), 1u);
  EXPECT_EQ(service().granted_by(representative()).size(), 1u);

  // A P.IVA not represented: forbidden, nothing stored.
  r.grantor = kOtherBusiness;
  DelegationResult other = service().grant(representative(), "Maria Rossi", r, cat_, kNow);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.reason, "not-owner");
  EXPECT_FALSE(other.delegation.has_value());
  EXPECT_TRUE(store::delegations_by_grantor(*db_, kOtherBusiness).empty());
  // Nor can a citizen without the role grant for a business, or for another person.
  r.grantor = kBusiness;
  EXPECT_EQ(service().grant(person(kGrantor), "Mario Rossi", r, cat_, kNow).status, 403);
  r.grantor = kStranger;
  EXPECT_EQ(service().grant(person(kGrantor), "Mario Rossi", r, cat_, kNow).status, 403);
  // The representative role without that P.IVA in the principal is not enough.
  domain::Principal no_business = person(kRepresentative, {domain::Role::RappresentanteImpresa});
  r.grantor = kBusiness;
  EXPECT_EQ(service().grant(no_business, "Maria Rossi", r, cat_, kNow).status, 403);
  EXPECT_EQ(store::delegations_by_grantor(*db_, kBusiness).size(), 1u);
}

// --- acceptance --------------------------------------------------------------------------------------

TEST_F(DelegationServiceTest, OnlyTheNamedIntermediaryAcceptsWithTheCode) {
  DelegationResult g = grant_ok(person(kGrantor), request());
  ASSERT_TRUE(g.delegation.has_value());
  const std::string id = g.delegation->id;

  // Another professional with the right code: nothing matches for them.
  DelegationResult by_stranger = service().accept(intermediary(kStranger), g.acceptance_code, "2026-03-01T11:00:00Z");
  EXPECT_EQ(by_stranger.status, 422);
  EXPECT_EQ(status_of(id), "in-attesa");
  // The named delegate without the intermediary role.
  DelegationResult not_intermediary = service().accept(person(kDelegate), g.acceptance_code, "2026-03-01T11:00:00Z");
  EXPECT_EQ(not_intermediary.status, 403);
  EXPECT_EQ(not_intermediary.reason, "not-intermediary");
  EXPECT_EQ(status_of(id), "in-attesa");
  // The grantor cannot accept on the delegate's behalf.
  EXPECT_NE(service().accept(intermediary(kGrantor), g.acceptance_code, "2026-03-01T11:00:00Z").status, 200);
  // A wrong or empty code.
  EXPECT_EQ(service().accept(intermediary(kDelegate), "ZZZZZZZZZZ", "2026-03-01T11:00:00Z").status, 422);
  EXPECT_EQ(service().accept(intermediary(kDelegate), "", "2026-03-01T11:00:00Z").status, 422);
  EXPECT_EQ(service().accept(intermediary(kDelegate), " - ", "2026-03-01T11:00:00Z").status, 422);
  EXPECT_EQ(service().accept(intermediary(kDelegate), std::string(40, 'A'), "2026-03-01T11:00:00Z").status, 422);
  EXPECT_EQ(status_of(id), "in-attesa");

  // The delegate, typing the code in lower case with a dash.
  DelegationResult ok = service().accept(intermediary(kDelegate), typed(g.acceptance_code), "2026-03-01T11:00:00Z");
  ASSERT_EQ(ok.status, 200) << ok.error << ok.reason;
  ASSERT_TRUE(ok.delegation.has_value());
  EXPECT_EQ(ok.delegation->id, id);
  EXPECT_EQ(ok.delegation->status, "attiva");
  EXPECT_EQ(ok.acceptance_code, "");  // the code is shown only at creation
  EXPECT_EQ(status_of(id), "attiva");

  // Twice: the delegation is no longer waiting.
  DelegationResult twice = service().accept(intermediary(kDelegate), g.acceptance_code, "2026-03-01T12:00:00Z");
  EXPECT_TRUE(twice.status == 422 || twice.status == 409) << twice.status;
  EXPECT_FALSE(twice.delegation.has_value());
  EXPECT_EQ(status_of(id), "attiva");
  EXPECT_EQ(store::delegation_history(*db_, id).size(), 2u);  // creata, accettata: no second event
}

TEST_F(DelegationServiceTest, RejectOnlyWhilePendingAndOnlyByTheDelegate) {
  DelegationResult pending = grant_ok(person(kGrantor), request());
  ASSERT_TRUE(pending.delegation.has_value());
  const std::string id = pending.delegation->id;
  // The grantor is a party (knows it exists) but withdraws with revoke(), not reject().
  EXPECT_EQ(service().reject(person(kGrantor), id, kNow).status, 403);
  // A stranger does not learn that it exists.
  EXPECT_EQ(service().reject(intermediary(kStranger), id, kNow).status, 404);
  EXPECT_EQ(service().reject(domain::Principal{}, id, kNow).status, 403);
  EXPECT_EQ(service().reject(intermediary(kDelegate), "dlg-nessuna", kNow).status, 404);
  EXPECT_EQ(status_of(id), "in-attesa");

  // Whoever it is addressed to may turn it down, intermediary role or not.
  DelegationResult rejected = service().reject(person(kDelegate), id, "2026-03-01T11:00:00Z");
  ASSERT_EQ(rejected.status, 200) << rejected.error << rejected.reason;
  ASSERT_TRUE(rejected.delegation.has_value());
  EXPECT_EQ(rejected.delegation->status, "rifiutata");
  EXPECT_EQ(service().reject(intermediary(kDelegate), id, kNow).status, 409);
  auto history = store::delegation_history(*db_, id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].event, "rifiutata");
  EXPECT_EQ(history[1].actor, kDelegate);
  // A rejected delegation can no longer be accepted with its code.
  EXPECT_NE(service().accept(intermediary(kDelegate), pending.acceptance_code, kNow).status, 200);
  EXPECT_EQ(status_of(id), "rifiutata");

  // An accepted one cannot be rejected.
  DelegationResult other = grant_ok(person(kGrantor), request());
  ASSERT_EQ(service().accept(intermediary(kDelegate), other.acceptance_code, kNow).status, 200);
  EXPECT_EQ(service().reject(intermediary(kDelegate), other.delegation->id, kNow).status, 409);
  EXPECT_EQ(status_of(other.delegation->id), "attiva");
}

// --- revocation -------------------------------------------------------------------------------------

TEST_F(DelegationServiceTest, EitherPartyRevokesAStrangerGets404) {
  DelegationResult a = grant_ok(person(kGrantor), request());
  DelegationResult b = grant_ok(person(kGrantor), request());
  ASSERT_EQ(service().accept(intermediary(kDelegate), b.acceptance_code, kNow).status, 200);

  // A stranger: not found (the delegation's existence does not leak), nothing changes.
  DelegationResult s1 = service().revoke(intermediary(kStranger), a.delegation->id, kNow);
  EXPECT_EQ(s1.status, 404);
  EXPECT_FALSE(s1.delegation.has_value());
  EXPECT_EQ(service().revoke(person(kStranger), b.delegation->id, kNow).status, 404);
  EXPECT_EQ(service().revoke(domain::Principal{}, b.delegation->id, kNow).status, 403);
  EXPECT_EQ(service().revoke(person(kGrantor), "dlg-nessuna", kNow).status, 404);
  EXPECT_EQ(status_of(a.delegation->id), "in-attesa");
  EXPECT_EQ(status_of(b.delegation->id), "attiva");

  // The grantor revokes a pending one, the delegate an active one.
  DelegationResult by_grantor = service().revoke(person(kGrantor), a.delegation->id, "2026-03-02T09:00:00Z");
  ASSERT_EQ(by_grantor.status, 200) << by_grantor.error;
  EXPECT_EQ(by_grantor.delegation->status, "revocata");
  DelegationResult by_delegate = service().revoke(intermediary(kDelegate), b.delegation->id, "2026-03-02T09:00:00Z");
  ASSERT_EQ(by_delegate.status, 200) << by_delegate.error;
  EXPECT_EQ(by_delegate.delegation->status, "revocata");
  // Already over.
  EXPECT_EQ(service().revoke(person(kGrantor), a.delegation->id, kNow).status, 409);
  EXPECT_EQ(service().revoke(person(kGrantor), b.delegation->id, kNow).status, 409);
  // A revoked delegation cannot be accepted afterwards.
  EXPECT_NE(service().accept(intermediary(kDelegate), a.acceptance_code, kNow).status, 200);
  EXPECT_EQ(status_of(a.delegation->id), "revocata");
}

TEST_F(DelegationServiceTest, BusinessDelegationIsRevokedByItsRepresentativeOnly) {
  DelegationRequest r = request();
  r.grantor = kBusiness;
  DelegationResult g = service().grant(representative(), "Maria Rossi", r, cat_, kNow);
  ASSERT_EQ(g.status, 201);
  domain::Principal other_rep = person(kStranger, {domain::Role::RappresentanteImpresa});
  other_rep.businesses.insert(kOtherBusiness);
  EXPECT_EQ(service().revoke(other_rep, g.delegation->id, kNow).status, 404);
  EXPECT_EQ(service().revoke(representative(), g.delegation->id, kNow).status, 200);
}

// --- history ------------------------------------------------------------------------------------------

TEST_F(DelegationServiceTest, HistoryRecordsEveryEventInOrder) {
  DelegationResult g = grant_ok(person(kGrantor), request());
  const std::string id = g.delegation->id;
  ASSERT_EQ(service().accept(intermediary(kDelegate), g.acceptance_code, "2026-03-01T11:00:00Z").status, 200);
  ASSERT_EQ(service().revoke(person(kGrantor), id, "2026-03-05T08:30:00Z").status, 200);
  auto history = store::delegation_history(*db_, id);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].event, "creata");
  EXPECT_EQ(history[0].actor, kGrantor);
  EXPECT_EQ(history[0].at, kNow);
  EXPECT_EQ(history[1].event, "accettata");
  EXPECT_EQ(history[1].actor, kDelegate);
  EXPECT_EQ(history[1].at, "2026-03-01T11:00:00Z");
  EXPECT_EQ(history[2].event, "revocata");
  EXPECT_EQ(history[2].actor, kGrantor);
  EXPECT_EQ(history[2].at, "2026-03-05T08:30:00Z");
  for (const auto& e : history) EXPECT_EQ(e.delegation_id, id);
  auto d = store::find_delegation(*db_, id);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->updated_at, "2026-03-05T08:30:00Z");
  EXPECT_EQ(d->created_at, kNow);
}

}  // namespace
}  // namespace au::identity
