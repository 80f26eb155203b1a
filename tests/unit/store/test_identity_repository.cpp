// The identity repository on the engine under test: SQLite in a temporary file, or the
// PostgreSQL database named by AU_TEST_DATABASE_URL (scripts/run-tests.sh runs this binary on both).
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "../support/db_fixture.h"
#include "store/database.h"
#include "store/identity_repository.h"
#include "store/migrations.h"

using namespace au;
namespace fs = std::filesystem;

namespace {

// A fresh, migrated database per test on the engine under test (tests/unit/support/db_fixture.h).
class IdentityStoreTest : public testing_support::DatabaseTest {
 protected:
  static store::SessionRecord session(const std::string& id, const std::string& last_seen,
                                      const std::string& absolute) {
    store::SessionRecord s;
    s.id_hash = id;
    s.fiscal_code = "RSSMRA80A01G478X";
    s.given_name = "Mario";
    s.family_name = "Rossi";
    s.email = "mario@example.org";
    s.spid_level = "https://www.spid.gov.it/SpidL2";
    s.csrf_token = "csrf-" + id;
    s.id_token = "eyJ.token";
    s.created_at = "2026-01-10T09:00:00Z";
    s.last_seen_at = last_seen;
    s.absolute_expires_at = absolute;
    return s;
  }

  static store::DelegationRecord delegation(const std::string& id, const std::string& created_at) {
    store::DelegationRecord d;
    d.id = id;
    d.grantor = "RSSMRA80A01G478X";
    d.grantor_kind = "persona";
    d.grantor_name = "Mario Rossi";
    d.granted_by = "RSSMRA80A01G478X";
    d.delegate = "BNCLRA85M41G478Y";
    d.all_services = false;
    d.services = {"rc-residenza", "rc-tari"};
    d.enti = {"comune-054039"};
    d.valid_from = "2026-01-10";
    d.valid_until = "2026-12-31";
    d.status = "attiva";  // ignored: a new delegation always waits for acceptance
    d.acceptance_code_hash = "hash-" + id;
    d.created_at = created_at;
    d.updated_at = created_at;
    return d;
  }

  static store::ApplicationRecord application(const std::string& client_id, const std::string& owner,
                                              const std::string& created_at) {
    store::ApplicationRecord a;
    a.client_id = client_id;
    a.owner = owner;
    a.name = "App " + client_id;
    a.description = "Prova";
    a.environment = "test";
    a.scopes = "catalogo:lettura servizi:lettura";
    a.auth_method = "client_secret";
    a.rate_per_second = 2.5;
    a.burst = 7;
    a.daily_quota = 5000000000LL;  // beyond 32 bits
    a.status = "attiva";
    a.created_at = created_at;
    return a;
  }

};

}  // namespace

TEST_F(IdentityStoreTest, PeopleAreInsertedAndRefreshed) {
  EXPECT_FALSE(store::find_person(*db_, "RSSMRA80A01G478X").has_value());
  store::upsert_person(*db_, {"RSSMRA80A01G478X", "Mario", "Rossi", "m@example.org", "2026-01-01T10:00:00Z",
                              "2026-01-01T10:00:00Z"});
  store::upsert_person(*db_, {"RSSMRA80A01G478X", "Mario Luigi", "Rossi", "ml@example.org", "2026-02-01T10:00:00Z",
                              "2026-02-01T10:00:00Z"});
  auto p = store::find_person(*db_, "RSSMRA80A01G478X");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->given_name, "Mario Luigi");
  EXPECT_EQ(p->email, "ml@example.org");
  EXPECT_EQ(p->first_login_at, "2026-01-01T10:00:00Z");  // kept from the first login
  EXPECT_EQ(p->last_login_at, "2026-02-01T10:00:00Z");
}

