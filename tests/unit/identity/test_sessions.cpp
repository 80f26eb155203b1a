// Server-side sessions on the engine under test: the cookie, resuming, the principal's roles,
// idle and absolute timeouts, logout and the CSRF check.
#include "identity/sessions.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <string>
#include <thread>

#include "../support/db_fixture.h"
#include "domain/utc_time.h"
#include "identity/crypto.h"
#include "store/identity_repository.h"

namespace au::identity {
namespace {

const std::string kCf = "RSSMRA85T10A562S";
const std::string kBusiness = "01234567897";
const std::string kBase = "https://accesso.example.it";

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

Identity maria() {
  Identity id;
  id.fiscal_code = kCf;
  id.given_name = "Maria";
  id.family_name = "Rossi";
  id.email = "maria.rossi@example.org";
  id.spid_level = "https://www.spid.gov.it/SpidL2";
  id.id_token = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln";
  return id;
}

// "name=value; Path=/; ..." -> value of the first pair.
std::string cookie_id(const std::string& set_cookie, const std::string& name) {
  const std::string prefix = name + "=";
  if (set_cookie.rfind(prefix, 0) != 0) return "";
  return set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
}

// The attributes of a Set-Cookie value after the first pair, as written.
std::vector<std::string> attributes(const std::string& set_cookie) {
  std::vector<std::string> out;
  std::size_t pos = set_cookie.find(';');
  while (pos != std::string::npos) {
    std::size_t next = set_cookie.find(';', pos + 1);
    std::string a = set_cookie.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    while (!a.empty() && a.front() == ' ') a.erase(0, 1);
    out.push_back(a);
    pos = next;
  }
  return out;
}
bool has_attribute(const std::string& set_cookie, const std::string& attr) {
  for (const auto& a : attributes(set_cookie))
    if (web::iequals(a, attr)) return true;
  return false;
}

web::Request with_cookie(const std::string& cookie) {
  web::Request r;
  r.method = "GET";
  r.target = r.path = "/area-personale";
  r.headers["Cookie"] = cookie;
  return r;
}

class SessionManagerTest : public testing_support::DatabaseTest {
 protected:
  SessionSettings settings(bool secure = true) const {
    SessionSettings s;
    s.secure_cookie = secure;
    s.cache_ttl_ms = 0;  // every resume reads the database
    return s;
  }
};

TEST_F(SessionManagerTest, SecureCookieHasHostPrefixAndAttributes) {
  SessionManager m(*db_, settings(true));
  EXPECT_EQ(m.cookie_name(), "__Host-au_session");
  const std::string c = m.start(maria());
  const std::string id = cookie_id(c, "__Host-au_session");
  EXPECT_TRUE(std::regex_match(id, std::regex("^[A-Za-z0-9]{43}$"))) << c;
  EXPECT_TRUE(has_attribute(c, "Secure")) << c;
  EXPECT_TRUE(has_attribute(c, "HttpOnly")) << c;
  EXPECT_TRUE(has_attribute(c, "SameSite=Lax")) << c;
  EXPECT_TRUE(has_attribute(c, "Path=/")) << c;
  EXPECT_TRUE(has_attribute(c, "Max-Age=43200")) << c;  // the absolute timeout
  for (const auto& a : attributes(c)) EXPECT_NE(a.rfind("Domain", 0), 0u) << "__Host- forbids Domain: " << c;
  // The database keeps the id's hash, never the id.
  EXPECT_TRUE(store::find_session(*db_, sha256_hex(id)).has_value());
  EXPECT_FALSE(store::find_session(*db_, id).has_value());

  const std::string cleared = m.clearing_cookie();
  EXPECT_EQ(cookie_id(cleared, "__Host-au_session"), "");
  EXPECT_EQ(cleared.rfind("__Host-au_session=;", 0), 0u) << cleared;
  EXPECT_TRUE(has_attribute(cleared, "Max-Age=0"));
  EXPECT_TRUE(has_attribute(cleared, "Secure"));
  EXPECT_TRUE(has_attribute(cleared, "Path=/"));
}

TEST_F(SessionManagerTest, PlainHttpCookieHasNoSecureAndNoHostPrefix) {
  SessionManager m(*db_, settings(false));
  EXPECT_EQ(m.cookie_name(), "au_session");
  const std::string c = m.start(maria());
  EXPECT_EQ(cookie_id(c, "au_session").size(), 43u) << c;
  EXPECT_FALSE(has_attribute(c, "Secure")) << c;
  EXPECT_TRUE(has_attribute(c, "HttpOnly")) << c;
  EXPECT_TRUE(has_attribute(c, "SameSite=Lax")) << c;
  EXPECT_TRUE(has_attribute(c, "Path=/")) << c;
  EXPECT_FALSE(has_attribute(m.clearing_cookie(), "Secure"));
}

TEST_F(SessionManagerTest, EveryLoginGetsANewId) {
  SessionManager m(*db_, settings());
  const std::string a = cookie_id(m.start(maria()), m.cookie_name());
  const std::string b = cookie_id(m.start(maria()), m.cookie_name());
  EXPECT_NE(a, b);
  ASSERT_TRUE(m.resume(with_cookie(m.cookie_name() + "=" + a)));
  ASSERT_TRUE(m.resume(with_cookie(m.cookie_name() + "=" + b)));
}

TEST_F(SessionManagerTest, ResumeReturnsTheSessionWithRolesFromTheDatabase) {
  store::grant_role(*db_, {kCf, "rappresentante-impresa", kBusiness, "Rossi S.r.l.", "ADMIN", "2026-01-01T10:00:00Z"});
  store::grant_role(*db_, {kCf, "operatore-ente", "comune-054039", "Comune di Perugia", "ADMIN", "2026-01-01T10:00:00Z"});
  store::grant_role(*db_, {kCf, "redattore", "anagrafe", "Anagrafe", "ADMIN", "2026-01-01T10:00:00Z"});
  store::grant_role(*db_, {"VRDGPP70A01H501S", "amministratore", "", "", "ADMIN", "2026-01-01T10:00:00Z"});
  SessionManager m(*db_, settings());
  const std::string id = cookie_id(m.start(maria()), m.cookie_name());
  auto s = m.resume(with_cookie("lang=it; " + m.cookie_name() + "=" + id + "; other=x"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->record.fiscal_code, kCf);
  EXPECT_EQ(s->record.id_hash, sha256_hex(id));
  EXPECT_EQ(s->record.spid_level, "https://www.spid.gov.it/SpidL2");
  EXPECT_EQ(s->record.id_token, maria().id_token);
  EXPECT_EQ(s->record.csrf_token.size(), 43u);
  EXPECT_EQ(s->display_name(), "Maria Rossi");
  const auto& p = s->principal;
  EXPECT_EQ(p.kind, domain::Principal::Kind::Person);
  EXPECT_EQ(p.subject, kCf);
  EXPECT_TRUE(p.has(domain::Role::Cittadino));
  EXPECT_TRUE(p.has(domain::Role::RappresentanteImpresa));
  EXPECT_TRUE(p.has(domain::Role::OperatoreEnte));
  EXPECT_TRUE(p.has(domain::Role::Redattore));
  EXPECT_FALSE(p.has(domain::Role::Amministratore));  // another person's role
  EXPECT_FALSE(p.has(domain::Role::Intermediario));
  EXPECT_EQ(p.businesses, std::set<std::string>{kBusiness});
  EXPECT_EQ(p.ente_id, "comune-054039");
  EXPECT_EQ(p.communities, std::set<std::string>{"anagrafe"});
  // The person was recorded at login.
  auto person = store::find_person(*db_, kCf);
  ASSERT_TRUE(person.has_value());
  EXPECT_EQ(person->given_name, "Maria");
  // A cookie with the other name (the plain-HTTP one) is not read by a secure manager.
  EXPECT_FALSE(m.resume(with_cookie("au_session=" + id)));
  EXPECT_FALSE(m.resume(web::Request{}));
}

TEST_F(SessionManagerTest, IntermediaryPrincipalCarriesReceivedDelegations) {
  const std::string pro = "VRDGPP70A01H501S";
  store::grant_role(*db_, {pro, "intermediario", "", "", "ADMIN", "2026-01-01T10:00:00Z"});
  store::DelegationRecord d;
  d.id = "dlg-1";
  d.grantor = kCf;
  d.grantor_kind = "persona";
  d.grantor_name = "Maria Rossi";
  d.granted_by = kCf;
  d.delegate = pro;
  d.all_services = true;
  d.valid_from = "2026-01-01T00:00:00Z";
  d.valid_until = "2027-01-01T00:00:00Z";
  d.acceptance_code_hash = "x";
  d.created_at = d.updated_at = "2026-01-01T00:00:00Z";
  store::insert_delegation(*db_, d);
  SessionManager m(*db_, settings());
  Identity who = maria();
  who.fiscal_code = pro;
  auto s = m.resume(with_cookie(m.cookie_name() + "=" + cookie_id(m.start(who), m.cookie_name())));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->principal.has(domain::Role::Intermediario));
  ASSERT_EQ(s->principal.delegations_received.size(), 1u);
  EXPECT_EQ(s->principal.delegations_received[0].grantor, kCf);
  EXPECT_TRUE(s->principal.delegations_received[0].all_services);
}

TEST_F(SessionManagerTest, ImplausibleCookieIsRefusedWithoutADatabaseLookup) {
  SessionManager m(*db_, settings());
  const std::string id = cookie_id(m.start(maria()), m.cookie_name());
  // From here on, any session lookup fails loudly: the table is gone.
  {
    auto s = db_->acquire();
    *s << "DROP TABLE sessions";
  }
  const std::string name = m.cookie_name() + "=";
  for (const std::string& bad : {id.substr(0, 42), id + "A", std::string(), id.substr(0, 42) + "-",
                                id.substr(0, 42) + "%", "' OR 1=1 --" + std::string(32, 'a'),
                                id.substr(0, 21) + " " + id.substr(22), std::string(43, '_')}) {
    std::shared_ptr<const ActiveSession> s;
    EXPECT_NO_THROW(s = m.resume(with_cookie(name + bad))) << bad;
    EXPECT_FALSE(s) << bad;
  }
  std::shared_ptr<const ActiveSession> none;
  EXPECT_NO_THROW(none = m.resume(with_cookie("unrelated=1")));
  EXPECT_FALSE(none);
  // The lookup does happen for a plausible id (so the check above means something).
  EXPECT_ANY_THROW(m.resume(with_cookie(name + id)));
}

TEST_F(SessionManagerTest, IdleSessionExpires) {
  SessionSettings s = settings();
  s.idle_timeout_seconds = 120;
  SessionManager m(*db_, s);
  const std::string id = cookie_id(m.start(maria()), m.cookie_name());
  const std::string hash = sha256_hex(id);
  const web::Request req = with_cookie(m.cookie_name() + "=" + id);
  ASSERT_TRUE(m.resume(req));

  // Idle for 90 s (under the limit): still valid, and last-seen is refreshed.
  store::touch_session(*db_, hash, domain::format_utc(now_s() - 90));
  auto still = m.resume(req);
  ASSERT_TRUE(still);
  auto rec = store::find_session(*db_, hash);
  ASSERT_TRUE(rec.has_value());
  EXPECT_GE(*domain::parse_utc(rec->last_seen_at), now_s() - 5);

  // Idle for longer than the limit: gone, and removed from the database.
  store::touch_session(*db_, hash, domain::format_utc(now_s() - 121));
  EXPECT_FALSE(m.resume(req));
  EXPECT_FALSE(store::find_session(*db_, hash).has_value());
  // Touching it back does not resurrect it.
  store::touch_session(*db_, hash, domain::format_utc(now_s()));
  EXPECT_FALSE(m.resume(req));
}

TEST_F(SessionManagerTest, AbsoluteTimeoutEndsEvenAnActiveSession) {
  SessionSettings s = settings();
  s.absolute_timeout_seconds = 2;
  s.idle_timeout_seconds = 3600;
  SessionManager m(*db_, s);
  const std::string id = cookie_id(m.start(maria()), m.cookie_name());
  const std::string hash = sha256_hex(id);
  const web::Request req = with_cookie(m.cookie_name() + "=" + id);
  ASSERT_TRUE(m.resume(req));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  store::touch_session(*db_, hash, domain::format_utc(now_s()));  // active right now
  EXPECT_FALSE(m.resume(req));
  EXPECT_FALSE(store::find_session(*db_, hash).has_value());

  // A zero absolute timeout never yields a usable session.
  s.absolute_timeout_seconds = 0;
  SessionManager zero(*db_, s);
  const std::string id0 = cookie_id(zero.start(maria()), zero.cookie_name());
  EXPECT_FALSE(zero.resume(with_cookie(zero.cookie_name() + "=" + id0)));
}

TEST_F(SessionManagerTest, EndedSessionCannotBeResumed) {
  SessionSettings st = settings();
  st.cache_ttl_ms = 60000;  // even a cached copy on this node is dropped
  SessionManager m(*db_, st);
  const std::string id = cookie_id(m.start(maria()), m.cookie_name());
  const web::Request req = with_cookie(m.cookie_name() + "=" + id);
  auto s = m.resume(req);
  ASSERT_TRUE(s);
  const std::string cleared = m.end(*s);
  EXPECT_TRUE(has_attribute(cleared, "Max-Age=0"));
  EXPECT_EQ(cookie_id(cleared, m.cookie_name()), "");
  EXPECT_FALSE(m.resume(req));
  EXPECT_FALSE(store::find_session(*db_, sha256_hex(id)).has_value());
  // Another node (its own manager, no cache) does not find it either.
  SessionManager other(*db_, settings());
  EXPECT_FALSE(other.resume(req));
}

TEST_F(SessionManagerTest, CsrfNeedsTheTokenAndOurOrigin) {
  SessionManager m(*db_, settings());
  auto s = m.resume(with_cookie(m.cookie_name() + "=" + cookie_id(m.start(maria()), m.cookie_name())));
  ASSERT_TRUE(s);
  const std::string token = s->record.csrf_token;
  ASSERT_EQ(token.size(), 43u);
  web::Request post;
  post.method = "POST";
  // Form field, no Origin (older browsers, some privacy settings).
  EXPECT_TRUE(csrf_ok(post, *s, token, kBase));
  // Header instead of the form field.
  web::Request with_header = post;
  with_header.headers["X-CSRF-Token"] = token;
  EXPECT_TRUE(csrf_ok(with_header, *s, "", kBase));
  // Matching Origin.
  web::Request same_origin = post;
  same_origin.headers["Origin"] = kBase;
  EXPECT_TRUE(csrf_ok(same_origin, *s, token, kBase));
  // Missing or wrong token.
  EXPECT_FALSE(csrf_ok(post, *s, "", kBase));
  EXPECT_FALSE(csrf_ok(post, *s, token.substr(0, 42), kBase));
  EXPECT_FALSE(csrf_ok(post, *s, token + "x", kBase));
  web::Request wrong_header = post;
  wrong_header.headers["X-CSRF-Token"] = "sbagliato";
  EXPECT_FALSE(csrf_ok(wrong_header, *s, "", kBase));
  // Right token, foreign Origin (or the opaque "null").
  for (const std::string origin : {"https://evil.example.org", "null", "http://accesso.example.it",
                                   "https://accesso.example.it.evil.org"}) {
    web::Request cross = post;
    cross.headers["Origin"] = origin;
    EXPECT_FALSE(csrf_ok(cross, *s, token, kBase)) << origin;
  }
  // Another session's token.
  auto other = m.resume(with_cookie(m.cookie_name() + "=" + cookie_id(m.start(maria()), m.cookie_name())));
  ASSERT_TRUE(other);
  EXPECT_FALSE(csrf_ok(post, *s, other->record.csrf_token, kBase));
}

TEST(CookieValue, ReadsTheNamedCookieOnly) {
  web::Request r;
  EXPECT_EQ(SessionManager::cookie_value(r, "a"), "");
  r.headers["Cookie"] = "a=1; bb=2;c=3";
  EXPECT_EQ(SessionManager::cookie_value(r, "a"), "1");
  EXPECT_EQ(SessionManager::cookie_value(r, "bb"), "2");
  EXPECT_EQ(SessionManager::cookie_value(r, "c"), "3");
  EXPECT_EQ(SessionManager::cookie_value(r, "b"), "");
  EXPECT_EQ(SessionManager::cookie_value(r, "d"), "");
}

}  // namespace
}  // namespace au::identity
