"""A first load into an empty SQLite index builds ``vals_key`` once, at the end."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from app.indexer import load_documents
from search.document import CatalogDocument
from search.query import SearchRequest, Term
from search.sqlite_fts import SqliteFtsBackend
from tests.conftest import FIXTURES, Catalog


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}


def _documents(catalog: Catalog) -> list[CatalogDocument]:
    catalog.ingest(FIXTURES / "lc-vietnamese.mrc", "VN-A")
    ids = [r[0] for r in catalog.conn.execute("SELECT DISTINCT cluster_id FROM records")]
    return list(load_documents(catalog.conn, ids).values())


def test_first_load_defers_vals_key_and_builds_it_at_the_end(catalog: Catalog,
                                                             tmp_path: Path) -> None:
    docs = _documents(catalog)
    fresh = SqliteFtsBackend(tmp_path / "fresh.sqlite")
    with fresh.loading():
        assert "vals_key" not in _indexes(fresh.path)
        fresh.upsert(docs)
    assert "vals_key" in _indexes(fresh.path)
    facets = fresh.search(SearchRequest(Term("any", "all", "viet"), facets=("language",)))
    assert facets.total > 0 and facets.facets["language"]
    fresh.close()


def _segments(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(DISTINCT segid) FROM fts_idx").fetchone()[0])


def test_first_load_ends_with_one_fts_segment(catalog: Catalog, tmp_path: Path) -> None:
    docs = _documents(catalog)
    fresh = SqliteFtsBackend(tmp_path / "fresh.sqlite")
    with fresh.loading():
        for start in range(0, len(docs), 10):  # a transaction, so a segment, per call
            fresh.upsert(docs[start:start + 10])
        assert _segments(fresh.path) > 1
    assert _segments(fresh.path) == 1
    found = fresh.search(SearchRequest(Term("any", "all", "viet")))
    assert found.total > 0
    fresh.close()


def test_a_load_into_a_filled_index_keeps_vals_key(catalog: Catalog) -> None:
    _documents(catalog)
    with catalog.backend.loading():
        assert "vals_key" in _indexes(catalog.backend.path)


def test_a_crash_during_a_first_load_is_mended_when_the_index_is_next_opened(
        catalog: Catalog, tmp_path: Path) -> None:
    docs = _documents(catalog)
    loading = SqliteFtsBackend(tmp_path / "crash.sqlite")
    with loading.loading():
        loading.upsert(docs[:5])
        assert "vals_key" not in _indexes(loading.path)
        reopened = SqliteFtsBackend(loading.path)  # as after a kill -9 and a restart
        assert "vals_key" in _indexes(loading.path)
        reopened.close()
    loading.close()


def test_rows_are_the_same_with_and_without_the_deferred_index(catalog: Catalog,
                                                              tmp_path: Path) -> None:
    docs = _documents(catalog)
    deferred = SqliteFtsBackend(tmp_path / "deferred.sqlite")
    with deferred.loading():
        deferred.upsert(docs)
    plain = SqliteFtsBackend(tmp_path / "plain.sqlite")
    plain.upsert(docs)
    for table in ("vals", "entries", "holdings", "ftext"):
        rows = [sqlite3.connect(b.path).execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for b in (deferred, plain)]
        assert rows[0] == rows[1], table
    deferred.close()
    plain.close()


def test_cli_ingest_leaves_vals_key_in_place(tmp_path: Path) -> None:
    env = {"UNIONCAT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "ingest",
                           str(FIXTURES / "lc-sample.mrc"), "--source", "VN-A"], env=env,
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    assert "vals_key" in _indexes(tmp_path / "data" / "index.sqlite")
