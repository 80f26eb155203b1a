-- Identity and access: people, roles, login attempts, sessions, delegations, the API store.
-- Portable SQL for SQLite 3.40 and PostgreSQL 15. Times are ISO 8601 UTC text (they sort).
-- Counters and quotas are BIGINT (64-bit on PostgreSQL; SQLite integers are 64-bit anyway, and
-- SOCI reads a BIGINT column as long long there, an INTEGER one as int).
-- Secrets never stored in clear: session ids, login states, acceptance codes and client
-- secrets are kept as SHA-256 hashes of high-entropy random values.

-- People known to the portal: created or refreshed at each login from the provider's claims.
CREATE TABLE people (
  fiscal_code TEXT PRIMARY KEY,
  given_name TEXT NOT NULL DEFAULT '',
  family_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  first_login_at TEXT NOT NULL,
  last_login_at TEXT NOT NULL
);

-- Roles beyond "cittadino" (which every person has). scope: the ente id of an operator, the
-- service category of an editor's thematic community, the P.IVA of a represented business;
-- empty for intermediario and amministratore. label: a readable name for the scope.
CREATE TABLE role_assignments (
  fiscal_code TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('rappresentante-impresa', 'intermediario', 'operatore-ente',
                                     'redattore', 'amministratore')),
  scope TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  granted_by TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  PRIMARY KEY (fiscal_code, role, scope)
);

-- An authorization request in flight (between /accedi and /auth/callback): single use.
CREATE TABLE login_attempts (
  state_hash TEXT PRIMARY KEY,
  browser_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  fiscal_code TEXT NOT NULL,
  given_name TEXT NOT NULL DEFAULT '',
  family_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  spid_level TEXT NOT NULL DEFAULT '',
  csrf_token TEXT NOT NULL,
  id_token TEXT NOT NULL DEFAULT '',
  acting_for TEXT NOT NULL DEFAULT '',
  acting_delegation TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  absolute_expires_at TEXT NOT NULL
);
CREATE INDEX sessions_fiscal_code ON sessions (fiscal_code);

CREATE TABLE delegations (
  id TEXT PRIMARY KEY,
  grantor TEXT NOT NULL,
  grantor_kind TEXT NOT NULL CHECK (grantor_kind IN ('persona', 'impresa')),
  grantor_name TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  delegate TEXT NOT NULL,
  all_services INTEGER NOT NULL DEFAULT 0,
  services_json TEXT NOT NULL DEFAULT '[]',
  enti_json TEXT NOT NULL DEFAULT '[]',
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('in-attesa', 'attiva', 'rifiutata', 'revocata')),
  acceptance_code_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX delegations_grantor ON delegations (grantor);
CREATE INDEX delegations_delegate ON delegations (delegate);

-- The history of each delegation: created, accepted, rejected, revoked (never deleted).
CREATE TABLE delegation_events (
  {{AUTO_ID}},
  delegation_id TEXT NOT NULL REFERENCES delegations (id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX delegation_events_delegation ON delegation_events (delegation_id);

-- What a delegate did on behalf of someone else, with both identities.
CREATE TABLE actions_on_behalf (
  {{AUTO_ID}},
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  on_behalf_of TEXT NOT NULL,
  delegation_id TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL DEFAULT ''
);
CREATE INDEX actions_on_behalf_subject ON actions_on_behalf (on_behalf_of);

-- API store: an integrator's application and its credentials.
CREATE TABLE applications (
  client_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  environment TEXT NOT NULL CHECK (environment IN ('test', 'live')),
  scopes TEXT NOT NULL,
  auth_method TEXT NOT NULL CHECK (auth_method IN ('client_secret', 'private_key_jwt')),
  public_jwk TEXT NOT NULL DEFAULT '',
  rate_per_second DOUBLE PRECISION NOT NULL,
  burst BIGINT NOT NULL,
  daily_quota BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('attiva', 'revocata')),
  created_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX applications_owner ON applications (owner);

CREATE TABLE application_secrets (
  {{AUTO_ID}},
  client_id TEXT NOT NULL REFERENCES applications (client_id),
  secret_hash TEXT NOT NULL,
  hint TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL DEFAULT '',
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_secrets_client ON application_secrets (client_id);

CREATE TABLE api_usage (
  client_id TEXT NOT NULL,
  day TEXT NOT NULL,
  calls BIGINT NOT NULL DEFAULT 0,
  throttled BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (client_id, day)
);

-- jti of client assertions already used (RFC 7523 §3: replay protection), kept until expiry.
CREATE TABLE used_assertions (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- The key that signs our access tokens; shared by every node through the database.
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT NOT NULL DEFAULT ''
);
