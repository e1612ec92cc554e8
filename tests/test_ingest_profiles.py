"""Match profiles are computed at ingest only for a clusterer that uses them (dedup on)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.ingest import ingest_records
from harvesters.marcfile import read_marc_path
from normalizers.clustering import Clusterer, SingletonClusterer
from normalizers.dedup import DedupClusterer
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.conftest import FIXTURES
from tests.dedup_support import entries_of

LIBRARIES = ("VN-DT-001", "VN-DT-010")


def _store(path: Path, clusterer: Clusterer) -> sqlite3.Connection:
    """The same LC sample held by two libraries, ingested with ``clusterer``."""
    conn = open_store(path)
    for code in LIBRARIES:
        source = Source(code, code)
        with transaction(conn):
            save_source(conn, source)
        ingest_records(conn, source, read_marc_path(FIXTURES / "lc-sample.mrc"), clusterer,
                       workers=1)
    return conn


def test_without_dedup_no_profile_or_match_key_is_stored(tmp_path: Path) -> None:
    conn = _store(tmp_path / "off.sqlite", SingletonClusterer())
    records, profiles = conn.execute("SELECT count(*), count(profile) FROM records").fetchone()
    assert records > 0 and profiles == 0
    assert conn.execute("SELECT count(*) FROM match_keys").fetchone()[0] == 0


def test_with_dedup_every_record_has_its_profile_and_keys(tmp_path: Path) -> None:
    conn = _store(tmp_path / "on.sqlite", DedupClusterer())
    records, profiles = conn.execute("SELECT count(*), count(profile) FROM records").fetchone()
    assert records > 0 and profiles == records
    keyed = conn.execute("SELECT count(DISTINCT record_id) FROM match_keys").fetchone()[0]
    assert keyed == records


def test_records_stored_without_profiles_cluster_as_if_dedup_had_been_on(
        tmp_path: Path) -> None:
    """Placing them later derives each profile from the stored MARC: same entries."""
    off = _store(tmp_path / "off.sqlite", SingletonClusterer())
    clusterer = DedupClusterer()
    ids = [r[0] for r in off.execute("SELECT id FROM records ORDER BY id")]
    with transaction(off), clusterer.batch(off):
        for record_id in ids:
            clusterer.place(off, record_id)
    on = _store(tmp_path / "on.sqlite", DedupClusterer())
    entries = entries_of(on)
    assert entries_of(off) == entries
    assert any(len(group) == len(LIBRARIES) for group in entries)  # the copies did merge
