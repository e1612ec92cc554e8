"""Cluster assignment: which catalog entry a member record belongs to.

The walking skeleton's ``SingletonClusterer`` gives each record its own entry; the
deduplicating clusterer (same protocol) groups copies of one manifestation. A cluster id
is ``uc`` + the store id of the record that founded it, so it stays stable while any
member remains.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from store.db import now
from store.records import set_cluster


class Clusterer(Protocol):
    # Whether placing uses each record's match profile. Without, ingest neither computes
    # nor stores it (``records.profile`` NULL); whatever places such a record later
    # derives it from the stored MARC (``normalizers.dedup.index_record``).
    @property
    def wants_profiles(self) -> bool: ...

    def batch(self, conn: sqlite3.Connection) -> AbstractContextManager[None]:
        """Scope of many ``place``/``remove`` calls in one transaction (for read caches)."""

    def place(self, conn: sqlite3.Connection, record_id: int,
              profile_json: str | None = None) -> set[str]:
        """(Re)assign a live record; return every cluster id whose entry changed.
        ``profile_json``: its match profile when the caller has just stored it."""

    def place_new(self, conn: sqlite3.Connection, record_id: int, who: tuple[str, str],
                  profile_json: str | None, store: Callable[[str | None], object],
                  keys: Collection[tuple[str, str]] | None = None) -> set[str]:
        """``place`` for a record the store does not have yet, to be stored under
        ``record_id`` as (source, local id) ``who``: ``store(cluster_id)`` stores it, in
        the cluster it founds when that is known beforehand (no UPDATE of the new row),
        else in none. The store ends as after storing, then ``place``. ``keys``: the match
        keys of ``profile_json`` (``normalizers.matchkeys.keys_of``), when already known."""

    def remove(self, conn: sqlite3.Connection, record_id: int) -> set[str]:
        """Take a deleted record out of its cluster; return the changed cluster ids."""


def cluster_id_for(record_id: int) -> str:
    return f"uc{record_id}"


def open_cluster(conn: sqlite3.Connection, record_id: int) -> str:
    cluster_id = cluster_id_for(record_id)
    add_cluster(conn, cluster_id)
    set_cluster(conn, record_id, cluster_id)
    return cluster_id


def add_cluster(conn: sqlite3.Connection, cluster_id: str) -> None:
    conn.execute("INSERT OR IGNORE INTO clusters (id, created_at) VALUES (?,?)",
                 (cluster_id, now()))


def current_cluster(conn: sqlite3.Connection, record_id: int) -> str | None:
    row = conn.execute("SELECT cluster_id FROM records WHERE id=?", (record_id,)).fetchone()
    return str(row[0]) if row and row[0] else None


def drop_if_empty(conn: sqlite3.Connection, cluster_id: str) -> None:
    live = conn.execute("SELECT 1 FROM records WHERE cluster_id=? AND deleted=0 LIMIT 1",
                        (cluster_id,)).fetchone()
    if live is None:
        conn.execute("DELETE FROM clusters WHERE id=?", (cluster_id,))


class SingletonClusterer:
    """One entry per record: the skeleton's behaviour, and dedup switched off."""

    wants_profiles = False

    def batch(self, conn: sqlite3.Connection) -> AbstractContextManager[None]:
        return nullcontext()

    def place(self, conn: sqlite3.Connection, record_id: int,
              profile_json: str | None = None) -> set[str]:
        return {current_cluster(conn, record_id) or open_cluster(conn, record_id)}

    def place_new(self, conn: sqlite3.Connection, record_id: int, who: tuple[str, str],
                  profile_json: str | None, store: Callable[[str | None], object],
                  keys: Collection[tuple[str, str]] | None = None) -> set[str]:
        cluster_id = cluster_id_for(record_id)
        store(cluster_id)
        add_cluster(conn, cluster_id)
        return {cluster_id}

    def remove(self, conn: sqlite3.Connection, record_id: int) -> set[str]:
        cluster_id = current_cluster(conn, record_id)
        if cluster_id is None:
            return set()
        set_cluster(conn, record_id, None)
        drop_if_empty(conn, cluster_id)
        return {cluster_id}
