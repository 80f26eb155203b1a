#include "store/identity_repository.h"

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "store/row_values.h"

// Notes on the SQL below (both engines):
// - every value is bound (":name" placeholders); a name is never repeated inside one statement;
// - statements with RETURNING read into typed variables, not soci::row: on SQLite a row needs
//   a description of its columns, which SOCI may obtain by stepping the statement once;
// - a transaction starts with a write, so on SQLite it takes the write lock at its first
//   statement (waiting under busy_timeout) instead of failing when upgrading a read snapshot.

namespace au::store {

using nlohmann::json;

namespace {

std::vector<std::string> string_list(const std::string& text) {
  if (text.empty()) return {};
  return json::parse(text).get<std::vector<std::string>>();
}

// Runs a prepared write and returns the number of rows it changed.
// --- row mappings --------------------------------------------------------------------------

const char* const kPersonColumns = "fiscal_code, given_name, family_name, email, first_login_at, last_login_at";

PersonRecord person_from(const soci::row& r) {
  return {text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3), text_at(r, 4), text_at(r, 5)};
}

const char* const kRoleColumns = "fiscal_code, role, scope, label, granted_by, granted_at";

RoleAssignment role_from(const soci::row& r) {
  return {text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3), text_at(r, 4), text_at(r, 5)};
}

const char* const kSessionColumns =
    "id_hash, fiscal_code, given_name, family_name, email, spid_level, csrf_token, id_token, acting_for, "
    "acting_delegation, created_at, last_seen_at, absolute_expires_at";

SessionRecord session_from(const soci::row& r) {
  SessionRecord s;
  s.id_hash = text_at(r, 0);
  s.fiscal_code = text_at(r, 1);
  s.given_name = text_at(r, 2);
  s.family_name = text_at(r, 3);
  s.email = text_at(r, 4);
  s.spid_level = text_at(r, 5);
  s.csrf_token = text_at(r, 6);
  s.id_token = text_at(r, 7);
  s.acting_for = text_at(r, 8);
  s.acting_delegation = text_at(r, 9);
  s.created_at = text_at(r, 10);
  s.last_seen_at = text_at(r, 11);
  s.absolute_expires_at = text_at(r, 12);
  return s;
}

const char* const kDelegationColumns =
    "id, grantor, grantor_kind, grantor_name, granted_by, delegate, all_services, services_json, enti_json, "
    "valid_from, valid_until, status, acceptance_code_hash, created_at, updated_at";

DelegationRecord delegation_from(const soci::row& r) {
  DelegationRecord d;
  d.id = text_at(r, 0);
  d.grantor = text_at(r, 1);
  d.grantor_kind = text_at(r, 2);
  d.grantor_name = text_at(r, 3);
  d.granted_by = text_at(r, 4);
  d.delegate = text_at(r, 5);
  d.all_services = integer_at(r, 6) != 0;
  d.services = string_list(text_at(r, 7));
  d.enti = string_list(text_at(r, 8));
  d.valid_from = text_at(r, 9);
  d.valid_until = text_at(r, 10);
  d.status = text_at(r, 11);
  d.acceptance_code_hash = text_at(r, 12);
  d.created_at = text_at(r, 13);
  d.updated_at = text_at(r, 14);
  return d;
}

const char* const kActionColumns = "at, actor, on_behalf_of, delegation_id, action, resource";

ActionOnBehalf action_from(const soci::row& r) {
  return {text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3), text_at(r, 4), text_at(r, 5)};
}

const char* const kApplicationColumns =
    "client_id, owner, name, description, environment, scopes, auth_method, public_jwk, rate_per_second, burst, "
    "daily_quota, status, created_at, revoked_at";

