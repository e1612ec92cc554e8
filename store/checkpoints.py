"""Harvest checkpoints: where each source's harvest stands, committed with its records."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from store.db import now


@dataclass
class Checkpoint:
    source: str
    last_datestamp: str | None = None
    granularity: str = ""
    list_from: str | None = None
    token: str | None = None
    high_water: str | None = None
    in_progress: bool = False
    full: bool = False
    run_id: int | None = None
    etag: str = ""
    last_modified: str = ""


_COLUMNS = ("last_datestamp", "granularity", "list_from", "token", "high_water",
            "in_progress", "full", "run_id", "etag", "last_modified")


def load_checkpoint(conn: sqlite3.Connection, source: str) -> Checkpoint:
    row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM harvest_checkpoints "
                       "WHERE source=?", (source,)).fetchone()
    if row is None:
        return Checkpoint(source)
    values = dict(zip(_COLUMNS, tuple(row), strict=True))
    values["in_progress"] = bool(values["in_progress"])
    values["full"] = bool(values["full"])
    return Checkpoint(source, **values)


def save_checkpoint(conn: sqlite3.Connection, cp: Checkpoint) -> None:
    """Write inside the caller's transaction (the one holding the page's records)."""
    values = [getattr(cp, c) for c in _COLUMNS]
    values[5], values[6] = int(cp.in_progress), int(cp.full)
    updates = ", ".join(f"{c}=excluded.{c}" for c in (*_COLUMNS, "updated_at"))
    conn.execute(f"INSERT INTO harvest_checkpoints (source, {', '.join(_COLUMNS)}, updated_at) "
                 f"VALUES (?, {', '.join('?' * len(_COLUMNS))}, ?) "
                 f"ON CONFLICT(source) DO UPDATE SET {updates}",
                 (cp.source, *values, now()))


def mark_seen(conn: sqlite3.Connection, source: str, local_ids: list[str]) -> None:
    conn.executemany("INSERT OR IGNORE INTO harvest_seen (source, local_id) VALUES (?,?)",
                     [(source, i) for i in local_ids])


def unseen_live(conn: sqlite3.Connection, source: str) -> list[str]:
    """Live records of a source the full re-harvest did not see."""
    rows = conn.execute("SELECT local_id FROM records r WHERE source=? AND deleted=0 AND NOT "
                        "EXISTS (SELECT 1 FROM harvest_seen s WHERE s.source=r.source AND "
                        "s.local_id=r.local_id)", (source,))
    return [r[0] for r in rows]


def seen_count(conn: sqlite3.Connection, source: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM harvest_seen WHERE source=?",
                            (source,)).fetchone()[0])


def clear_seen(conn: sqlite3.Connection, source: str) -> None:
    conn.execute("DELETE FROM harvest_seen WHERE source=?", (source,))