TEST_F(IdentityStoreTest, GrantRoleIsIdempotentAndRevokeRemoves) {
  store::grant_role(*db_, {"RSSMRA80A01G478X", "operatore-ente", "comune-054039", "Comune di Perugia", "ADMIN",
                           "2026-01-01T10:00:00Z"});
  // Granted again: the first grant is kept.
  store::grant_role(*db_, {"RSSMRA80A01G478X", "operatore-ente", "comune-054039", "Altro", "ALTRO",
                           "2026-03-01T10:00:00Z"});
  store::grant_role(*db_, {"RSSMRA80A01G478X", "amministratore", "", "", "ADMIN", "2026-01-02T10:00:00Z"});
  store::grant_role(*db_, {"BNCLRA85M41G478Y", "intermediario", "", "", "ADMIN", "2026-01-02T10:00:00Z"});

  auto roles = store::roles_of(*db_, "RSSMRA80A01G478X");
  ASSERT_EQ(roles.size(), 2u);
  EXPECT_EQ(roles[0].role, "amministratore");
  EXPECT_EQ(roles[1].role, "operatore-ente");
  EXPECT_EQ(roles[1].scope, "comune-054039");
  EXPECT_EQ(roles[1].label, "Comune di Perugia");
  EXPECT_EQ(roles[1].granted_by, "ADMIN");
  EXPECT_EQ(roles[1].granted_at, "2026-01-01T10:00:00Z");
  EXPECT_EQ(store::all_role_assignments(*db_).size(), 3u);

  EXPECT_TRUE(store::revoke_role(*db_, "RSSMRA80A01G478X", "operatore-ente", "comune-054039"));
  EXPECT_FALSE(store::revoke_role(*db_, "RSSMRA80A01G478X", "operatore-ente", "comune-054039"));
  EXPECT_FALSE(store::revoke_role(*db_, "RSSMRA80A01G478X", "amministratore", "altro-scope"));
  roles = store::roles_of(*db_, "RSSMRA80A01G478X");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].role, "amministratore");
  EXPECT_ANY_THROW(store::grant_role(*db_, {"X", "ruolo-inventato", "", "", "ADMIN", "2026-01-01T10:00:00Z"}));
}

TEST_F(IdentityStoreTest, LoginAttemptIsSingleUse) {
  store::save_login_attempt(*db_, {"state-h", "browser-h", "nonce-1", "verifier-1", "/area-personale",
                                   "2026-01-10T09:00:00Z", "2026-01-10T09:10:00Z"});
  EXPECT_FALSE(store::take_login_attempt(*db_, "altro").has_value());
  auto a = store::take_login_attempt(*db_, "state-h");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state_hash, "state-h");
  EXPECT_EQ(a->browser_hash, "browser-h");
  EXPECT_EQ(a->nonce, "nonce-1");
  EXPECT_EQ(a->code_verifier, "verifier-1");
  EXPECT_EQ(a->return_to, "/area-personale");
  EXPECT_EQ(a->created_at, "2026-01-10T09:00:00Z");
  EXPECT_EQ(a->expires_at, "2026-01-10T09:10:00Z");
  EXPECT_FALSE(store::take_login_attempt(*db_, "state-h").has_value());
}

TEST_F(IdentityStoreTest, RacingCallbacksTakeEachAttemptOnce) {
  constexpr int kAttempts = 20, kThreads = 4;
  for (int i = 0; i != kAttempts; ++i)
    store::save_login_attempt(*db_, {"state-" + std::to_string(i), "b", "n", "v", "/", "2026-01-10T09:00:00Z",
                                     "2026-01-10T09:10:00Z"});
  store::Database shared(store::parse_database_url(url_), kThreads);
  std::vector<int> taken(kThreads, 0);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t != kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i != kAttempts; ++i)
          if (store::take_login_attempt(shared, "state-" + std::to_string(i))) ++taken[t];
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  int total = 0;
  for (int n : taken) total += n;
  EXPECT_EQ(total, kAttempts);
}