ApplicationRecord application_from(const soci::row& r) {
  ApplicationRecord a;
  a.client_id = text_at(r, 0);
  a.owner = text_at(r, 1);
  a.name = text_at(r, 2);
  a.description = text_at(r, 3);
  a.environment = text_at(r, 4);
  a.scopes = text_at(r, 5);
  a.auth_method = text_at(r, 6);
  a.public_jwk = text_at(r, 7);
  a.rate_per_second = double_at(r, 8);
  a.burst = integer_at(r, 9);
  a.daily_quota = integer_at(r, 10);
  a.status = text_at(r, 11);
  a.created_at = text_at(r, 12);
  a.revoked_at = text_at(r, 13);
  return a;
}

std::vector<ApplicationRecord> applications_where(Database& db, const std::string* owner) {
  auto s = db.acquire();
  std::vector<ApplicationRecord> out;
  std::string sql = std::string("SELECT ") + kApplicationColumns + " FROM applications";
  if (owner) {
    soci::rowset<soci::row> rows =
        (s->prepare << sql + " WHERE owner = :o ORDER BY created_at DESC, client_id", soci::use(*owner, "o"));
    for (const auto& r : rows) out.push_back(application_from(r));
  } else {
    soci::rowset<soci::row> rows = (s->prepare << sql + " ORDER BY created_at DESC, client_id");
    for (const auto& r : rows) out.push_back(application_from(r));
  }
  return out;
}

std::vector<DelegationRecord> delegations_where(Database& db, const char* column, const std::string& value) {
  auto s = db.acquire();
  std::vector<DelegationRecord> out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kDelegationColumns +
                                                    " FROM delegations WHERE " + column +
                                                    " = :v ORDER BY created_at DESC, id",
                                  soci::use(value, "v"));
  for (const auto& r : rows) out.push_back(delegation_from(r));
  return out;
}

std::vector<ActionOnBehalf> actions_where(Database& db, const char* column, const std::string& value, int limit) {
  auto s = db.acquire();
  std::vector<ActionOnBehalf> out;
  if (limit <= 0) return out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kActionColumns +
                                                    " FROM actions_on_behalf WHERE " + column +
                                                    " = :v ORDER BY at DESC, id DESC LIMIT :n",
                                  soci::use(value, "v"), soci::use(limit, "n"));
  for (const auto& r : rows) out.push_back(action_from(r));
  return out;
}

}  // namespace

// --- people and roles ------------------------------------------------------------------------

void upsert_person(Database& db, const PersonRecord& p) {
  auto s = db.acquire();
  const std::string& first = p.first_login_at.empty() ? p.last_login_at : p.first_login_at;
  *s << "INSERT INTO people (fiscal_code, given_name, family_name, email, first_login_at, last_login_at) "
        "VALUES (:cf, :gn, :fn, :em, :first, :last) ON CONFLICT (fiscal_code) DO UPDATE SET "
        "given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email, "
        "last_login_at = excluded.last_login_at",
      soci::use(p.fiscal_code, "cf"), soci::use(p.given_name, "gn"), soci::use(p.family_name, "fn"),
      soci::use(p.email, "em"), soci::use(first, "first"), soci::use(p.last_login_at, "last");
}

std::optional<PersonRecord> find_person(Database& db, const std::string& fiscal_code) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kPersonColumns + " FROM people WHERE fiscal_code = :cf", soci::into(r),
      soci::use(fiscal_code, "cf");
  if (!s->got_data()) return std::nullopt;
  return person_from(r);
}

void grant_role(Database& db, const RoleAssignment& a) {
  auto s = db.acquire();
  *s << "INSERT INTO role_assignments (fiscal_code, role, scope, label, granted_by, granted_at) "
        "VALUES (:cf, :role, :scope, :label, :by, :at) ON CONFLICT (fiscal_code, role, scope) DO NOTHING",
      soci::use(a.fiscal_code, "cf"), soci::use(a.role, "role"), soci::use(a.scope, "scope"),
      soci::use(a.label, "label"), soci::use(a.granted_by, "by"), soci::use(a.granted_at, "at");
}

bool revoke_role(Database& db, const std::string& fiscal_code, const std::string& role, const std::string& scope) {
  auto s = db.acquire();
  soci::statement st = (s->prepare << "DELETE FROM role_assignments WHERE fiscal_code = :cf AND role = :role "
                                      "AND scope = :scope",
                        soci::use(fiscal_code, "cf"), soci::use(role, "role"), soci::use(scope, "scope"));
  return affected(st) > 0;
}

