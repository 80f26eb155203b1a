-- The service catalogue: enti, vocabularies, reference services and their local variants.
-- Portable SQL for SQLite 3.40 and PostgreSQL 15. {{AUTO_ID}} is replaced per engine.
-- Structured content lives in *_json columns (the domain model serialised); the columns
-- beside it are the ones queries filter, join or sort on.

CREATE TABLE enti (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('regione', 'provincia', 'comune', 'usl')),
  name TEXT NOT NULL,
  istat_code TEXT,
  content_json TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  modified_at TEXT NOT NULL
);
CREATE UNIQUE INDEX enti_istat_code ON enti (kind, istat_code);

CREATE TABLE vocabulary_terms (
  vocabulary TEXT NOT NULL,
  code TEXT NOT NULL,
  label TEXT NOT NULL,
  parent TEXT NOT NULL DEFAULT '',
  slug TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (vocabulary, code)
);
CREATE UNIQUE INDEX vocabulary_terms_slug ON vocabulary_terms (vocabulary, slug);

CREATE TABLE services (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('attivo', 'non-attivo', 'in-sviluppo')),
  category TEXT NOT NULL DEFAULT '',
  authority TEXT NOT NULL CHECK (authority IN ('single-ente', 'each-comune')),
  competent_ente_id TEXT REFERENCES enti (id),
  content_json TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  modified_at TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX services_category ON services (category);

CREATE TABLE service_variants (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  ente_id TEXT NOT NULL REFERENCES enti (id),
  content_json TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  modified_at TEXT NOT NULL,
  PRIMARY KEY (service_id, ente_id)
);
CREATE INDEX service_variants_ente ON service_variants (ente_id);

CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  kind TEXT NOT NULL,
  grouping TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  act TEXT NOT NULL DEFAULT '',
  service_id TEXT REFERENCES services (id) ON DELETE SET NULL,
  content_hash TEXT NOT NULL
);

-- "Quanto sono chiare le informazioni su questa pagina?" answers, counted per service
-- (service_id is NULL for the other pages that carry the widget: home, lists, topics...).
CREATE TABLE feedback (
  {{AUTO_ID}},
  service_id TEXT REFERENCES services (id) ON DELETE CASCADE,
  page TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  answer TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX feedback_service ON feedback (service_id);

-- Smart-link clicks per (service, comune).
CREATE TABLE link_clicks (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  ente_id TEXT NOT NULL REFERENCES enti (id),
  clicks BIGINT NOT NULL DEFAULT 0,
  last_click_at TEXT NOT NULL,
  PRIMARY KEY (service_id, ente_id)
);

-- A counter bumped by every catalogue write: nodes compare it to know their caches are stale.
CREATE TABLE catalog_generation (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  generation BIGINT NOT NULL,
  changed_at TEXT NOT NULL
);
INSERT INTO catalog_generation (singleton, generation, changed_at) VALUES (1, 0, '1970-01-01T00:00:00Z');