TEST_F(IdentityStoreTest, SessionsAreFoundTouchedActingForAndDeleted) {
  store::create_session(*db_, session("sess-1", "2026-01-10T09:00:00Z", "2026-01-10T21:00:00Z"));
  EXPECT_FALSE(store::find_session(*db_, "nessuna").has_value());
  auto s = store::find_session(*db_, "sess-1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->fiscal_code, "RSSMRA80A01G478X");
  EXPECT_EQ(s->given_name, "Mario");
  EXPECT_EQ(s->family_name, "Rossi");
  EXPECT_EQ(s->email, "mario@example.org");
  EXPECT_EQ(s->spid_level, "https://www.spid.gov.it/SpidL2");
  EXPECT_EQ(s->csrf_token, "csrf-sess-1");
  EXPECT_EQ(s->id_token, "eyJ.token");
  EXPECT_EQ(s->acting_for, "");
  EXPECT_EQ(s->created_at, "2026-01-10T09:00:00Z");
  EXPECT_EQ(s->absolute_expires_at, "2026-01-10T21:00:00Z");

  store::touch_session(*db_, "sess-1", "2026-01-10T09:20:00Z");
  EXPECT_EQ(store::find_session(*db_, "sess-1")->last_seen_at, "2026-01-10T09:20:00Z");

  store::set_acting_for(*db_, "sess-1", "VRDGPP50A01G478Z", "del-1");
  s = store::find_session(*db_, "sess-1");
  EXPECT_EQ(s->acting_for, "VRDGPP50A01G478Z");
  EXPECT_EQ(s->acting_delegation, "del-1");
  store::set_acting_for(*db_, "sess-1", "", "");
  s = store::find_session(*db_, "sess-1");
  EXPECT_EQ(s->acting_for, "");
  EXPECT_EQ(s->acting_delegation, "");

  store::delete_session(*db_, "sess-1");
  EXPECT_FALSE(store::find_session(*db_, "sess-1").has_value());
}

TEST_F(IdentityStoreTest, PurgeRemovesOnlyExpiredRows) {
  const std::string now = "2026-01-10T12:00:00Z", idle_cutoff = "2026-01-10T11:30:00Z";
  store::save_login_attempt(*db_, {"old", "b", "n", "v", "/", "2026-01-10T11:00:00Z", "2026-01-10T11:10:00Z"});
  store::save_login_attempt(*db_, {"new", "b", "n", "v", "/", "2026-01-10T11:58:00Z", "2026-01-10T12:08:00Z"});
  store::create_session(*db_, session("absolute", "2026-01-10T11:59:00Z", "2026-01-10T12:00:00Z"));
  store::create_session(*db_, session("idle", "2026-01-10T11:00:00Z", "2026-01-10T20:00:00Z"));
  store::create_session(*db_, session("live", "2026-01-10T11:45:00Z", "2026-01-10T20:00:00Z"));
  EXPECT_TRUE(store::remember_assertion(*db_, "app", "jti-old", "2026-01-10T11:55:00Z"));
  EXPECT_TRUE(store::remember_assertion(*db_, "app", "jti-new", "2026-01-10T12:05:00Z"));

  EXPECT_EQ(store::purge_expired(*db_, now, idle_cutoff), 4);
  EXPECT_FALSE(store::take_login_attempt(*db_, "old").has_value());
  EXPECT_TRUE(store::take_login_attempt(*db_, "new").has_value());
  EXPECT_FALSE(store::find_session(*db_, "absolute").has_value());
  EXPECT_FALSE(store::find_session(*db_, "idle").has_value());
  EXPECT_TRUE(store::find_session(*db_, "live").has_value());
  // The expired jti is gone (usable again), the live one is still remembered.
  EXPECT_TRUE(store::remember_assertion(*db_, "app", "jti-old", "2026-01-10T12:30:00Z"));
  EXPECT_FALSE(store::remember_assertion(*db_, "app", "jti-new", "2026-01-10T12:05:00Z"));
  EXPECT_EQ(store::purge_expired(*db_, now, idle_cutoff), 0);
}

TEST_F(IdentityStoreTest, DelegationRoundTripsWithCreationEvent) {
  auto d = delegation("del-1", "2026-01-10T09:00:00Z");
  d.grantor_kind = "impresa";
  d.grantor = "01234567890";
  d.grantor_name = "Rossi S.r.l.";
  store::insert_delegation(*db_, d);
  auto got = store::find_delegation(*db_, "del-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->grantor, "01234567890");
  EXPECT_EQ(got->grantor_kind, "impresa");
  EXPECT_EQ(got->grantor_name, "Rossi S.r.l.");
  EXPECT_EQ(got->granted_by, "RSSMRA80A01G478X");
  EXPECT_EQ(got->delegate, "BNCLRA85M41G478Y");
  EXPECT_FALSE(got->all_services);
  EXPECT_EQ(got->services, (std::vector<std::string>{"rc-residenza", "rc-tari"}));
  EXPECT_EQ(got->enti, (std::vector<std::string>{"comune-054039"}));
  EXPECT_EQ(got->valid_from, "2026-01-10");
  EXPECT_EQ(got->valid_until, "2026-12-31");
  EXPECT_EQ(got->status, "in-attesa");
  EXPECT_EQ(got->acceptance_code_hash, "hash-del-1");
  EXPECT_EQ(got->created_at, "2026-01-10T09:00:00Z");
  EXPECT_EQ(got->updated_at, "2026-01-10T09:00:00Z");
  EXPECT_FALSE(store::find_delegation(*db_, "nessuna").has_value());

  auto all = delegation("del-2", "2026-01-11T09:00:00Z");
  all.all_services = true;
  all.services.clear();
  all.enti.clear();
  store::insert_delegation(*db_, all);
  got = store::find_delegation(*db_, "del-2");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->all_services);
  EXPECT_TRUE(got->services.empty());
  EXPECT_TRUE(got->enti.empty());

  auto history = store::delegation_history(*db_, "del-1");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].delegation_id, "del-1");
  EXPECT_EQ(history[0].event, "creata");
  EXPECT_EQ(history[0].actor, "RSSMRA80A01G478X");
  EXPECT_EQ(history[0].at, "2026-01-10T09:00:00Z");

  // A duplicate id writes nothing, not even a second "creata" event.
  EXPECT_ANY_THROW(store::insert_delegation(*db_, delegation("del-1", "2026-01-12T09:00:00Z")));
  EXPECT_EQ(store::delegation_history(*db_, "del-1").size(), 1u);
}