std::vector<RoleAssignment> roles_of(Database& db, const std::string& fiscal_code) {
  auto s = db.acquire();
  std::vector<RoleAssignment> out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kRoleColumns +
                                                    " FROM role_assignments WHERE fiscal_code = :cf "
                                                    "ORDER BY role, scope",
                                  soci::use(fiscal_code, "cf"));
  for (const auto& r : rows) out.push_back(role_from(r));
  return out;
}

std::vector<RoleAssignment> all_role_assignments(Database& db) {
  auto s = db.acquire();
  std::vector<RoleAssignment> out;
  soci::rowset<soci::row> rows = (s->prepare << std::string("SELECT ") + kRoleColumns +
                                                    " FROM role_assignments ORDER BY fiscal_code, role, scope");
  for (const auto& r : rows) out.push_back(role_from(r));
  return out;
}

// --- login attempts and sessions -----------------------------------------------------------

void save_login_attempt(Database& db, const LoginAttempt& a) {
  auto s = db.acquire();
  *s << "INSERT INTO login_attempts (state_hash, browser_hash, nonce, code_verifier, return_to, created_at, "
        "expires_at) VALUES (:state, :browser, :nonce, :verifier, :ret, :created, :expires)",
      soci::use(a.state_hash, "state"), soci::use(a.browser_hash, "browser"), soci::use(a.nonce, "nonce"),
      soci::use(a.code_verifier, "verifier"), soci::use(a.return_to, "ret"), soci::use(a.created_at, "created"),
      soci::use(a.expires_at, "expires");
}

std::optional<LoginAttempt> take_login_attempt(Database& db, const std::string& state_hash) {
  auto s = db.acquire();
  LoginAttempt a;
  // One statement: of two callbacks racing with the same state, only one gets the row back.
  *s << "DELETE FROM login_attempts WHERE state_hash = :state RETURNING state_hash, browser_hash, nonce, "
        "code_verifier, return_to, created_at, expires_at",
      soci::into(a.state_hash), soci::into(a.browser_hash), soci::into(a.nonce), soci::into(a.code_verifier),
      soci::into(a.return_to), soci::into(a.created_at), soci::into(a.expires_at), soci::use(state_hash, "state");
  if (!s->got_data()) return std::nullopt;
  return a;
}

void create_session(Database& db, const SessionRecord& r) {
  auto s = db.acquire();
  *s << "INSERT INTO sessions (id_hash, fiscal_code, given_name, family_name, email, spid_level, csrf_token, "
        "id_token, acting_for, acting_delegation, created_at, last_seen_at, absolute_expires_at) VALUES "
        "(:id, :cf, :gn, :fn, :em, :lvl, :csrf, :tok, :af, :ad, :created, :seen, :abs)",
      soci::use(r.id_hash, "id"), soci::use(r.fiscal_code, "cf"), soci::use(r.given_name, "gn"),
      soci::use(r.family_name, "fn"), soci::use(r.email, "em"), soci::use(r.spid_level, "lvl"),
      soci::use(r.csrf_token, "csrf"), soci::use(r.id_token, "tok"), soci::use(r.acting_for, "af"),
      soci::use(r.acting_delegation, "ad"), soci::use(r.created_at, "created"), soci::use(r.last_seen_at, "seen"),
      soci::use(r.absolute_expires_at, "abs");
}

std::optional<SessionRecord> find_session(Database& db, const std::string& id_hash) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id_hash = :id", soci::into(r),
      soci::use(id_hash, "id");
  if (!s->got_data()) return std::nullopt;
  return session_from(r);
}

void touch_session(Database& db, const std::string& id_hash, const std::string& last_seen_at) {
  auto s = db.acquire();
  *s << "UPDATE sessions SET last_seen_at = :seen WHERE id_hash = :id", soci::use(last_seen_at, "seen"),
      soci::use(id_hash, "id");
}

