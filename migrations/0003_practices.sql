-- Practices hub: back-office clients and their keys, practices, their events in one hash chain,
-- the access log of people's practices, status feeds polled for back offices that cannot push,
-- and outbound webhooks. Portable SQL for SQLite 3.40 and PostgreSQL 15; times are ISO 8601
-- UTC text (they sort), dates YYYY-MM-DD.

-- A back-office system of one ente, allowed to write that ente's practices (ModI
-- ID_AUTH_REST_02 + INTEGRITY_REST_01). keys_json: a JWKS ({"keys": [...]}) with at most two
-- public keys (rotation). status_mapping: the back office's own state codes -> common statuses
-- (domain/practice_status.h StatusMapping JSON).
CREATE TABLE backoffice_clients (
  client_id TEXT PRIMARY KEY,
  ente_id TEXT NOT NULL,
  name TEXT NOT NULL,
  system TEXT NOT NULL,
  keys_json TEXT NOT NULL,
  status_mapping TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backoffice_clients_ente ON backoffice_clients (ente_id);

-- jti values already accepted (ModI replay protection), kept until the token could no longer
-- be accepted anyway (expires_at, seconds since the epoch).
CREATE TABLE modi_used_jti (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- One practice (pratica). The columns after `opened_at` are a projection of its events
-- (domain/practice_projection.h), recomputed in the transaction that appends an event: the
-- events are the truth, the projection makes lists and "overdue first" cheap.
CREATE TABLE practices (
  id TEXT PRIMARY KEY,
  ente_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  title TEXT NOT NULL,
  client_id TEXT NOT NULL,
  backoffice_system TEXT NOT NULL,
  backoffice_ref TEXT NOT NULL,
  backoffice_url TEXT NOT NULL DEFAULT '',
  applicant TEXT NOT NULL,
  applicant_name TEXT NOT NULL DEFAULT '',
  beneficiary TEXT NOT NULL DEFAULT '',
  intermediary TEXT NOT NULL DEFAULT '',
  delegation_id TEXT NOT NULL DEFAULT '',
  submitted_on TEXT NOT NULL DEFAULT '',
  legal_term_days INTEGER NOT NULL,
  silenzio_assenso INTEGER NOT NULL DEFAULT 0,
  opened_at TEXT NOT NULL,
  status TEXT NOT NULL,
  backoffice_code TEXT NOT NULL DEFAULT '',
  backoffice_label TEXT NOT NULL DEFAULT '',
  status_time_ms BIGINT NOT NULL DEFAULT 0,
  status_sequence BIGINT NOT NULL DEFAULT 0,
  protocol_number TEXT NOT NULL DEFAULT '',
  protocol_date TEXT NOT NULL DEFAULT '',
  due_date TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  UNIQUE (ente_id, backoffice_system, backoffice_ref)
);
CREATE INDEX practices_applicant ON practices (applicant);
CREATE INDEX practices_beneficiary ON practices (beneficiary);
CREATE INDEX practices_intermediary ON practices (intermediary);
CREATE INDEX practices_ente_due ON practices (ente_id, due_date);

-- Every event of every practice, append-only, in one hash chain (identity/hash_chain.h):
-- `sequence` is the chain position (1, 2, ...), `hash` = chain_hash(previous_hash, sequence,
-- payload) where payload is the canonical text built by store/practice_repository. `document`
-- is the event as accepted (CloudEvents JSON, unknown members kept). status: the common status
-- the event sets, '' when it sets none; backoffice_code/label as sent.
CREATE TABLE practice_events (
  sequence BIGINT PRIMARY KEY,
  practice_id TEXT NOT NULL REFERENCES practices (id),
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  event_time TEXT NOT NULL,
  event_time_ms BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT '',
  backoffice_code TEXT NOT NULL DEFAULT '',
  backoffice_label TEXT NOT NULL DEFAULT '',
  client_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  document TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (source, event_id)
);
CREATE INDEX practice_events_practice ON practice_events (practice_id, event_time_ms, sequence);

-- The head of the chain: one row, updated in every appending transaction. Taking it first
-- (UPDATE) serialises appenders on both engines and across nodes.
CREATE TABLE practice_chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sequence BIGINT NOT NULL,
  hash TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
INSERT INTO practice_chain_head (id, sequence, hash, updated_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '');

-- Who read a person's practice other than the person: operators, integrators' applications,
-- back-office clients, intermediaries. subject: the fiscal code / P.IVA whose data was read.
CREATE TABLE practice_access_log (
  {{AUTO_ID}},
  practice_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_label TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX practice_access_log_subject ON practice_access_log (subject, at);

-- Pull adapter: a back office that cannot push exposes a JSON status feed; one row per feed.
CREATE TABLE status_feeds (
  client_id TEXT PRIMARY KEY REFERENCES backoffice_clients (client_id),
  url TEXT NOT NULL,
  interval_seconds INTEGER NOT NULL,
  cursor TEXT NOT NULL DEFAULT '',
  last_polled_at TEXT NOT NULL DEFAULT '',
  last_success_at TEXT NOT NULL DEFAULT '',
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_poll_at TEXT NOT NULL DEFAULT ''
);

-- Outbound webhooks. owner_kind: 'ente' (owner_id = ente id) or 'application' (owner_id =
-- client id of an API-store application); they receive events of practices of ente_filter
-- ('' = every practice the owner may see). secret: HMAC-SHA256 key, shown once to the owner.
CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('ente', 'application')),
  owner_id TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  ente_filter TEXT NOT NULL DEFAULT '',
  event_types TEXT NOT NULL DEFAULT '[]',
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

-- One delivery of one event to one subscription. status: pending, delivered, dead (after the
-- last attempt; `redeliver` sets it back to pending).
CREATE TABLE webhook_deliveries (
  {{AUTO_ID}},
  subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
  event_sequence BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  lease_until TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (subscription_id, event_sequence)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