TEST_F(IdentityStoreTest, DelegationsAreListedNewestFirst) {
  store::insert_delegation(*db_, delegation("del-b", "2026-01-10T09:00:00Z"));
  store::insert_delegation(*db_, delegation("del-c", "2026-01-12T09:00:00Z"));
  store::insert_delegation(*db_, delegation("del-a", "2026-01-10T09:00:00Z"));
  auto other = delegation("del-x", "2026-01-13T09:00:00Z");
  other.grantor = "VRDGPP50A01G478Z";
  other.delegate = "RSSMRA80A01G478X";
  store::insert_delegation(*db_, other);

  auto by_grantor = store::delegations_by_grantor(*db_, "RSSMRA80A01G478X");
  ASSERT_EQ(by_grantor.size(), 3u);
  EXPECT_EQ(by_grantor[0].id, "del-c");
  EXPECT_EQ(by_grantor[1].id, "del-a");  // same time: by id
  EXPECT_EQ(by_grantor[2].id, "del-b");
  EXPECT_EQ(store::delegations_by_delegate(*db_, "BNCLRA85M41G478Y").size(), 3u);
  auto by_delegate = store::delegations_by_delegate(*db_, "RSSMRA80A01G478X");
  ASSERT_EQ(by_delegate.size(), 1u);
  EXPECT_EQ(by_delegate[0].id, "del-x");
  EXPECT_TRUE(store::delegations_by_grantor(*db_, "nessuno").empty());
}

