"""DDL and connection settings of the SQLite FTS5 search database (its own file, WAL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from search.sqlite_keys import EXACT_COLUMNS, FTS_COLUMNS

SCHEMA_VERSION = 1
TEXT_COLUMNS: tuple[str, ...] = FTS_COLUMNS + EXACT_COLUMNS

# Built with the schema, or once at the end of a first load (``SqliteFtsBackend.loading``).
VALS_KEY = "CREATE INDEX IF NOT EXISTS vals_key ON vals(idx, key, restricted);"

_DDL = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    pub INTEGER NOT NULL,
    year INTEGER,
    format TEXT NOT NULL,
    language TEXT NOT NULL,
    title_key TEXT NOT NULL,
    creator_key TEXT NOT NULL,
    added TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(rowid INTEGER PRIMARY KEY, json TEXT NOT NULL, marc BLOB,
    usmarc BLOB);
CREATE TABLE IF NOT EXISTS pubmarc(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL,
    usmarc BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS ftext(rowid INTEGER PRIMARY KEY, {", ".join(TEXT_COLUMNS)});
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(TEXT_COLUMNS)},
    content='ftext', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 0',);
CREATE TABLE IF NOT EXISTS vals(
    entry INTEGER NOT NULL, idx TEXT NOT NULL, key TEXT NOT NULL, lib TEXT NOT NULL,
    restricted INTEGER NOT NULL, display TEXT NOT NULL,
    PRIMARY KEY (entry, idx, key, lib)) WITHOUT ROWID;
{VALS_KEY}
CREATE TABLE IF NOT EXISTS holdings(
    entry INTEGER NOT NULL, library TEXT NOT NULL, restricted INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS holdings_library ON holdings(library, restricted, entry);
DROP INDEX IF EXISTS holdings_entry;
CREATE INDEX IF NOT EXISTS holdings_scope ON holdings(entry, library, restricted);
CREATE INDEX IF NOT EXISTS entries_hidden ON entries(pub) WHERE pub = 0;
"""

# Page cache per connection, in KiB (negative = KiB for PRAGMA cache_size). Readers are
# one per thread, so they stay small; the single writer gets more for batch upserts.
READER_CACHE_KIB = 8_000
WRITER_CACHE_KIB = 32_000


def connect(path: Path, cache_kib: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


# Columns added since the first release: (table, column, type). Rows written before have
# NULL there and are read the old way (``docs``: the MARC inside the JSON). ``docs.usmarc``
# is no longer written (``pubmarc`` holds it since) but still read where an older version
# wrote it.
_ADDED_COLUMNS = (("docs", "marc", "BLOB"), ("docs", "usmarc", "BLOB"))


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(_DDL)
    _add_columns(conn)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', 0)")


def _add_columns(conn: sqlite3.Connection) -> None:
    """Bring an index written by an earlier version up to the current columns. Only when
    one is missing, in a write transaction that looks again (several serving processes
    may open it at once); an index that has them takes no write lock."""
    if not _missing_columns(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, column, kind in _missing_columns(conn):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _missing_columns(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    tables = {table for table, _, _ in _ADDED_COLUMNS}
    have = {(table, row[1]) for table in tables
            for row in conn.execute(f"PRAGMA table_info({table})")}
    return [added for added in _ADDED_COLUMNS if added[:2] not in have]


def bump_generation(conn: sqlite3.Connection) -> None:
    """Count a write, so readers in any process can tell cached facets are stale."""
    conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")


def generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def claim_rowids(conn: sqlite3.Connection, count: int) -> int:
    """Reserve ``count`` new entry rowids and return the one before the first. Rowids only
    grow, never reused after a delete, so a rowid names one version of one entry for good
    (``sqlite_rank`` remembers row sizes by rowid)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'last_rowid'").fetchone()
    (top,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM entries").fetchone()
    last = max(int(top), int(row[0]) if row else 0)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_rowid', ?)", (last + count,))
    return last
