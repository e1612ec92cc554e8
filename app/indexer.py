"""Drain the store's index outbox into the search backend.

The outbox row is deleted only after the backend accepted the document, so a crash in
between re-sends it (upsert is idempotent): nothing lost, nothing stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence

from normalizers.bib import Bib
from normalizers.documents import Member, build_document
from search.backend import SearchBackend
from search.document import CatalogDocument

_MEMBERS_SQL = """
SELECT r.id, r.source, r.local_id, r.bib, r.marc, r.call_number, r.restricted, r.first_seen,
       r.updated_at, r.cluster_id, s.name, s.library_type, s.district, s.priority,
       s.restricted AS source_restricted
FROM records r JOIN sources s ON s.code = r.source
WHERE r.deleted = 0 AND r.cluster_id IN ({marks})
"""


def load_documents(conn: sqlite3.Connection, cluster_ids: Sequence[str]
                   ) -> dict[str, CatalogDocument]:
    """Build the entry of each cluster that still has live members."""
    if not cluster_ids:
        return {}
    rows = conn.execute(_MEMBERS_SQL.format(marks=",".join("?" * len(cluster_ids))),
                        list(cluster_ids)).fetchall()
    groups: dict[str, list[Member]] = {}
    for row in rows:
        groups.setdefault(row["cluster_id"], []).append(_member(row))
    return {cid: build_document(cid, members) for cid, members in groups.items()}


def _member(row: sqlite3.Row) -> Member:
    return Member(record_id=row["id"], source=row["source"], library_name=row["name"],
                  library_type=row["library_type"], district=row["district"],
                  priority=row["priority"], local_id=row["local_id"],
                  bib=Bib.loads(row["bib"]), marc=row["marc"], call_number=row["call_number"],
                  restricted=bool(row["restricted"] or row["source_restricted"]),
                  first_seen=row["first_seen"], updated_at=row["updated_at"])


def drain_outbox(conn: sqlite3.Connection, backend: SearchBackend, batch_size: int = 500,
                 progress: Callable[[int], None] | None = None) -> int:
    """Index every queued entry; returns how many were sent."""
    sent = 0
    for cluster_ids in _queued(conn, batch_size):
        docs = load_documents(conn, cluster_ids)
        if docs:
            backend.upsert(list(docs.values()))
        gone = [cid for cid in cluster_ids if cid not in docs]
        if gone:
            backend.delete(gone)
        conn.executemany("DELETE FROM index_outbox WHERE cluster_id=?",
                         [(c,) for c in cluster_ids])
        sent += len(cluster_ids)
        if progress:
            progress(sent)
    return sent


def _queued(conn: sqlite3.Connection, batch_size: int) -> Iterator[list[str]]:
    while rows := conn.execute("SELECT cluster_id FROM index_outbox ORDER BY rowid LIMIT ?",
                               (batch_size,)).fetchall():
        yield [r[0] for r in rows]


def requeue_all(conn: sqlite3.Connection) -> int:
    """Queue every live cluster (full re-index)."""
    cur = conn.execute("INSERT OR REPLACE INTO index_outbox (cluster_id, queued_at) "
                       "SELECT DISTINCT cluster_id, strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                       "FROM records WHERE deleted=0 AND cluster_id IS NOT NULL")
    return cur.rowcount
