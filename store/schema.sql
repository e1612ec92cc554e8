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
  profile TEXT,
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

-- Harvest state per source: committed in the same transaction as each page's records.
CREATE TABLE IF NOT EXISTS harvest_checkpoints (
  source TEXT PRIMARY KEY,
  last_datestamp TEXT,            -- high-water datestamp of the last completed list
  granularity TEXT NOT NULL DEFAULT '',
  list_from TEXT,                 -- 'from' of the list in progress (NULL: from the start)
  token TEXT,                     -- resumption token continuing it (NULL: none pending)
  high_water TEXT,                -- greatest datestamp seen in the list in progress
  in_progress INTEGER NOT NULL DEFAULT 0,
  full INTEGER NOT NULL DEFAULT 0,
  run_id INTEGER,
  etag TEXT NOT NULL DEFAULT '',  -- marc-url conditional requests
  last_modified TEXT NOT NULL DEFAULT '',
  updated_at TEXT
);

-- Identifiers the feed returned during a full re-harvest (to find records it no longer has).
CREATE TABLE IF NOT EXISTS harvest_seen (
  source TEXT NOT NULL,
  local_id TEXT NOT NULL,
  PRIMARY KEY (source, local_id)
) WITHOUT ROWID;

-- Harvest-specific figures of an ingest run.
CREATE TABLE IF NOT EXISTS harvest_run_details (
  run_id INTEGER PRIMARY KEY,
  mode TEXT NOT NULL DEFAULT 'incremental',
  list_from TEXT,
  pages INTEGER NOT NULL DEFAULT 0,
  cleaned_chars INTEGER NOT NULL DEFAULT 0,
  restarts INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0
);

-- Deduplication (normalizers/dedup.py). Match keys of every live normalized record,
-- looked up by (kind, key) to find candidates: never all-pairs, never all keys in memory.
CREATE TABLE IF NOT EXISTS match_keys (
  record_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (record_id, kind, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS match_keys_lookup ON match_keys(kind, key);

-- What the verification rules compare, one small JSON per record (so a candidate costs
-- one indexed read and no MARC parsing).
CREATE TABLE IF NOT EXISTS dedup_profiles (
  record_id INTEGER PRIMARY KEY,
  profile TEXT NOT NULL
);

-- Cataloguers' decisions, by (source, local_id) so they outlive re-harvests:
-- 'split' = must never share an entry, 'merge' = belong in one entry.
CREATE TABLE IF NOT EXISTS dedup_overrides (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
  a_source TEXT NOT NULL,
  a_local_id TEXT NOT NULL,
  b_source TEXT NOT NULL,
  b_local_id TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  UNIQUE (a_source, a_local_id, b_source, b_local_id)
);
CREATE INDEX IF NOT EXISTS dedup_overrides_b ON dedup_overrides(b_source, b_local_id);

-- Identifiers known to be reused wrongly (one ISBN printed in many books): never a key.
CREATE TABLE IF NOT EXISTS dedup_blocklist (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, key)
);
