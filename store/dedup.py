"""Deduplication tables: match keys, profiles, manual overrides and the identifier blocklist."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from store.db import now

OverrideKind = Literal["merge", "split"]
MAX_PER_KEY = 50  # a key shared by more records than this proposes only the first ones


@dataclass(frozen=True)
class Override:
    kind: OverrideKind
    a: tuple[str, str]  # (source, local_id)
    b: tuple[str, str]
    note: str = ""


def write_keys(conn: sqlite3.Connection, record_id: int, keys: Iterable[tuple[str, str]],
               profile: str, fresh: bool = False) -> None:
    """Replace a record's keys and profile; ``fresh``: a record just added, with none yet."""
    if not fresh:
        conn.execute("DELETE FROM match_keys WHERE record_id=?", (record_id,))
    conn.executemany("INSERT OR IGNORE INTO match_keys (record_id, kind, key) VALUES (?,?,?)",
                     [(record_id, kind, key) for kind, key in keys])
    conn.execute("INSERT OR REPLACE INTO dedup_profiles (record_id, profile) VALUES (?,?)",
                 (record_id, profile))


def drop_keys(conn: sqlite3.Connection, record_id: int) -> None:
    conn.execute("DELETE FROM match_keys WHERE record_id=?", (record_id,))
    conn.execute("DELETE FROM dedup_profiles WHERE record_id=?", (record_id,))


def keys_of_record(conn: sqlite3.Connection, record_id: int) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT kind, key FROM match_keys WHERE record_id=?", (record_id,))
    return [(r[0], r[1]) for r in rows]


def candidates(conn: sqlite3.Connection, record_id: int,
               keys: Iterable[tuple[str, str]]) -> set[int]:
    """Records sharing any key (blocked keys excluded), at most MAX_PER_KEY per key."""
    wanted = sorted(keys)
    if not wanted:
        return set()
    one = "SELECT * FROM (SELECT record_id FROM match_keys WHERE kind=? AND key=? LIMIT ?)"
    params: list[object] = []
    for kind, key in wanted:
        params += [kind, key, MAX_PER_KEY + 1]
    # UNION ALL: the set below drops duplicates, so SQLite need not sort them out too
    rows = conn.execute(" UNION ALL ".join([one] * len(wanted)), params)
    found = {r[0] for r in rows}
    found.discard(record_id)
    if found and blocklist_size(conn):
        blocked = set(blocked_records(conn, wanted))
        found -= blocked
    return found


def blocklist_size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM dedup_blocklist").fetchone()[0])


def blocked_records(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> list[int]:
    """Records found only through blocked keys are not candidates (re-queried per key)."""
    blocked = {(k, v) for k, v in keys if conn.execute(
        "SELECT 1 FROM dedup_blocklist WHERE kind=? AND key=?", (k, v)).fetchone()}
    via_blocked = {r for k, v in blocked for r in records_with_key(conn, k, v)}
    via_open = {r for k, v in keys if (k, v) not in blocked
                for r in records_with_key(conn, k, v)[:MAX_PER_KEY + 1]}
    return sorted(via_blocked - via_open)


def profiles(conn: sqlite3.Connection, record_ids: Iterable[int]) -> dict[int, str]:
    ids = list(record_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute("SELECT record_id, profile FROM dedup_profiles WHERE record_id IN "
                            f"({','.join('?' * len(chunk))})", chunk)
        out.update((r[0], r[1]) for r in rows)
    return out


def cluster_of(conn: sqlite3.Connection, record_ids: Iterable[int]) -> dict[int, str]:
    ids = list(record_ids)
    if not ids:
        return {}
    rows = conn.execute("SELECT id, cluster_id FROM records WHERE deleted=0 AND cluster_id "
                        f"IS NOT NULL AND id IN ({','.join('?' * len(ids))})", ids)
    return {r[0]: r[1] for r in rows}


def members(conn: sqlite3.Connection, cluster_id: str) -> list[tuple[int, str, str]]:
    """(record id, source, local id) of a cluster's live members, founder first."""
    rows = conn.execute("SELECT id, source, local_id FROM records WHERE cluster_id=? AND "
                        "deleted=0 ORDER BY id", (cluster_id,))
    return [(r[0], r[1], r[2]) for r in rows]


def identity(conn: sqlite3.Connection, record_id: int) -> tuple[str, str]:
    row = conn.execute("SELECT source, local_id FROM records WHERE id=?", (record_id,)).fetchone()
    return (row[0], row[1]) if row else ("", "")


def record_by_member_id(conn: sqlite3.Connection, member_id: str) -> int | None:
    """'SOURCE:local-id' (or a bare store id) -> the live record's store id."""
    source, sep, local_id = member_id.partition(":")
    if sep:
        row = conn.execute("SELECT id FROM records WHERE source=? AND local_id=? AND deleted=0",
                           (source, local_id)).fetchone()
    elif member_id.isdigit():
        row = conn.execute("SELECT id FROM records WHERE id=? AND deleted=0",
                           (int(member_id),)).fetchone()
    else:
        row = None
    return int(row[0]) if row else None


def add_override(conn: sqlite3.Connection, override: Override) -> None:
    a, b = sorted((override.a, override.b))
    conn.execute("DELETE FROM dedup_overrides WHERE a_source=? AND a_local_id=? AND b_source=? "
                 "AND b_local_id=?", (*a, *b))
    conn.execute("INSERT INTO dedup_overrides (kind, a_source, a_local_id, b_source, "
                 "b_local_id, note, created_at) VALUES (?,?,?,?,?,?,?)",
                 (override.kind, *a, *b, override.note, now()))


def remove_override(conn: sqlite3.Connection, a: tuple[str, str], b: tuple[str, str]) -> bool:
    x, y = sorted((a, b))
    cur = conn.execute("DELETE FROM dedup_overrides WHERE a_source=? AND a_local_id=? AND "
                       "b_source=? AND b_local_id=?", (*x, *y))
    return cur.rowcount > 0


def overrides_of(conn: sqlite3.Connection, who: tuple[str, str]) -> list[Override]:
    rows = conn.execute(
        "SELECT kind, a_source, a_local_id, b_source, b_local_id, note FROM dedup_overrides "
        "WHERE (a_source=? AND a_local_id=?) OR (b_source=? AND b_local_id=?)", (*who, *who))
    return [Override(r[0], (r[1], r[2]), (r[3], r[4]), r[5]) for r in rows]


def list_overrides(conn: sqlite3.Connection) -> list[Override]:
    rows = conn.execute("SELECT kind, a_source, a_local_id, b_source, b_local_id, note "
                        "FROM dedup_overrides ORDER BY id")
    return [Override(r[0], (r[1], r[2]), (r[3], r[4]), r[5]) for r in rows]


def has_overrides(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM dedup_overrides LIMIT 1").fetchone() is not None


def blocked_ids(conn: sqlite3.Connection) -> frozenset[str]:
    return frozenset(f"{r[0]}:{r[1]}" for r in conn.execute(
        "SELECT kind, key FROM dedup_blocklist"))


def block_identifier(conn: sqlite3.Connection, kind: str, key: str, note: str = "") -> None:
    conn.execute("INSERT OR REPLACE INTO dedup_blocklist (kind, key, note) VALUES (?,?,?)",
                 (kind, key, note))


def records_with_key(conn: sqlite3.Connection, kind: str, key: str) -> list[int]:
    return [r[0] for r in conn.execute("SELECT record_id FROM match_keys WHERE kind=? AND key=?",
                                       (kind, key))]