void delete_session(Database& db, const std::string& id_hash) {
  auto s = db.acquire();
  *s << "DELETE FROM sessions WHERE id_hash = :id", soci::use(id_hash, "id");
}

void set_acting_for(Database& db, const std::string& id_hash, const std::string& subject,
                    const std::string& delegation_id) {
  auto s = db.acquire();
  *s << "UPDATE sessions SET acting_for = :subject, acting_delegation = :delegation WHERE id_hash = :id",
      soci::use(subject, "subject"), soci::use(delegation_id, "delegation"), soci::use(id_hash, "id");
}

std::int64_t purge_expired(Database& db, const std::string& now, const std::string& idle_cutoff) {
  auto s = db.acquire();
  soci::transaction tx(*s);
  long long removed = 0;
  {
    soci::statement st =
        (s->prepare << "DELETE FROM login_attempts WHERE expires_at <= :now", soci::use(now, "now"));
    removed += affected(st);
  }
  {
    soci::statement st = (s->prepare << "DELETE FROM sessions WHERE absolute_expires_at <= :now "
                                        "OR last_seen_at < :idle",
                          soci::use(now, "now"), soci::use(idle_cutoff, "idle"));
    removed += affected(st);
  }
  {
    soci::statement st =
        (s->prepare << "DELETE FROM used_assertions WHERE expires_at <= :now", soci::use(now, "now"));
    removed += affected(st);
  }
  tx.commit();
  return removed;
}

// --- delegations ---------------------------------------------------------------------------

void insert_delegation(Database& db, const DelegationRecord& d) {
  auto s = db.acquire();
  std::string services = json(d.services).dump(), enti = json(d.enti).dump();
  std::string status = "in-attesa", created = "creata";
  const std::string& updated = d.updated_at.empty() ? d.created_at : d.updated_at;
  int all = d.all_services ? 1 : 0;
  soci::transaction tx(*s);
  *s << "INSERT INTO delegations (id, grantor, grantor_kind, grantor_name, granted_by, delegate, all_services, "
        "services_json, enti_json, valid_from, valid_until, status, acceptance_code_hash, created_at, updated_at) "
        "VALUES (:id, :grantor, :kind, :gname, :by, :delegate, :all, :services, :enti, :vfrom, :vuntil, :status, "
        ":code, :created, :updated)",
      soci::use(d.id, "id"), soci::use(d.grantor, "grantor"), soci::use(d.grantor_kind, "kind"),
      soci::use(d.grantor_name, "gname"), soci::use(d.granted_by, "by"), soci::use(d.delegate, "delegate"),
      soci::use(all, "all"), soci::use(services, "services"), soci::use(enti, "enti"),
      soci::use(d.valid_from, "vfrom"), soci::use(d.valid_until, "vuntil"), soci::use(status, "status"),
      soci::use(d.acceptance_code_hash, "code"), soci::use(d.created_at, "created"), soci::use(updated, "updated");
  *s << "INSERT INTO delegation_events (delegation_id, at, actor, event) VALUES (:id, :at, :actor, :event)",
      soci::use(d.id, "id"), soci::use(d.created_at, "at"), soci::use(d.granted_by, "actor"),
      soci::use(created, "event");
  tx.commit();
}

std::optional<DelegationRecord> find_delegation(Database& db, const std::string& id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kDelegationColumns + " FROM delegations WHERE id = :id", soci::into(r),
      soci::use(id, "id");
  if (!s->got_data()) return std::nullopt;
  return delegation_from(r);
}

std::vector<DelegationRecord> delegations_by_grantor(Database& db, const std::string& grantor) {
  return delegations_where(db, "grantor", grantor);
}

std::vector<DelegationRecord> delegations_by_delegate(Database& db, const std::string& delegate) {
  return delegations_where(db, "delegate", delegate);
}

