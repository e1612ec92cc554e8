"""Rebuild the search index from the store, and re-normalize stored records.

* OpenSearch: a zero-downtime rebuild (new versioned index, count check, atomic alias
  switch) through ``OpenSearchBackend.reindex``.
* SQLite FTS5: every entry is queued in the outbox and upserted in place (readers keep
  answering throughout; an interrupted run resumes from the outbox).
* ``renormalize``: after a normalizer upgrade, re-derive each live record's normalized
  forms from its raw bytes, and re-place changed records in their clusters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

from app.indexer import drain_outbox, load_documents, requeue_all
from app.ingest import prepare
from harvesters.raw import RawRecord, Syntax
from normalizers.clustering import Clusterer
from search.backend import SearchBackend
from search.document import CatalogDocument
from store.db import transaction
from store.records import STORED_MARC, marc_column, queue_for_index
from store.sources import get_source

Progress = Callable[[int], None]
BATCH = 500


def reindex(conn: sqlite3.Connection, backend: SearchBackend,
            progress: Progress | None = None) -> int:
    """Rebuild the backend's entries from the store; returns how many were indexed."""
    rebuild = getattr(backend, "reindex", None)
    if rebuild is not None:
        report = rebuild(_all_documents(conn, progress))
        with transaction(conn):
            conn.execute("DELETE FROM index_outbox")
        return int(getattr(report, "count", 0) or _live_clusters(conn))
    with transaction(conn):
        requeue_all(conn)
    return drain_outbox(conn, backend, progress=progress)


def _live_clusters(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(DISTINCT cluster_id) FROM records "
                            "WHERE deleted = 0 AND cluster_id IS NOT NULL").fetchone()[0])


def _all_documents(conn: sqlite3.Connection,
                   progress: Progress | None) -> Iterator[CatalogDocument]:
    ids = [r[0] for r in conn.execute("SELECT DISTINCT cluster_id FROM records "
                                      "WHERE deleted = 0 AND cluster_id IS NOT NULL "
                                      "ORDER BY cluster_id")]
    for start in range(0, len(ids), BATCH):
        yield from load_documents(conn, ids[start:start + BATCH]).values()
        if progress:
            progress(min(start + BATCH, len(ids)))


def renormalize(conn: sqlite3.Connection, clusterer: Clusterer,
                progress: Progress | None = None) -> int:
    """Re-derive normalized forms of live records from raw bytes; returns records changed."""
    changed = 0
    last = 0
    while rows := conn.execute(
            f"SELECT id, source, local_id, raw, bib, {STORED_MARC} AS marc FROM records "
            "WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?", (last, BATCH)).fetchall():
        last = rows[-1]["id"]
        with transaction(conn):
            changed += sum(_renormalize_one(conn, row, clusterer) for row in rows)
        if progress:
            progress(last)
    return changed


def _renormalize_one(conn: sqlite3.Connection, row: sqlite3.Row, clusterer: Clusterer) -> bool:
    source = get_source(conn, row["source"])
    if source is None or row["raw"] is None:
        return False
    raw = bytes(row["raw"])
    syntax: Syntax = "iso2709"
    if raw[:1] == b"<":
        syntax = "oai_dc" if source.metadata_prefix == "oai_dc" else "marcxml"
    prepared = prepare(RawRecord(raw, syntax, 0, local_id=row["local_id"]),
                       source.holdings_field, source.restricted, source.code)
    fresh = prepared.record
    if fresh is None or (fresh.bib_json == row["bib"] and fresh.marc == row["marc"]):
        return False
    conn.execute("UPDATE records SET bib=?, marc=?, profile=?, call_number=?, repairs=? "
                 "WHERE id=?", (fresh.bib_json, marc_column(fresh.marc, raw),
                                fresh.profile_json, fresh.call_number,
                                _json_list(fresh.repairs), row["id"]))
    queue_for_index(conn, clusterer.place(conn, row["id"]))
    return True


def _json_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)