TEST_F(IdentityStoreTest, DelegationTransitionsFollowTheStatus) {
  store::insert_delegation(*db_, delegation("del-1", "2026-01-10T09:00:00Z"));
  const std::string delegate = "BNCLRA85M41G478Y", grantor = "RSSMRA80A01G478X";

  EXPECT_TRUE(store::transition_delegation(*db_, "del-1", {"in-attesa"}, "attiva", delegate, "accettata",
                                           "2026-01-10T10:00:00Z"));
  auto d = store::find_delegation(*db_, "del-1");
  EXPECT_EQ(d->status, "attiva");
  EXPECT_EQ(d->updated_at, "2026-01-10T10:00:00Z");

  // Accepting again: the status no longer matches, nothing is written.
  EXPECT_FALSE(store::transition_delegation(*db_, "del-1", {"in-attesa"}, "attiva", delegate, "accettata",
                                            "2026-01-10T10:05:00Z"));
  EXPECT_EQ(store::find_delegation(*db_, "del-1")->updated_at, "2026-01-10T10:00:00Z");
  EXPECT_EQ(store::delegation_history(*db_, "del-1").size(), 2u);
  EXPECT_FALSE(store::transition_delegation(*db_, "nessuna", {"in-attesa"}, "attiva", delegate, "accettata",
                                            "2026-01-10T10:05:00Z"));
  EXPECT_FALSE(store::transition_delegation(*db_, "del-1", {}, "revocata", grantor, "revocata",
                                            "2026-01-10T10:05:00Z"));

  EXPECT_TRUE(store::transition_delegation(*db_, "del-1", {"in-attesa", "attiva"}, "revocata", grantor, "revocata",
                                           "2026-01-11T08:00:00Z"));
  EXPECT_EQ(store::find_delegation(*db_, "del-1")->status, "revocata");
  EXPECT_FALSE(store::transition_delegation(*db_, "del-1", {"in-attesa", "attiva"}, "revocata", grantor,
                                            "revocata", "2026-01-11T09:00:00Z"));

  auto history = store::delegation_history(*db_, "del-1");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].event, "creata");
  EXPECT_EQ(history[1].event, "accettata");
  EXPECT_EQ(history[1].actor, delegate);
  EXPECT_EQ(history[1].at, "2026-01-10T10:00:00Z");
  EXPECT_EQ(history[2].event, "revocata");
  EXPECT_EQ(history[2].actor, grantor);
  EXPECT_EQ(history[2].at, "2026-01-11T08:00:00Z");

  // Rejection from in-attesa.
  store::insert_delegation(*db_, delegation("del-2", "2026-01-12T09:00:00Z"));
  EXPECT_TRUE(store::transition_delegation(*db_, "del-2", {"in-attesa"}, "rifiutata", delegate, "rifiutata",
                                           "2026-01-12T10:00:00Z"));
  EXPECT_EQ(store::find_delegation(*db_, "del-2")->status, "rifiutata");
}

