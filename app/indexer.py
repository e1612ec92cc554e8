"""Drain the store's index outbox into the search backend.

The outbox row is deleted only after the backend accepted the document, so a crash in
between re-sends it (upsert is idempotent): nothing lost, nothing stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol, runtime_checkable

from app.entry_drafts import EntryDraft, stored_key
from normalizers.bib import Bib
from normalizers.documents import Member, build_document
from search.backend import SearchBackend
from search.document import CatalogDocument
from search.sqlite_drafts import DraftedEntry
from store.db import StoreConnection, transaction
from store.records import STORED_MARC

GROUPS_PER_WRITE = 4  # outbox groups sent to the backend in one call (one transaction)
_MEMBERS_SQL = f"""
SELECT r.id, r.source, r.local_id, r.bib, {STORED_MARC} AS marc, r.call_number, r.restricted,
       r.first_seen, r.updated_at, r.cluster_id, s.name, s.library_type, s.district,
       s.priority, s.restricted AS source_restricted
FROM records r JOIN sources s ON s.code = r.source
WHERE r.deleted = 0 AND r.cluster_id IN ({{marks}})
"""


_LIGHT_SQL = """
SELECT r.id, r.source, r.local_id, r.raw_hash, r.call_number, r.restricted, r.first_seen,
       r.updated_at, r.cluster_id, s.name, s.library_type, s.district, s.priority,
       s.restricted AS source_restricted
FROM records r JOIN sources s ON s.code = r.source
WHERE r.deleted = 0 AND r.cluster_id IN ({marks}) ORDER BY r.cluster_id, r.id
"""
Entry = CatalogDocument | DraftedEntry


@runtime_checkable
class DraftSink(Protocol):
    """A backend that takes entries as rows drafted ahead (``search.sqlite_drafts``)."""

    def upsert_drafted(self, entries: Sequence[Entry]) -> None: ...


@runtime_checkable
class Loader(Protocol):
    """A backend with a cheaper way to take a load into an empty index."""

    def loading(self) -> AbstractContextManager[None]: ...


def loading(backend: SearchBackend) -> AbstractContextManager[None]:
    """Around a bulk load: the backend's ``loading()`` where it has one."""
    return backend.loading() if isinstance(backend, Loader) else nullcontext()


def load_documents(conn: sqlite3.Connection, cluster_ids: Sequence[str]
                   ) -> dict[str, CatalogDocument]:
    """Build the entry of each cluster that still has live members."""
    if not cluster_ids:
        return {}
    rows = conn.execute(_MEMBERS_SQL.format(marks=",".join("?" * len(cluster_ids))),
                        list(cluster_ids)).fetchall()
    groups: dict[str, list[Member]] = {}
    for row in rows:
        groups.setdefault(row["cluster_id"], []).append(_member(row, row["bib"], row["marc"]))
    return {cid: build_document(cid, members) for cid, members in groups.items()}


def load_entries(conn: sqlite3.Connection, cluster_ids: Sequence[str],
                 drafts: dict[int, object]) -> dict[str, Entry]:
    """``load_documents``, taking the draft of a one-record entry when the store still
    says what it was drafted from; bib and MARC are read only for the others."""
    if not cluster_ids:
        return {}
    rows = conn.execute(_LIGHT_SQL.format(marks=",".join("?" * len(cluster_ids))),
                        list(cluster_ids)).fetchall()
    groups: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        groups.setdefault(row["cluster_id"], []).append(row)
    drafted = {cid: _drafted(cid, members, drafts) for cid, members in groups.items()}
    built = _build(conn, {cid: groups[cid] for cid, entry in drafted.items() if entry is None})
    return {cid: entry or built[cid] for cid, entry in drafted.items()}


def _drafted(cluster_id: str, members: list[sqlite3.Row],
             drafts: dict[int, object]) -> DraftedEntry | None:
    row = members[0]
    draft = drafts.get(row["id"]) if len(members) == 1 else None
    if not isinstance(draft, EntryDraft) or draft.key != stored_key(row):
        return None
    return DraftedEntry(cluster_id, row["first_seen"], row["updated_at"], draft.rows)