bool transition_delegation(Database& db, const std::string& id, const std::vector<std::string>& from,
                           const std::string& to_status, const std::string& actor, const std::string& event,
                           const std::string& now) {
  if (from.empty()) return false;
  auto s = db.acquire();
  std::string sql = "UPDATE delegations SET status = :to, updated_at = :now WHERE id = :id AND status IN (";
  for (std::size_t i = 0; i != from.size(); ++i) sql += (i ? ", :f" : ":f") + std::to_string(i);
  sql += ")";

  soci::transaction tx(*s);
  soci::statement st(*s);
  st.exchange(soci::use(to_status, "to"));
  st.exchange(soci::use(now, "now"));
  st.exchange(soci::use(id, "id"));
  for (std::size_t i = 0; i != from.size(); ++i) st.exchange(soci::use(from[i], "f" + std::to_string(i)));
  st.alloc();
  st.prepare(sql);
  st.define_and_bind();
  if (affected(st) == 0) {
    tx.rollback();
    return false;
  }
  *s << "INSERT INTO delegation_events (delegation_id, at, actor, event) VALUES (:id, :at, :actor, :event)",
      soci::use(id, "id"), soci::use(now, "at"), soci::use(actor, "actor"), soci::use(event, "event");
  tx.commit();
  return true;
}

std::vector<DelegationEvent> delegation_history(Database& db, const std::string& id) {
  auto s = db.acquire();
  std::vector<DelegationEvent> out;
  soci::rowset<soci::row> rows = (s->prepare << "SELECT delegation_id, at, actor, event FROM delegation_events "
                                                "WHERE delegation_id = :id ORDER BY at, id",
                                  soci::use(id, "id"));
  for (const auto& r : rows) out.push_back({text_at(r, 0), text_at(r, 1), text_at(r, 2), text_at(r, 3)});
  return out;
}

void record_action_on_behalf(Database& db, const ActionOnBehalf& a) {
  auto s = db.acquire();
  *s << "INSERT INTO actions_on_behalf (at, actor, on_behalf_of, delegation_id, action, resource) "
        "VALUES (:at, :actor, :subject, :delegation, :action, :resource)",
      soci::use(a.at, "at"), soci::use(a.actor, "actor"), soci::use(a.on_behalf_of, "subject"),
      soci::use(a.delegation_id, "delegation"), soci::use(a.action, "action"), soci::use(a.resource, "resource");
}

std::vector<ActionOnBehalf> actions_on_behalf_of(Database& db, const std::string& subject, int limit) {
  return actions_where(db, "on_behalf_of", subject, limit);
}

std::vector<ActionOnBehalf> actions_by_actor(Database& db, const std::string& actor, int limit) {
  return actions_where(db, "actor", actor, limit);
}

// --- API store -----------------------------------------------------------------------------

void insert_application(Database& db, const ApplicationRecord& a, const std::string& secret_hash,
                        const std::string& hint) {
  auto s = db.acquire();
  const std::string status = a.status.empty() ? "attiva" : a.status;
  double rate = a.rate_per_second;
  long long burst = a.burst, quota = a.daily_quota;
  soci::transaction tx(*s);
  *s << "INSERT INTO applications (client_id, owner, name, description, environment, scopes, auth_method, "
        "public_jwk, rate_per_second, burst, daily_quota, status, created_at, revoked_at) VALUES (:cid, :owner, "
        ":name, :descr, :env, :scopes, :method, :jwk, :rate, :burst, :quota, :status, :created, :revoked)",
      soci::use(a.client_id, "cid"), soci::use(a.owner, "owner"), soci::use(a.name, "name"),
      soci::use(a.description, "descr"), soci::use(a.environment, "env"), soci::use(a.scopes, "scopes"),
      soci::use(a.auth_method, "method"), soci::use(a.public_jwk, "jwk"), soci::use(rate, "rate"),
      soci::use(burst, "burst"), soci::use(quota, "quota"), soci::use(status, "status"),
      soci::use(a.created_at, "created"), soci::use(a.revoked_at, "revoked");
  if (!secret_hash.empty())
    *s << "INSERT INTO application_secrets (client_id, secret_hash, hint, created_at) "
          "VALUES (:cid, :hash, :hint, :created)",
        soci::use(a.client_id, "cid"), soci::use(secret_hash, "hash"), soci::use(hint, "hint"),
        soci::use(a.created_at, "created");
  tx.commit();
}