TEST_F(IdentityStoreTest, ActionsOnBehalfAreListedNewestFirst) {
  store::record_action_on_behalf(*db_, {"2026-01-10T10:00:00Z", "DELEGATO", "TITOLARE", "del-1", "pratica.invio",
                                        "pratica/1"});
  store::record_action_on_behalf(*db_, {"2026-01-10T12:00:00Z", "DELEGATO", "TITOLARE", "del-1", "pratica.lettura",
                                        "pratica/2"});
  store::record_action_on_behalf(*db_, {"2026-01-10T11:00:00Z", "DELEGATO", "ALTRO", "del-2", "pratica.lettura",
                                        ""});
  auto of = store::actions_on_behalf_of(*db_, "TITOLARE", 10);
  ASSERT_EQ(of.size(), 2u);
  EXPECT_EQ(of[0].at, "2026-01-10T12:00:00Z");
  EXPECT_EQ(of[0].actor, "DELEGATO");
  EXPECT_EQ(of[0].on_behalf_of, "TITOLARE");
  EXPECT_EQ(of[0].delegation_id, "del-1");
  EXPECT_EQ(of[0].action, "pratica.lettura");
  EXPECT_EQ(of[0].resource, "pratica/2");
  EXPECT_EQ(of[1].at, "2026-01-10T10:00:00Z");
  ASSERT_EQ(store::actions_on_behalf_of(*db_, "TITOLARE", 1).size(), 1u);
  EXPECT_EQ(store::actions_on_behalf_of(*db_, "TITOLARE", 1)[0].resource, "pratica/2");

  auto by = store::actions_by_actor(*db_, "DELEGATO", 10);
  ASSERT_EQ(by.size(), 3u);
  EXPECT_EQ(by[0].at, "2026-01-10T12:00:00Z");
  EXPECT_EQ(by[1].on_behalf_of, "ALTRO");
  EXPECT_EQ(by[2].at, "2026-01-10T10:00:00Z");
  EXPECT_TRUE(store::actions_by_actor(*db_, "TITOLARE", 10).empty());
}

TEST_F(IdentityStoreTest, ApplicationIsInsertedWithItsSecret) {
  store::insert_application(*db_, application("app-1", "RSSMRA80A01G478X", "2026-01-10T09:00:00Z"), "sh-1",
                            "ab12");
  auto a = store::find_application(*db_, "app-1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->owner, "RSSMRA80A01G478X");
  EXPECT_EQ(a->name, "App app-1");
  EXPECT_EQ(a->description, "Prova");
  EXPECT_EQ(a->environment, "test");
  EXPECT_EQ(a->scopes, "catalogo:lettura servizi:lettura");
  EXPECT_EQ(a->auth_method, "client_secret");
  EXPECT_EQ(a->public_jwk, "");
  EXPECT_DOUBLE_EQ(a->rate_per_second, 2.5);
  EXPECT_EQ(a->burst, 7);
  EXPECT_EQ(a->daily_quota, 5000000000LL);
  EXPECT_EQ(a->status, "attiva");
  EXPECT_EQ(a->created_at, "2026-01-10T09:00:00Z");
  EXPECT_EQ(a->revoked_at, "");
  EXPECT_FALSE(store::find_application(*db_, "nessuna").has_value());

  auto secrets = store::valid_secrets(*db_, "app-1", "2026-01-10T09:00:01Z");
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_GT(secrets[0].id, 0);
  EXPECT_EQ(secrets[0].client_id, "app-1");
  EXPECT_EQ(secrets[0].secret_hash, "sh-1");
  EXPECT_EQ(secrets[0].hint, "ab12");
  EXPECT_EQ(secrets[0].created_at, "2026-01-10T09:00:00Z");
  EXPECT_EQ(secrets[0].expires_at, "");
  EXPECT_EQ(secrets[0].revoked_at, "");

  // private_key_jwt: no secret; a whole rate is stored as a double too.
  auto jwt = application("app-2", "RSSMRA80A01G478X", "2026-01-11T09:00:00Z");
  jwt.auth_method = "private_key_jwt";
  jwt.public_jwk = R"({"kty":"EC","crv":"P-256"})";
  jwt.rate_per_second = 10;
  store::insert_application(*db_, jwt, "", "");
  EXPECT_TRUE(store::valid_secrets(*db_, "app-2", "2026-01-11T09:00:01Z").empty());
  EXPECT_DOUBLE_EQ(store::find_application(*db_, "app-2")->rate_per_second, 10.0);
  EXPECT_EQ(store::find_application(*db_, "app-2")->public_jwk, R"({"kty":"EC","crv":"P-256"})");
  store::insert_application(*db_, application("app-3", "BNCLRA85M41G478Y", "2026-01-12T09:00:00Z"), "sh-3", "cd34");

  auto mine = store::applications_of(*db_, "RSSMRA80A01G478X");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].client_id, "app-2");  // newest first
  EXPECT_EQ(mine[1].client_id, "app-1");
  EXPECT_EQ(store::all_applications(*db_).size(), 3u);

  // An invalid application writes nothing, not even its secret.
  auto bad = application("app-bad", "X", "2026-01-12T09:00:00Z");
  bad.environment = "produzione";
  EXPECT_ANY_THROW(store::insert_application(*db_, bad, "sh-bad", "zz"));
  EXPECT_FALSE(store::find_application(*db_, "app-bad").has_value());
  EXPECT_TRUE(store::valid_secrets(*db_, "app-bad", "2026-01-12T09:00:01Z").empty());
}

