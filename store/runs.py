"""Ingest and harvest runs: who ran, when, what changed, how it ended."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from store.db import now

OUTCOMES = ("running", "ok", "partial", "failed", "refused", "interrupted", "unchanged")


@dataclass
class RunFigures:
    read: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    set_aside: int = 0
    pages: int = 0
    cleaned_chars: int = 0
    restarts: int = 0
    retries: int = 0


def start_run(conn: sqlite3.Connection, source: str, kind: str, origin: str,
              mode: str, list_from: str | None) -> int:
    cur = conn.execute("INSERT INTO ingest_runs (source, kind, origin, started_at) "
                       "VALUES (?,?,?,?)", (source, kind, origin, now()))
    run_id = int(cur.lastrowid or 0)
    conn.execute("INSERT INTO harvest_run_details (run_id, mode, list_from) VALUES (?,?,?)",
                 (run_id, mode, list_from))
    return run_id


def add_to_run(conn: sqlite3.Connection, run_id: int, figures: RunFigures) -> None:
    """Add a page's figures (inside the page's transaction)."""
    f = figures
    conn.execute("UPDATE ingest_runs SET read=read+?, added=added+?, updated=updated+?, "
                 "deleted=deleted+?, set_aside=set_aside+? WHERE id=?",
                 (f.read, f.added, f.updated, f.deleted, f.set_aside, run_id))
    conn.execute("UPDATE harvest_run_details SET pages=pages+?, cleaned_chars=cleaned_chars+?,"
                 " restarts=restarts+?, retries=retries+? WHERE run_id=?",
                 (f.pages, f.cleaned_chars, f.restarts, f.retries, run_id))


def finish_run(conn: sqlite3.Connection, run_id: int, outcome: str, errors: str = "") -> None:
    conn.execute("UPDATE ingest_runs SET ended_at=?, outcome=?, "
                 "errors=CASE WHEN errors='' THEN ? ELSE errors || '; ' || ? END WHERE id=?",
                 (now(), outcome, errors, errors, run_id))


def interrupt_stale(conn: sqlite3.Connection, source: str, keep: int | None) -> None:
    """Runs left 'running' by a killed process (other than the one being resumed)."""
    conn.execute("UPDATE ingest_runs SET outcome='interrupted', ended_at=COALESCE(ended_at, ?) "
                 "WHERE source=? AND outcome='running' AND id IS NOT ?", (now(), source, keep))


_RUNS_SQL = """
SELECT r.id, r.source, s.name, r.kind, r.origin, r.started_at, r.ended_at, r.read, r.added,
       r.updated, r.deleted, r.set_aside, r.errors, r.outcome, d.mode, d.list_from, d.pages,
       d.cleaned_chars, d.restarts, d.retries
FROM ingest_runs r LEFT JOIN harvest_run_details d ON d.run_id = r.id
LEFT JOIN sources s ON s.code = r.source
WHERE (? IS NULL OR r.source = ?) ORDER BY r.id DESC LIMIT ?
"""


def list_runs(conn: sqlite3.Connection, source: str | None = None,
              limit: int = 50) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(_RUNS_SQL, (source, source, limit))]


def latest_runs(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The newest run of every source (the at-a-glance view)."""
    sql = _RUNS_SQL.replace("WHERE (? IS NULL OR r.source = ?)",
                            "WHERE r.id IN (SELECT MAX(id) FROM ingest_runs GROUP BY source)")
    return [dict(r) for r in conn.execute(sql.replace("r.id DESC", "r.source"), (100000,))]


def last_success(conn: sqlite3.Connection, source: str) -> str | None:
    row = conn.execute("SELECT MAX(ended_at) FROM ingest_runs WHERE source=? AND outcome IN "
                       "('ok', 'unchanged', 'partial')", (source,)).fetchone()
    return str(row[0]) if row and row[0] else None


def last_attempt(conn: sqlite3.Connection, source: str) -> str | None:
    row = conn.execute("SELECT MAX(started_at) FROM ingest_runs WHERE source=?",
                       (source,)).fetchone()
    return str(row[0]) if row and row[0] else None
