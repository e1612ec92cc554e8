"""Ingest into a real store and index: idempotent, updates, deletes, set-aside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.ingest import ingest_records
from harvesters.marcfile import read_marc_path
from normalizers.bib import Bib
from normalizers.decode import decode_iso2709
from normalizers.dedup import DedupClusterer
from normalizers.marc import Record, to_iso2709
from search.query import MatchAll, SearchRequest, Term
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.conftest import FIXTURES, Catalog


def _total(catalog: Catalog, query: Term | MatchAll) -> int:
    return catalog.backend.search(SearchRequest(query=query, size=0)).total


def test_ingest_real_records_and_reingest_changes_nothing(catalog: Catalog) -> None:
    first = catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-001")
    assert (first.read, first.added, first.set_aside) == (300, 300, 0)
    assert _total(catalog, MatchAll()) == 300
    again = catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-001")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 300)
    assert _total(catalog, MatchAll()) == 300


def _modified(raw: bytes, new_title: str, deleted: bool = False) -> bytes:
    record = decode_iso2709(raw).record
    title = record.first("245")
    assert title is not None
    title.subfields = [("a", new_title)]
    if deleted:
        record.leader = record.leader[:5] + "d" + record.leader[6:]
    return to_iso2709(record)


def test_updated_record_replaces_and_deleted_record_leaves(catalog: Catalog,
                                                           tmp_path: Path) -> None:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-001")
    raws = [r.data for r in read_marc_path(FIXTURES / "lc-sample.mrc")]
    changes = tmp_path / "changes.mrc"
    changes.write_bytes(_modified(raws[0], "Zyzzogeton handbook")
                        + _modified(raws[1], "gone", deleted=True))
    counts = catalog.ingest(changes, "VN-DT-001")
    assert (counts.updated, counts.deleted) == (1, 1)
    assert _total(catalog, Term("title", "all", "zyzzogeton")) == 1
    assert _total(catalog, MatchAll()) == 299


def test_unreadable_records_are_set_aside_with_bytes_and_reason(catalog: Catalog,
                                                               tmp_path: Path) -> None:
    good = (FIXTURES / "lc-sample.mrc").read_bytes()
    bad = tmp_path / "mixed.mrc"
    cut = int(good[:5])
    bad.write_bytes(good[:cut] + b"00099xx broken leader\x1d" + good[cut:-200])
    counts = catalog.ingest(bad, "VN-DT-002")
    assert counts.set_aside == 2  # the broken one and the truncated last one
    assert counts.added == 299
    rows = catalog.conn.execute("SELECT reason, raw FROM set_aside ORDER BY position").fetchall()
    assert "bad leader" in rows[0]["reason"] or "leader says" in rows[0]["reason"]
    assert rows[0]["raw"].startswith(b"00099xx")
    assert "truncated" in rows[1]["reason"]


def test_marc8_records_ingest_and_repairs_are_recorded(catalog: Catalog) -> None:
    counts = catalog.ingest(FIXTURES / "zebra-sample-marc8.mrc", "VN-DT-003")
    assert counts.added == counts.read > 0
    catalog.ingest(FIXTURES / "marc8.dat", "VN-DT-004")
    repairs = catalog.conn.execute(
        "SELECT repairs FROM records WHERE source='VN-DT-004'").fetchone()[0]
    assert "MARC-8 converted to UTF-8" in json.loads(repairs)


def test_cli_ingest_and_stats_json(tmp_path: Path) -> None:
    env = {"UNIONCAT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    unioncat = [sys.executable, "-c", "from app.cli import main; main()"]
    done = subprocess.run([*unioncat, "ingest", str(FIXTURES / "lc-vietnamese.mrc"),
                           "--source", "VN-DT-010"], env=env, capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert "120 read, 120 added" in done.stdout and "records/s" in done.stdout
    stats = subprocess.run([*unioncat, "stats", "--json"], env=env, capture_output=True,
                           text=True, cwd=tmp_path, check=True)
    figures = json.loads(stats.stdout)
    assert figures["entries"] == 120
    source = figures["sources"][0]
    assert (source["code"], source["records"], source["deleted"], source["set_aside"]) == (
        "VN-DT-010", 120, 0, 0)
    assert source["last_ingest_at"]


def test_cli_reports_missing_file_clearly(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "ingest",
                           "nope.mrc", "--source", "X"], capture_output=True, text=True,
                          cwd=tmp_path, env={"UNIONCAT_DATA_DIR": str(tmp_path)}, check=False)
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_real_record_with_subscript_digit_is_ingested(catalog: Catalog, tmp_path: Path) -> None:
    """LC record 160,391 numbers a series volume with '₀', which once aborted an ingest."""
    mixed = tmp_path / "mixed.mrc"
    mixed.write_bytes((FIXTURES / "lc-subscript-digit.mrc").read_bytes()
                      + (FIXTURES / "marc8.dat").read_bytes())
    counts = catalog.ingest(mixed, "VN-DT-005")
    assert (counts.read, counts.added, counts.set_aside) == (2, 2, 0)


def test_a_record_that_breaks_normalization_is_set_aside(catalog: Catalog,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug cannot be caused for real once fixed: inject one for a single record."""
    import app.ingest

    real = app.ingest.bib_from_record

    def broken_for_one(record: Record) -> Bib:
        if record.control("001").strip() == "00000006":
            raise ValueError("invalid literal for int()")
        return real(record)

    monkeypatch.setattr(app.ingest, "bib_from_record", broken_for_one)
    counts = catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-006")
    assert (counts.added, counts.set_aside) == (299, 1)
    reason = catalog.conn.execute("SELECT reason FROM set_aside").fetchone()[0]
    assert "could not be normalized" in reason and "ValueError" in reason


def test_a_record_repeated_in_one_batch_is_stored_as_record_by_record(tmp_path: Path) -> None:
    """The writer reads a batch's stored hashes once: a local id met again in the same batch
    (added, changed, deleted, back) must still see its earlier versions."""
    raws = [r.data for r in read_marc_path(FIXTURES / "lc-sample.mrc")][:6]
    stream = tmp_path / "repeats.mrc"
    stream.write_bytes(b"".join([*raws[:3], _modified(raws[1], "Zyzzogeton handbook"),
                                 raws[3], _modified(raws[1], "gone", deleted=True),
                                 *raws[4:], raws[1], raws[2]]))
    stored = []
    for batch_size in (1, 2000):
        conn = open_store(tmp_path / f"store-{batch_size}.sqlite")
        source = Source("VN-A", "Thư viện A")
        with transaction(conn):
            save_source(conn, source)
        counts = ingest_records(conn, source, read_marc_path(stream), DedupClusterer(),
                                batch_size=batch_size)
        assert (counts.added, counts.updated, counts.deleted, counts.unchanged) == (7, 1, 1, 1)
        stored.append(conn.execute("SELECT id, local_id, raw_hash, deleted, cluster_id "
                                   "FROM records ORDER BY id").fetchall())
        conn.close()
    assert [tuple(r) for r in stored[0]] == [tuple(r) for r in stored[1]]
