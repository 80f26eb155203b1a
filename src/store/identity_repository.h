// Persistence of identity and access: people and their roles, login attempts, sessions,
// delegations (with their history and the actions done under them), the API store's
// applications, secrets, usage counters, used client assertions and our token-signing key.
//
// Contract: each function is one unit of work on its own pooled session (and its own
// transaction when it writes more than one row), so callers never see a half-written record.
// Values that are secrets arrive here already hashed (identity/crypto.h): this layer never
// sees a session id, a state, an acceptance code or a client secret in clear.
// Times are ISO 8601 UTC strings (store::now_iso8601()).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.h"

namespace au::store {

// --- people and roles ------------------------------------------------------------------

struct PersonRecord {
  std::string fiscal_code, given_name, family_name, email;
  std::string first_login_at, last_login_at;
};
// Inserts the person or refreshes names, email and last_login_at.
void upsert_person(Database& db, const PersonRecord& p);
std::optional<PersonRecord> find_person(Database& db, const std::string& fiscal_code);

struct RoleAssignment {
  std::string fiscal_code, role, scope, label, granted_by, granted_at;
};
// Idempotent: granting an existing (fiscal_code, role, scope) keeps the first grant.
void grant_role(Database& db, const RoleAssignment& a);
// True when a row was removed.
bool revoke_role(Database& db, const std::string& fiscal_code, const std::string& role, const std::string& scope);
std::vector<RoleAssignment> roles_of(Database& db, const std::string& fiscal_code);
std::vector<RoleAssignment> all_role_assignments(Database& db);

// --- login attempts and sessions -------------------------------------------------------

struct LoginAttempt {
  std::string state_hash, browser_hash, nonce, code_verifier, return_to, created_at, expires_at;
};
void save_login_attempt(Database& db, const LoginAttempt& a);
// Removes and returns the attempt (single use: a replayed callback finds nothing).
std::optional<LoginAttempt> take_login_attempt(Database& db, const std::string& state_hash);

struct SessionRecord {
  std::string id_hash, fiscal_code, given_name, family_name, email, spid_level, csrf_token, id_token;
  std::string acting_for, acting_delegation;
  std::string created_at, last_seen_at, absolute_expires_at;
};
void create_session(Database& db, const SessionRecord& s);
std::optional<SessionRecord> find_session(Database& db, const std::string& id_hash);
void touch_session(Database& db, const std::string& id_hash, const std::string& last_seen_at);
void delete_session(Database& db, const std::string& id_hash);
// Sets (or clears, with empty strings) who the session's person acts for.
void set_acting_for(Database& db, const std::string& id_hash, const std::string& subject,
                    const std::string& delegation_id);
// Removes login attempts, sessions (absolute expiry, or idle since before idle_cutoff) and used
// assertions that have expired. Returns the number of rows removed.
std::int64_t purge_expired(Database& db, const std::string& now, const std::string& idle_cutoff);

// --- delegations -----------------------------------------------------------------------

struct DelegationRecord {
  std::string id, grantor, grantor_kind /* persona|impresa */, grantor_name, granted_by, delegate;
  bool all_services = false;
  std::vector<std::string> services, enti;
  std::string valid_from, valid_until, status, acceptance_code_hash, created_at, updated_at;
};
struct DelegationEvent {
  std::string delegation_id, at, actor, event;  // event: creata, accettata, rifiutata, revocata
};
// Inserts the delegation (status "in-attesa") and its "creata" event in one transaction.
void insert_delegation(Database& db, const DelegationRecord& d);
std::optional<DelegationRecord> find_delegation(Database& db, const std::string& id);
std::vector<DelegationRecord> delegations_by_grantor(Database& db, const std::string& grantor);
std::vector<DelegationRecord> delegations_by_delegate(Database& db, const std::string& delegate);
// Moves the delegation to `to_status` only if its current status is one of `from`, and records
// the event, in one transaction. False (nothing written) when the status did not match.
bool transition_delegation(Database& db, const std::string& id, const std::vector<std::string>& from,
                           const std::string& to_status, const std::string& actor, const std::string& event,
                           const std::string& now);
std::vector<DelegationEvent> delegation_history(Database& db, const std::string& id);

struct ActionOnBehalf {
  std::string at, actor, on_behalf_of, delegation_id, action, resource;
};
void record_action_on_behalf(Database& db, const ActionOnBehalf& a);
// Newest first, at most `limit`.
std::vector<ActionOnBehalf> actions_on_behalf_of(Database& db, const std::string& subject, int limit);
std::vector<ActionOnBehalf> actions_by_actor(Database& db, const std::string& actor, int limit);

// --- API store -------------------------------------------------------------------------

struct ApplicationRecord {
  std::string client_id, owner, name, description, environment /* test|live */, scopes /* space-separated */;
  std::string auth_method /* client_secret|private_key_jwt */, public_jwk;
  double rate_per_second = 10;
  std::int64_t burst = 20, daily_quota = 10000;
  std::string status /* attiva|revocata */, created_at, revoked_at;
};
struct SecretRecord {
  std::int64_t id = 0;
  std::string client_id, secret_hash, hint, created_at, expires_at, revoked_at;
};
// Inserts the application and, when secret_hash is not empty, its first secret, in one transaction.
void insert_application(Database& db, const ApplicationRecord& a, const std::string& secret_hash,
                        const std::string& hint);
std::optional<ApplicationRecord> find_application(Database& db, const std::string& client_id);
std::vector<ApplicationRecord> applications_of(Database& db, const std::string& owner);
std::vector<ApplicationRecord> all_applications(Database& db);
// Revokes the application and all its secrets; false if it was not active.
bool revoke_application(Database& db, const std::string& client_id, const std::string& now);
// Changes an active application's limits (the administrator's page); false if not active.
bool set_application_limits(Database& db, const std::string& client_id, double rate_per_second, std::int64_t burst,
                            std::int64_t daily_quota);
// Secrets not revoked and not expired at `now`, newest first.
std::vector<SecretRecord> valid_secrets(Database& db, const std::string& client_id, const std::string& now);
// Rotation, in one transaction: the newest currently valid secret stays valid until
// `previous_valid_until`, every older one is revoked, and the new secret is added; so at most
// two secrets are valid during the overlap.
void rotate_secret(Database& db, const std::string& client_id, const std::string& secret_hash,
                   const std::string& hint, const std::string& now, const std::string& previous_valid_until);

struct UsageDay {
  std::string day;  // YYYY-MM-DD (UTC)
  std::int64_t calls = 0, throttled = 0;
};
// Adds to today's counters atomically (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) and
// returns the totals after the addition: the daily quota holds across nodes.
UsageDay add_usage(Database& db, const std::string& client_id, const std::string& day, std::int64_t calls,
                   std::int64_t throttled);
// Newest day first, at most `days` rows.
std::vector<UsageDay> usage_of(Database& db, const std::string& client_id, int days);

// False when (client_id, jti) was already used: the assertion is a replay.
bool remember_assertion(Database& db, const std::string& client_id, const std::string& jti,
                        const std::string& expires_at);

// The current token-signing key (PKCS#8 PEM) and its kid. When none exists, `generate` makes
// one and it is stored; if several nodes race, all converge on the oldest stored key.
std::pair<std::string, std::string> current_signing_key(
    Database& db, const std::function<std::pair<std::string, std::string>()>& generate);

}  // namespace au::store