TEST_F(IdentityStoreTest, RotationKeepsTwoSecretsDuringTheOverlapOnly) {
  store::insert_application(*db_, application("app-1", "RSSMRA80A01G478X", "2026-01-10T09:00:00Z"), "sh-1", "0001");
  store::rotate_secret(*db_, "app-1", "sh-2", "0002", "2026-01-11T09:00:00Z", "2026-01-12T09:00:00Z");

  auto during = store::valid_secrets(*db_, "app-1", "2026-01-11T10:00:00Z");
  ASSERT_EQ(during.size(), 2u);
  EXPECT_EQ(during[0].secret_hash, "sh-2");  // newest first
  EXPECT_EQ(during[0].expires_at, "");
  EXPECT_EQ(during[1].secret_hash, "sh-1");
  EXPECT_EQ(during[1].expires_at, "2026-01-12T09:00:00Z");

  auto after = store::valid_secrets(*db_, "app-1", "2026-01-12T09:00:00Z");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].secret_hash, "sh-2");

  // Rotating again during the overlap: sh-1 is revoked, sh-2 overlaps with sh-3.
  store::rotate_secret(*db_, "app-1", "sh-3", "0003", "2026-01-11T12:00:00Z", "2026-01-11T18:00:00Z");
  auto again = store::valid_secrets(*db_, "app-1", "2026-01-11T12:30:00Z");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].secret_hash, "sh-3");
  EXPECT_EQ(again[1].secret_hash, "sh-2");
  EXPECT_EQ(again[1].expires_at, "2026-01-11T18:00:00Z");
  auto later = store::valid_secrets(*db_, "app-1", "2026-01-11T18:00:01Z");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].secret_hash, "sh-3");
}

TEST_F(IdentityStoreTest, RevokedApplicationHasNoValidSecrets) {
  store::insert_application(*db_, application("app-1", "RSSMRA80A01G478X", "2026-01-10T09:00:00Z"), "sh-1", "0001");
  store::rotate_secret(*db_, "app-1", "sh-2", "0002", "2026-01-11T09:00:00Z", "2026-01-12T09:00:00Z");
  ASSERT_EQ(store::valid_secrets(*db_, "app-1", "2026-01-11T10:00:00Z").size(), 2u);

  EXPECT_TRUE(store::revoke_application(*db_, "app-1", "2026-01-11T11:00:00Z"));
  auto a = store::find_application(*db_, "app-1");
  EXPECT_EQ(a->status, "revocata");
  EXPECT_EQ(a->revoked_at, "2026-01-11T11:00:00Z");
  EXPECT_TRUE(store::valid_secrets(*db_, "app-1", "2026-01-11T11:00:01Z").empty());
  EXPECT_FALSE(store::revoke_application(*db_, "app-1", "2026-01-11T12:00:00Z"));
  EXPECT_EQ(store::find_application(*db_, "app-1")->revoked_at, "2026-01-11T11:00:00Z");
  EXPECT_FALSE(store::revoke_application(*db_, "nessuna", "2026-01-11T12:00:00Z"));
}

