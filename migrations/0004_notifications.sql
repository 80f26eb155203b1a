-- Notifications: the messages a person receives (their inbox, and the outbox the channels are
-- fed from), one delivery per message and channel with every attempt, contacts, preferences,
-- versioned templates, reminder offsets per service, calendar feeds and bulk sends.
-- Portable SQL for SQLite 3.40 and PostgreSQL 15. Times written by the delivery code are ISO
-- 8601 UTC with milliseconds ("2026-11-27T10:15:00.250Z", store::webhook_time) so they compare
-- as text; dates are YYYY-MM-DD (Rome calendar).

-- The next date by which the applicant must act (an open request for documents, the 10-bis
-- observations), kept with the other projection columns: reminders are one indexed range scan.
ALTER TABLE practices ADD COLUMN applicant_due_date TEXT NOT NULL DEFAULT '';
CREATE INDEX practices_applicant_due ON practices (applicant_due_date);

-- One message to one subject (fiscal code or P.IVA): what the inbox shows and what the channels
-- deliver. Created in the transaction of what causes it (the practice event, the reminder run,
-- the bulk send): dedup_key makes each cause produce it once ('evento:<seq>:<subject>',
-- 'promemoria:<practice>:<date>:<days>', 'invio:<bulk>:<subject>', ...).
-- state: 'pending' until the fan-out created its deliveries and rendered subject/body (at
-- send_at, or later), then 'ready' (visible in the inbox); 'cancelled' (a cancelled scheduled
-- send). fields: the personalisation (JSON object of strings).
CREATE TABLE messages (
  {{AUTO_ID}},
  dedup_key TEXT NOT NULL UNIQUE,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  practice_id TEXT NOT NULL DEFAULT '',
  service_id TEXT NOT NULL DEFAULT '',
  ente_id TEXT NOT NULL DEFAULT '',
  bulk_id TEXT NOT NULL DEFAULT '',
  fields TEXT NOT NULL DEFAULT '{}',
  due_date TEXT NOT NULL DEFAULT '',
  send_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'cancelled')),
  lease_until TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  template_version INTEGER NOT NULL DEFAULT 0,
  read_at TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX messages_pending ON messages (state, send_at);
CREATE INDEX messages_inbox ON messages (recipient, state, id);
CREATE INDEX messages_bulk ON messages (bulk_id);

-- One delivery of a message on one channel, with the content as rendered when it was created
-- (a retry sends exactly the same bytes). Statuses as GOV.UK Notify: created, sending (leased
-- by a worker), delivered, temporary-failure (next_attempt_at set: will be retried; '' after
-- 72 hours: final), permanent-failure (bad address, flagged in notification_contacts),
-- technical-failure (our side: invalid content, configuration), cancelled (unsubscribed or
-- the send was cancelled before it left). idempotency_key goes to providers that accept one.
-- unsubscribe_token: the random part of the email's one-click unsubscribe link (RFC 8058); it
-- can only switch that person's emails for that service off, so it is kept as is.
CREATE TABLE notifications (
  {{AUTO_ID}},
  message_id BIGINT NOT NULL REFERENCES messages (id),
  channel TEXT NOT NULL CHECK (channel IN ('email', 'io', 'sms', 'webhook')),
  address TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('created', 'sending', 'delivered', 'temporary-failure',
                                         'permanent-failure', 'technical-failure', 'cancelled')),
  idempotency_key TEXT NOT NULL UNIQUE,
  template_version INTEGER NOT NULL DEFAULT 0,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  html TEXT NOT NULL DEFAULT '',
  due_date TEXT NOT NULL DEFAULT '',
  unsubscribe_token TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL DEFAULT '',
  lease_until TEXT NOT NULL DEFAULT '',
  first_attempt_at TEXT NOT NULL DEFAULT '',
  provider_ref TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (message_id, channel)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE next_attempt_at <> '';
CREATE INDEX notifications_unsubscribe ON notifications (unsubscribe_token) WHERE unsubscribe_token <> '';

-- Every attempt of every delivery (who tried, when, what came of it).
CREATE TABLE notification_attempts (
  {{AUTO_ID}},
  notification_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  worker TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id);

-- Where a subject wants to be reached beyond the inbox: email, sms (E.164), webhook (URL +
-- secret). App IO needs no address (the fiscal code). invalid_at: flagged by a permanent
-- failure; the channel is skipped until the address is changed.
CREATE TABLE notification_contacts (
  subject TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
  address TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  invalid_at TEXT NOT NULL DEFAULT '',
  invalid_reason TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (subject, channel)
);

-- Channel switches per subject x service ('' = every service); a missing row means the
-- default (on). The most specific row wins.
CREATE TABLE notification_preferences (
  subject TEXT NOT NULL,
  service_id TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'io', 'sms', 'webhook')),
  enabled INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (subject, service_id, channel)
);

-- Quiet hours ('HH:MM' Rome time, '' = none): deliveries due inside them wait for their end.
-- daily_digest: emails are not sent one by one but in one summary a day (from 08:00 Rome time);
-- last_digest_on: the Rome date of the last summary.
CREATE TABLE notification_settings (
  subject TEXT PRIMARY KEY,
  quiet_start TEXT NOT NULL DEFAULT '',
  quiet_end TEXT NOT NULL DEFAULT '',
  daily_digest INTEGER NOT NULL DEFAULT 0,
  last_digest_on TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);

-- Versioned templates per message kind and channel (mustache). A new version never changes
-- what was already rendered; the highest version is the one in use.
CREATE TABLE notification_templates (
  kind TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'io', 'sms')),
  version INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (kind, channel, version)
);

-- Reminder offsets of a service (JSON array of days before a deadline, e.g. [14, 3]); services
-- without a row use the default [7, 1].
CREATE TABLE reminder_settings (
  service_id TEXT PRIMARY KEY,
  days TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Private calendar feeds: /calendario/<token>.ics. Only the SHA-256 of the token is kept.
CREATE TABLE calendar_feeds (
  token_hash TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notification_settings_digest ON notification_settings (daily_digest, last_digest_on);
CREATE INDEX calendar_feeds_subject ON calendar_feeds (subject);

-- A send to a list of recipients by an operator (owner_kind 'ente') or an API-store application
-- ('application'), now or at send_at; cancellable while its messages are pending.
CREATE TABLE bulk_sends (
  id TEXT PRIMARY KEY,
  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('ente', 'application')),
  owner_id TEXT NOT NULL,
  author TEXT NOT NULL,
  service_id TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  send_at TEXT NOT NULL,
  recipients INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('programmato', 'annullato')),
  created_at TEXT NOT NULL,
  cancelled_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bulk_sends_owner ON bulk_sends (owner_kind, owner_id, created_at);
