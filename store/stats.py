"""Figures for `unioncat stats` and the API: entries and, per source, record counts."""

from __future__ import annotations

import sqlite3
from typing import Any

_PER_SOURCE = """
SELECT s.code, s.name, s.library_type, s.last_ingest_at,
  (SELECT COUNT(*) FROM records r WHERE r.source = s.code AND r.deleted = 0) AS records,
  (SELECT COUNT(*) FROM records r WHERE r.source = s.code AND r.deleted = 1) AS deleted,
  (SELECT COUNT(*) FROM set_aside a WHERE a.source = s.code) AS set_aside,
  (SELECT COUNT(*) FROM records r WHERE r.source = s.code AND r.repairs != '[]') AS repaired
FROM sources s ORDER BY s.code
"""


def store_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    sources = [dict(row) for row in conn.execute(_PER_SOURCE)]
    entries = conn.execute("SELECT COUNT(DISTINCT cluster_id) FROM records "
                           "WHERE deleted = 0 AND cluster_id IS NOT NULL").fetchone()[0]
    pending = conn.execute("SELECT COUNT(*) FROM index_outbox").fetchone()[0]
    return {"entries": entries, "records": sum(s["records"] for s in sources),
            "index_pending": pending, "sources": sources}


def set_aside_list(conn: sqlite3.Connection, source: str | None = None,
                   limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, source, origin, position, reason, at, length(raw) AS bytes FROM set_aside "
        "WHERE (? IS NULL OR source = ?) ORDER BY id DESC LIMIT ?", (source, source, limit))
    return [dict(row) for row in rows]