def _build(conn: sqlite3.Connection, groups: dict[str, list[sqlite3.Row]]
           ) -> dict[str, CatalogDocument]:
    ids = [row["id"] for members in groups.values() for row in members]
    content: dict[int, tuple[str, bytes]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        content.update((r[0], (r[1], r[2])) for r in conn.execute(
            f"SELECT id, bib, {STORED_MARC} FROM records WHERE id IN "
            f"({','.join('?' * len(chunk))})",
            chunk))
    return {cid: build_document(cid, [_member(row, *content[row["id"]]) for row in members])
            for cid, members in groups.items()}


def _member(row: sqlite3.Row, bib: str, marc: bytes) -> Member:
    return Member(record_id=row["id"], source=row["source"], library_name=row["name"],
                  library_type=row["library_type"], district=row["district"],
                  priority=row["priority"], local_id=row["local_id"],
                  bib=Bib.loads(bib), marc=marc, call_number=row["call_number"],
                  restricted=bool(row["restricted"] or row["source_restricted"]),
                  first_seen=row["first_seen"], updated_at=row["updated_at"])


def drain_outbox(conn: sqlite3.Connection, backend: SearchBackend, batch_size: int = 500,
                 progress: Callable[[int], None] | None = None) -> int:
    """Index every queued entry; returns how many were sent.

    Entries are read in groups of ``batch_size`` (outbox order, never across an outbox
    mark), each group's documents in cluster-id order: that order gives the entries their
    places in the backend. Up to ``GROUPS_PER_WRITE`` groups go to the backend in one call,
    since each backend write (a transaction) has a fixed cost."""
    drafts: dict[int, object] = {}
    if isinstance(conn, StoreConnection):
        drafts, conn.drafts_wanted = conn.take_drafts(), isinstance(backend, DraftSink)
    sink = backend if drafts and isinstance(backend, DraftSink) else None
    sent = 0
    for groups in _written_together(_queued(conn, batch_size)):
        entries: list[Entry] = []
        gone: list[str] = []
        for cluster_ids in groups:
            found = (load_entries(conn, cluster_ids, drafts) if sink
                     else load_documents(conn, cluster_ids))
            entries += found.values()
            gone += [cid for cid in cluster_ids if cid not in found]
        if sink:
            sink.upsert_drafted(entries)
        else:
            docs = [e for e in entries if isinstance(e, CatalogDocument)]
            if docs:
                backend.upsert(docs)
        if gone:
            backend.delete(gone)
        done = [cid for cluster_ids in groups for cid in cluster_ids]
        _dequeue(conn, done)
        sent += len(done)
        if progress:
            progress(sent)
    return sent


def _written_together(groups: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    together: list[list[str]] = []
    for group in groups:
        together.append(group)
        if len(together) == GROUPS_PER_WRITE:
            yield together
            together = []
    if together:
        yield together


def _dequeue(conn: sqlite3.Connection, cluster_ids: list[str]) -> None:
    """One statement per chunk and one commit (in autocommit mode each row would commit)."""
    with nullcontext() if conn.in_transaction else transaction(conn):
        for start in range(0, len(cluster_ids), 500):
            chunk = cluster_ids[start:start + 500]
            conn.execute("DELETE FROM index_outbox WHERE cluster_id IN "
                         f"({','.join('?' * len(chunk))})", chunk)


def _queued(conn: sqlite3.Connection, batch_size: int) -> Iterator[list[str]]:
    """The outbox in groups of up to ``batch_size``, none crossing a mark (see
    ``store.db.StoreConnection``); rows are read past, not deleted, so groups can gather."""
    marks = conn.take_marks() if isinstance(conn, StoreConnection) else []
    after = 0
    while True:
        while marks and marks[0] <= after:
            marks.pop(0)
        bound = marks[0] if marks else None
        rows = conn.execute("SELECT rowid, cluster_id FROM index_outbox WHERE rowid > ? AND "
                            "rowid <= coalesce(?, rowid) ORDER BY rowid LIMIT ?",
                            (after, bound, batch_size)).fetchall()
        if not rows:
            if bound is None:
                return
            after = bound
            continue
        after = rows[-1][0]
        yield [r[1] for r in rows]


def requeue_all(conn: sqlite3.Connection) -> int:
    """Queue every live cluster (full re-index)."""
    cur = conn.execute("INSERT OR REPLACE INTO index_outbox (cluster_id, queued_at) "
                       "SELECT DISTINCT cluster_id, strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                       "FROM records WHERE deleted=0 AND cluster_id IS NOT NULL")
    return cur.rowcount