TEST_F(IdentityStoreTest, UsageAccumulatesPerDay) {
  auto u = store::add_usage(*db_, "app-1", "2026-01-10", 1, 0);
  EXPECT_EQ(u.day, "2026-01-10");
  EXPECT_EQ(u.calls, 1);
  EXPECT_EQ(u.throttled, 0);
  u = store::add_usage(*db_, "app-1", "2026-01-10", 5, 2);
  EXPECT_EQ(u.calls, 6);
  EXPECT_EQ(u.throttled, 2);
  u = store::add_usage(*db_, "app-1", "2026-01-11", 3, 1);
  EXPECT_EQ(u.calls, 3);
  EXPECT_EQ(u.throttled, 1);
  store::add_usage(*db_, "app-1", "2026-01-09", 4, 0);
  store::add_usage(*db_, "app-2", "2026-01-10", 100, 0);

  auto days = store::usage_of(*db_, "app-1", 30);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].day, "2026-01-11");
  EXPECT_EQ(days[0].calls, 3);
  EXPECT_EQ(days[1].day, "2026-01-10");
  EXPECT_EQ(days[1].calls, 6);
  EXPECT_EQ(days[1].throttled, 2);
  EXPECT_EQ(days[2].day, "2026-01-09");
  ASSERT_EQ(store::usage_of(*db_, "app-1", 2).size(), 2u);
  EXPECT_EQ(store::usage_of(*db_, "app-2", 30).at(0).calls, 100);
  EXPECT_TRUE(store::usage_of(*db_, "app-3", 30).empty());
}

TEST_F(IdentityStoreTest, ConcurrentUsageIsNotLost) {
  // Several pooled sessions (several nodes, on PostgreSQL) add to the same counter.
  store::Database shared(store::parse_database_url(url_), 4);
  constexpr int kThreads = 4, kCalls = 200;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t != kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i != kCalls; ++i) store::add_usage(shared, "app-1", "2026-01-10", 1, 0);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  auto days = store::usage_of(*db_, "app-1", 1);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].calls, kThreads * kCalls);
  EXPECT_EQ(days[0].throttled, 0);
}

TEST_F(IdentityStoreTest, RememberedAssertionIsAReplay) {
  EXPECT_TRUE(store::remember_assertion(*db_, "app-1", "jti-1", "2026-01-10T09:05:00Z"));
  EXPECT_FALSE(store::remember_assertion(*db_, "app-1", "jti-1", "2026-01-10T09:05:00Z"));
  EXPECT_TRUE(store::remember_assertion(*db_, "app-2", "jti-1", "2026-01-10T09:05:00Z"));
  EXPECT_TRUE(store::remember_assertion(*db_, "app-1", "jti-2", "2026-01-10T09:05:00Z"));
}

TEST_F(IdentityStoreTest, SigningKeyConvergesOnTheStoredOne) {
  int first_calls = 0, second_calls = 0;
  auto first = store::current_signing_key(*db_, [&] {
    ++first_calls;
    return std::make_pair(std::string("kid-1"), std::string("PEM-1"));
  });
  EXPECT_EQ(first, std::make_pair(std::string("kid-1"), std::string("PEM-1")));
  auto second = store::current_signing_key(*db_, [&] {
    ++second_calls;
    return std::make_pair(std::string("kid-2"), std::string("PEM-2"));
  });
  EXPECT_EQ(second, first);
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

TEST_F(IdentityStoreTest, SigningKeyRaceEndsOnTheOldestKey) {
  // Another node stores its key while this one is generating: both end up using the oldest.
  auto key = store::current_signing_key(*db_, [&] {
    auto s = db_->acquire();
    *s << "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES ('kid-other', 'PEM-OTHER', "
          "'2000-01-01T00:00:00Z')";
    return std::make_pair(std::string("kid-mine"), std::string("PEM-MINE"));
  });
  EXPECT_EQ(key, std::make_pair(std::string("kid-other"), std::string("PEM-OTHER")));
  // Later calls keep it without generating.
  auto again = store::current_signing_key(*db_, []() -> std::pair<std::string, std::string> {
    ADD_FAILURE() << "generate() called with a key already stored";
    return {"x", "y"};
  });
  EXPECT_EQ(again, key);
}
