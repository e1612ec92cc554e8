"""Member records in the store: add, replace, delete, set aside. Idempotent by content hash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from store.db import now

Change = Literal["added", "updated", "unchanged", "deleted", "absent"]


@dataclass(frozen=True)
class NormalizedRecord:
    source: str
    local_id: str
    raw: bytes
    raw_hash: str
    marc: bytes
    bib_json: str
    repairs: tuple[str, ...]
    call_number: str
    restricted: bool
    datestamp: str | None = None
    profile_json: str | None = None  # match profile, when computed beside the parse
    # ``keys_of`` that profile, computed beside it too (the writer then need not decode it)
    match_keys: tuple[tuple[str, str], ...] | None = None


def record_hash(conn: sqlite3.Connection, source: str,
                local_id: str) -> tuple[int, str, bool] | None:
    row = conn.execute("SELECT id, raw_hash, deleted FROM records WHERE source=? AND local_id=?",
                       (source, local_id)).fetchone()
    return (row[0], row[1], bool(row[2])) if row else None


def record_hashes(conn: sqlite3.Connection, records: Iterable[tuple[str, str]]
                  ) -> dict[tuple[str, str], tuple[int, str, bool]]:
    """``record_hash`` of many (source, local id) at once; absent ones are left out."""
    by_source: dict[str, list[str]] = {}
    for source, local_id in records:
        by_source.setdefault(source, []).append(local_id)
    found: dict[tuple[str, str], tuple[int, str, bool]] = {}
    for source, local_ids in by_source.items():
        for start in range(0, len(local_ids), 500):
            chunk = local_ids[start:start + 500]
            rows = conn.execute("SELECT local_id, id, raw_hash, deleted FROM records WHERE "
                                f"source=? AND local_id IN ({','.join('?' * len(chunk))})",
                                (source, *chunk))
            found.update(((source, r[0]), (r[1], r[2], bool(r[3]))) for r in rows)
    return found


_INSERT = ("INSERT INTO records (datestamp, raw, raw_hash, marc, bib, profile, repairs, "
           "call_number, restricted, updated_at, source, local_id, first_seen, deleted, id, "
           "cluster_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)")


def insert_record(conn: sqlite3.Connection, rec: NormalizedRecord, record_id: int | None = None,
                  cluster_id: str | None = None) -> int:
    """Store a record the store does not have (``record_hash`` is None), under ``record_id``
    (``next_record_id``; None: the same, chosen by SQLite) and already in ``cluster_id``."""
    stamp = now()
    cur = conn.execute(_INSERT, (*_values(rec, stamp), rec.source, rec.local_id, stamp,
                                 record_id, cluster_id))
    return int(cur.lastrowid or 0)


def next_record_id(conn: sqlite3.Connection) -> int:
    """The id SQLite gives the next record inserted without one (the largest id + 1)."""
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM records").fetchone()[0])


def replace_record(conn: sqlite3.Connection, rec: NormalizedRecord,
                   known: tuple[int, str, bool]) -> tuple[Change, int]:
    """Store a new version of a record the store has (``known``: its ``record_hash``);
    'unchanged' when the same bytes are already there and live."""
    record_id, old_hash, was_deleted = known
    if old_hash == rec.raw_hash and not was_deleted:
        return "unchanged", record_id
    conn.execute("UPDATE records SET datestamp=?, raw=?, raw_hash=?, marc=?, bib=?, profile=?, "
                 "repairs=?, call_number=?, restricted=?, updated_at=?, deleted=0 WHERE id=?",
                 (*_values(rec, now()), record_id))
    return ("added" if was_deleted else "updated"), record_id


# The record's MARC as stored: ``marc`` is NULL where it is the bytes received (``raw``),
# as for most ISO 2709 records, so the store holds those bytes once. Read it as this (no
# other table of a join has these two columns).
STORED_MARC = "coalesce(marc, raw)"


def marc_column(marc: bytes, raw: bytes) -> bytes | None:
    """What ``records.marc`` holds for this MARC (see ``STORED_MARC``)."""
    return None if marc == raw else marc


def _values(rec: NormalizedRecord, stamp: str) -> tuple[object, ...]:
    return (rec.datestamp, rec.raw, rec.raw_hash, marc_column(rec.marc, rec.raw),
            rec.bib_json, rec.profile_json,
            json.dumps(list(rec.repairs), ensure_ascii=False) if rec.repairs else "[]",
            rec.call_number, int(rec.restricted), stamp)


def mark_deleted(conn: sqlite3.Connection, source: str, local_id: str,
                 datestamp: str | None = None) -> tuple[Change, int | None]:
    """Flag a record deleted (kept for the audit trail, gone from the catalog)."""
    known = record_hash(conn, source, local_id)
    if known is None or known[2]:
        return "absent", None
    conn.execute("UPDATE records SET deleted=1, datestamp=COALESCE(?, datestamp), updated_at=? "
                 "WHERE id=?", (datestamp, now(), known[0]))
    return "deleted", known[0]


def set_aside(conn: sqlite3.Connection, source: str, origin: str, position: int, raw: bytes,
              reason: str) -> bool:
    """Keep an unreadable record's bytes and why; True if it was not already set aside."""
    cur = conn.execute("INSERT OR IGNORE INTO set_aside (source, origin, position, raw, reason, at)"
                       " VALUES (?,?,?,?,?,?)", (source, origin, position, raw, reason, now()))
    return cur.rowcount > 0


def set_cluster(conn: sqlite3.Connection, record_id: int, cluster_id: str | None) -> None:
    conn.execute("UPDATE records SET cluster_id=? WHERE id=?", (cluster_id, record_id))


def queue_for_index(conn: sqlite3.Connection, cluster_ids: set[str]) -> None:
    """Queue entries behind everything queued so far. The rowid is taken before REPLACE drops
    an entry already queued, so it always grows (drain marks rely on that)."""
    stamp = now()
    conn.executemany("INSERT OR REPLACE INTO index_outbox (rowid, cluster_id, queued_at) VALUES "
                     "((SELECT coalesce(max(rowid), 0) + 1 FROM index_outbox), ?, ?)",
                     [(c, stamp) for c in cluster_ids if c])
