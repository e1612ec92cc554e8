"""Clustering in a real SQLite store: entries, holdings, departures, stable ids, overrides."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ingest import ingest_records
from bench import dedup_variants as v
from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from normalizers import overrides
from normalizers.dedup import DedupClusterer
from normalizers.marc import Record
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.dedup_support import (
    AGAINST_THE_FLOOD,
    FIXTURES,
    SPRING_ESSENCE,
    entries_of,
    raw,
    real,
)

LIBS = ("VN-DT-001", "VN-DT-010", "VN-DT-020")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = open_store(tmp_path / "store.sqlite")
    with transaction(connection):
        for code in (*LIBS, "VN-DT-030"):
            save_source(connection, Source(code, code))
    yield connection
    connection.close()


def _ingest(conn: sqlite3.Connection, code: str, raws: list[RawRecord]) -> None:
    ingest_records(conn, Source(code, code), raws, DedupClusterer())


def _copy(record: Record, code: str, n: int, seed: int) -> RawRecord:
    return raw(v.relabel(v.copy_variant(record, random.Random(seed)), code, n))


def _entry(conn: sqlite3.Connection, source: str, local_id: str) -> str:
    row = conn.execute("SELECT cluster_id FROM records WHERE source=? AND local_id=?",
                       (source, local_id)).fetchone()
    return str(row[0])


def test_three_libraries_same_records_give_one_entry_each(conn: sqlite3.Connection) -> None:
    for code in LIBS:
        ingest_records(conn, Source(code, code), read_marc_path(FIXTURES / "lc-sample.mrc"),
                       DedupClusterer())
    sizes = [r[0] for r in conn.execute(
        "SELECT count(*) FROM records GROUP BY cluster_id")]
    assert len(sizes) == 300 and set(sizes) == {3}


def test_variant_copies_join_and_hard_negatives_stay_apart(conn: sqlite3.Connection) -> None:
    base = real(AGAINST_THE_FLOOD)
    _ingest(conn, LIBS[0], [raw(v.relabel(base, LIBS[0], 1))])
    _ingest(conn, LIBS[1], [_copy(base, LIBS[1], 1, 1)])
    _ingest(conn, LIBS[2], [_copy(base, LIBS[2], 1, 2)])
    _ingest(conn, "VN-DT-030", [raw(v.relabel(v.other_edition(base, random.Random(3)),
                                              "VN-DT-030", 1))])
    entries = entries_of(conn)
    assert len(entries) == 2
    assert max(len(e) for e in entries) == 3


def test_one_record_per_source_in_an_entry(conn: sqlite3.Connection) -> None:
    base = real(SPRING_ESSENCE)
    _ingest(conn, LIBS[0], [raw(v.relabel(base, LIBS[0], 1)), raw(v.relabel(base, LIBS[0], 2))])
    assert len(entries_of(conn)) == 2


def test_result_does_not_depend_on_ingest_order(tmp_path: Path) -> None:
    bases = [real(AGAINST_THE_FLOOD), real(SPRING_ESSENCE)]
    data = {code: [_copy(b, code, i, seed=i * 10 + n) for i, b in enumerate(bases, 1)]
            for n, code in enumerate(LIBS)}
    results = []
    for order in (LIBS, tuple(reversed(LIBS))):
        conn = open_store(tmp_path / f"{order[0]}.sqlite")
        with transaction(conn):
            for code in LIBS:
                save_source(conn, Source(code, code))
        for code in order:
            _ingest(conn, code, data[code])
        results.append(entries_of(conn))
        conn.close()
    assert results[0] == results[1] and len(results[0]) == 2


def test_ids_stay_stable_and_departures_are_rechecked(conn: sqlite3.Connection) -> None:
    base = real(AGAINST_THE_FLOOD)
    founder = raw(v.relabel(base, LIBS[0], 1))
    _ingest(conn, LIBS[0], [founder])
    _ingest(conn, LIBS[1], [_copy(base, LIBS[1], 1, 1)])
    _ingest(conn, LIBS[2], [_copy(base, LIBS[2], 1, 2)])
    entry = _entry(conn, LIBS[0], "vn-dt-0010000001")
    _ingest(conn, LIBS[0], [RawRecord(b"", "iso2709", 1, local_id="vn-dt-0010000001",
                                      deleted=True)])
    assert _entry(conn, LIBS[1], "vn-dt-0100000001") == entry  # the founder left, id stays
    assert len(entries_of(conn)) == 1
    changed = v.relabel(v.reprint(base, random.Random(1)), LIBS[2], 1)  # now another year
    _ingest(conn, LIBS[2], [raw(changed, 2)])
    assert _entry(conn, LIBS[1], "vn-dt-0100000001") == entry
    assert _entry(conn, LIBS[2], "vn-dt-0200000001") != entry
    _ingest(conn, LIBS[0], [founder])  # comes back: rejoins its old entry
    assert _entry(conn, LIBS[0], "vn-dt-0010000001") == entry


def test_a_record_that_leaves_lets_a_waiting_copy_in(conn: sqlite3.Connection) -> None:
    base = real(SPRING_ESSENCE)
    _ingest(conn, LIBS[0], [raw(v.relabel(base, LIBS[0], 1))])
    _ingest(conn, LIBS[1], [_copy(base, LIBS[1], 1, 1)])
    _ingest(conn, LIBS[0], [raw(v.relabel(base, LIBS[0], 2))])  # second copy, same library
    assert len(entries_of(conn)) == 2
    _ingest(conn, LIBS[0], [RawRecord(b"", "iso2709", 1, local_id="vn-dt-0010000001",
                                      deleted=True)])
    assert entries_of(conn) == {frozenset({"VN-DT-010:vn-dt-0100000001",
                                         "VN-DT-001:vn-dt-0010000002"})}


def test_split_and_merge_overrides_survive_reharvest(conn: sqlite3.Connection) -> None:
    base = real(AGAINST_THE_FLOOD)
    first, second = raw(v.relabel(base, LIBS[0], 1)), _copy(base, LIBS[1], 1, 1)
    _ingest(conn, LIBS[0], [first])
    _ingest(conn, LIBS[1], [second])
    a, b = "VN-DT-001:vn-dt-0010000001", "VN-DT-010:vn-dt-0100000001"
    assert len(entries_of(conn)) == 1
    with transaction(conn):
        overrides.split(conn, a, b, "two printings")
    assert len(entries_of(conn)) == 2
    changed = v.relabel(v.punctuation(base, random.Random(9)), LIBS[1], 1)
    _ingest(conn, LIBS[1], [raw(changed, 2)])  # re-harvested with changes
    assert len(entries_of(conn)) == 2
    with transaction(conn):
        overrides.forget(conn, a, b)
        assert len(entries_of(conn)) == 1
    reprint = raw(v.relabel(v.reprint(base, random.Random(2)), LIBS[2], 1))
    _ingest(conn, LIBS[2], [reprint])
    assert len(entries_of(conn)) == 2
    with transaction(conn):
        overrides.merge(conn, a, "VN-DT-020:vn-dt-0200000001", "same book, year typo")
    assert len(entries_of(conn)) == 1
    _ingest(conn, LIBS[2], [raw(v.relabel(v.nfd(v.reprint(base, random.Random(2)),
                                                random.Random(1)), LIBS[2], 1), 3)])
    assert len(entries_of(conn)) == 1
    assert overrides.explain(conn, a, "VN-DT-020:vn-dt-0200000001")["override"] == "merge"


def test_merge_refuses_two_records_of_one_library(conn: sqlite3.Connection) -> None:
    base = real(SPRING_ESSENCE)
    _ingest(conn, LIBS[0], [raw(v.relabel(base, LIBS[0], 1)), raw(v.relabel(base, LIBS[0], 2))])
    with pytest.raises(overrides.OverrideError), transaction(conn):
        overrides.merge(conn, "VN-DT-001:vn-dt-0010000001", "VN-DT-001:vn-dt-0010000002")