std::optional<ApplicationRecord> find_application(Database& db, const std::string& client_id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kApplicationColumns + " FROM applications WHERE client_id = :cid", soci::into(r),
      soci::use(client_id, "cid");
  if (!s->got_data()) return std::nullopt;
  return application_from(r);
}

std::vector<ApplicationRecord> applications_of(Database& db, const std::string& owner) {
  return applications_where(db, &owner);
}

std::vector<ApplicationRecord> all_applications(Database& db) { return applications_where(db, nullptr); }

bool revoke_application(Database& db, const std::string& client_id, const std::string& now) {
  auto s = db.acquire();
  soci::transaction tx(*s);
  long long n = 0;
  {
    soci::statement st = (s->prepare << "UPDATE applications SET status = 'revocata', revoked_at = :now "
                                        "WHERE client_id = :cid AND status = 'attiva'",
                          soci::use(now, "now"), soci::use(client_id, "cid"));
    n = affected(st);
  }
  if (n == 0) {
    tx.rollback();
    return false;
  }
  *s << "UPDATE application_secrets SET revoked_at = :now WHERE client_id = :cid AND revoked_at = ''",
      soci::use(now, "now"), soci::use(client_id, "cid");
  tx.commit();
  return true;
}

bool set_application_limits(Database& db, const std::string& client_id, double rate_per_second, std::int64_t burst,
                            std::int64_t daily_quota) {
  auto s = db.acquire();
  long long b = burst, q = daily_quota;
  soci::statement st = (s->prepare << "UPDATE applications SET rate_per_second = :r, burst = :b, daily_quota = :q "
                                      "WHERE client_id = :cid AND status = 'attiva'",
                        soci::use(rate_per_second, "r"), soci::use(b, "b"), soci::use(q, "q"),
                        soci::use(client_id, "cid"));
  return affected(st) > 0;
}

std::vector<SecretRecord> valid_secrets(Database& db, const std::string& client_id, const std::string& now) {
  auto s = db.acquire();
  std::vector<SecretRecord> out;
  soci::rowset<soci::row> rows = (s->prepare << "SELECT id, client_id, secret_hash, hint, created_at, expires_at, "
                                                "revoked_at FROM application_secrets WHERE client_id = :cid AND "
                                                "revoked_at = '' AND (expires_at = '' OR expires_at > :now) "
                                                "ORDER BY created_at DESC, id DESC",
                                  soci::use(client_id, "cid"), soci::use(now, "now"));
  for (const auto& r : rows) {
    SecretRecord sr;
    sr.id = integer_at(r, 0);
    sr.client_id = text_at(r, 1);
    sr.secret_hash = text_at(r, 2);
    sr.hint = text_at(r, 3);
    sr.created_at = text_at(r, 4);
    sr.expires_at = text_at(r, 5);
    sr.revoked_at = text_at(r, 6);
    out.push_back(std::move(sr));
  }
  return out;
}

