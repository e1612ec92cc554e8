-- The ingest store: one writer, transactional, every step idempotent.
CREATE TABLE IF NOT EXISTS sources (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  library_type TEXT NOT NULL DEFAULT 'other',
  district TEXT NOT NULL DEFAULT '',
  commune TEXT NOT NULL DEFAULT '',
  lat REAL,
  lon REAL,
  contact TEXT NOT NULL DEFAULT '',
  protocol TEXT NOT NULL DEFAULT 'marc-file',
  endpoint TEXT NOT NULL DEFAULT '',
  metadata_prefix TEXT NOT NULL DEFAULT 'marc21',
  oai_set TEXT NOT NULL DEFAULT '',
  harvest_interval_hours REAL NOT NULL DEFAULT 24,
  priority INTEGER NOT NULL DEFAULT 0,
  holdings_field TEXT NOT NULL DEFAULT '852',
  restricted INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  api_key_hash TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  last_ingest_at TEXT
);

CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL REFERENCES sources(code),
  local_id TEXT NOT NULL,
  datestamp TEXT,
  deleted INTEGER NOT NULL DEFAULT 0,
  raw BLOB,
  raw_hash TEXT NOT NULL,
  marc BLOB,
  bib TEXT,
  repairs TEXT NOT NULL DEFAULT '[]',
  call_number TEXT NOT NULL DEFAULT '',
  restricted INTEGER NOT NULL DEFAULT 0,
  cluster_id TEXT,
  first_seen TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (source, local_id)
);
CREATE INDEX IF NOT EXISTS records_cluster ON records(cluster_id);

CREATE TABLE IF NOT EXISTS set_aside (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  origin TEXT NOT NULL,
  position INTEGER NOT NULL,
  raw BLOB,
  reason TEXT NOT NULL,
  at TEXT NOT NULL,
  UNIQUE (source, origin, position)
);

CREATE TABLE IF NOT EXISTS clusters (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);

-- Entries whose search document must be rebuilt; drained into the search backend.
CREATE TABLE IF NOT EXISTS index_outbox (
  cluster_id TEXT PRIMARY KEY,
  queued_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS ingest_runs (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  origin TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL,
  ended_at TEXT,
  read INTEGER NOT NULL DEFAULT 0,
  added INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  set_aside INTEGER NOT NULL DEFAULT 0,
  errors TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT 'running'
);