void rotate_secret(Database& db, const std::string& client_id, const std::string& secret_hash,
                   const std::string& hint, const std::string& now, const std::string& previous_valid_until) {
  auto s = db.acquire();
  // The newest secret valid at :now (same order as valid_secrets).
  const std::string newest_valid =
      "SELECT n.id FROM application_secrets n WHERE n.client_id = :cid2 AND n.revoked_at = '' AND "
      "(n.expires_at = '' OR n.expires_at > :now2) ORDER BY n.created_at DESC, n.id DESC LIMIT 1";
  soci::transaction tx(*s);
  // 1. Every valid secret but the newest is revoked now.
  *s << "UPDATE application_secrets SET revoked_at = :now WHERE client_id = :cid AND revoked_at = '' AND "
        "(expires_at = '' OR expires_at > :now1) AND id <> (" + newest_valid + ")",
      soci::use(now, "now"), soci::use(client_id, "cid"), soci::use(now, "now1"), soci::use(client_id, "cid2"),
      soci::use(now, "now2");
  // 2. The newest stays valid until the end of the overlap (never longer than it already was).
  *s << "UPDATE application_secrets SET expires_at = CASE WHEN expires_at = '' OR expires_at > :until "
        "THEN :until1 ELSE expires_at END WHERE id = (" + newest_valid + ")",
      soci::use(previous_valid_until, "until"), soci::use(previous_valid_until, "until1"),
      soci::use(client_id, "cid2"), soci::use(now, "now2");
  // 3. The new secret.
  *s << "INSERT INTO application_secrets (client_id, secret_hash, hint, created_at) "
        "VALUES (:cid, :hash, :hint, :created)",
      soci::use(client_id, "cid"), soci::use(secret_hash, "hash"), soci::use(hint, "hint"),
      soci::use(now, "created");
  tx.commit();
}

UsageDay add_usage(Database& db, const std::string& client_id, const std::string& day, std::int64_t calls,
                   std::int64_t throttled) {
  auto s = db.acquire();
  long long add_calls = calls, add_throttled = throttled;
  UsageDay out;
  out.day = day;
  long long total_calls = 0, total_throttled = 0;
  *s << "INSERT INTO api_usage (client_id, day, calls, throttled) VALUES (:cid, :day, :calls, :throttled) "
        "ON CONFLICT (client_id, day) DO UPDATE SET calls = api_usage.calls + excluded.calls, "
        "throttled = api_usage.throttled + excluded.throttled RETURNING calls, throttled",
      soci::into(total_calls), soci::into(total_throttled), soci::use(client_id, "cid"), soci::use(day, "day"),
      soci::use(add_calls, "calls"), soci::use(add_throttled, "throttled");
  out.calls = total_calls;
  out.throttled = total_throttled;
  return out;
}

std::vector<UsageDay> usage_of(Database& db, const std::string& client_id, int days) {
  auto s = db.acquire();
  std::vector<UsageDay> out;
  if (days <= 0) return out;
  soci::rowset<soci::row> rows = (s->prepare << "SELECT day, calls, throttled FROM api_usage WHERE client_id = :cid "
                                                "ORDER BY day DESC LIMIT :n",
                                  soci::use(client_id, "cid"), soci::use(days, "n"));
  for (const auto& r : rows) out.push_back({text_at(r, 0), integer_at(r, 1), integer_at(r, 2)});
  return out;
}

bool remember_assertion(Database& db, const std::string& client_id, const std::string& jti,
                        const std::string& expires_at) {
  auto s = db.acquire();
  std::string stored;
  *s << "INSERT INTO used_assertions (client_id, jti, expires_at) VALUES (:cid, :jti, :exp) "
        "ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti",
      soci::into(stored), soci::use(client_id, "cid"), soci::use(jti, "jti"), soci::use(expires_at, "exp");
  return s->got_data();
}

std::pair<std::string, std::string> current_signing_key(
    Database& db, const std::function<std::pair<std::string, std::string>()>& generate) {
  auto s = db.acquire();
  auto current = [&]() -> std::optional<std::pair<std::string, std::string>> {
    std::string kid, pem;
    *s << "SELECT kid, private_pem FROM signing_keys WHERE retired_at = '' ORDER BY created_at, kid LIMIT 1",
        soci::into(kid), soci::into(pem);
    if (!s->got_data()) return std::nullopt;
    return std::make_pair(kid, pem);
  };
  if (auto key = current()) return *key;
  auto [kid, pem] = generate();
  std::string now = now_iso8601();
  *s << "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (:kid, :pem, :created) "
        "ON CONFLICT (kid) DO NOTHING",
      soci::use(kid, "kid"), soci::use(pem, "pem"), soci::use(now, "created");
  // Another node may have stored one first: everyone takes the oldest.
  if (auto key = current()) return *key;
  return {kid, pem};
}

}  // namespace au::store
