"""Entries drafted in the parse worker index exactly as entries built from the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import app.indexer
import app.ingest
from app.entry_drafts import draft_entry
from app.indexer import drain_outbox, load_documents
from app.ingest import ingest_records, prepare
from harvesters.marcfile import read_marc_path
from normalizers.bib import Bib
from normalizers.dedup import DedupClusterer
from search.sqlite_drafts import DraftedEntry
from search.sqlite_fts import SqliteFtsBackend
from search.sqlite_rows import doc_rows
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.conftest import FIXTURES

SOURCES = (Source("VN-A", "Thư viện A", "provincial"),
           Source("VN-B", "Thư viện B", "university", district="Hải Châu"))


def test_bound_draft_rows_equal_the_rows_of_the_built_entry(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "store.sqlite")
    with transaction(conn):
        save_source(conn, SOURCES[1])
    for raw in read_marc_path(FIXTURES / "lc-vietnamese.mrc"):
        record = prepare(raw, "852", False, "VN-B").record
        assert record is not None
        draft = draft_entry(record, Bib.loads(record.bib_json), SOURCES[1])
        with transaction(conn):
            conn.execute("DELETE FROM records")
            conn.execute("INSERT INTO records (id, source, local_id, raw_hash, bib, marc, "
                         "call_number, restricted, cluster_id, first_seen, updated_at) "
                         "VALUES (7, 'VN-B', ?, '', ?, ?, ?, 0, 'uc7', 'T1', 'T2')",
                         (record.local_id, record.bib_json, record.marc, record.call_number))
        built = load_documents(conn, ["uc7"])["uc7"]
        assert draft.rows.bind(3, "uc7", "T1", "T2") == doc_rows(3, built)


def _ingest(tmp_path: Path, name: str, workers: int) -> Path:
    data = tmp_path / name
    conn = open_store(data / "store.sqlite")
    backend = SqliteFtsBackend(data / "index.sqlite")
    with transaction(conn):
        for source in SOURCES:
            save_source(conn, source)

    def drain(_: object) -> None:
        drain_outbox(conn, backend)

    for source, skip in zip(SOURCES, (0, 100), strict=True):
        raws = list(read_marc_path(FIXTURES / "lc-sample.mrc"))[skip:]
        ingest_records(conn, source, raws, DedupClusterer(), workers=workers, after_batch=drain)
    backend.close()
    conn.close()
    return data / "index.sqlite"


def _index(path: Path) -> list[object]:
    conn = sqlite3.connect(path)
    docs = [(r, {k: v for k, v in json.loads(j).items() if k not in ("added", "updated")},
             marc, usmarc)
            for r, j, marc, usmarc in conn.execute(
                "SELECT rowid, json, marc, usmarc FROM docs ORDER BY rowid")]
    tables = [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
              for t in ("ftext", "vals", "holdings")]
    entries = conn.execute("SELECT rowid, id, pub, year, format, language, title_key, "
                           "creator_key FROM entries ORDER BY rowid").fetchall()
    return [docs, entries, *tables]


def test_ingest_with_drafts_indexes_what_ingest_without_them_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.ingest, "CHUNK", 40)  # several chunks, marks and commits
    plain = _index(_ingest(tmp_path, "plain", workers=0))
    monkeypatch.setattr(app.ingest, "BALANCE_START", 1.0)  # every chunk drafted
    used: list[DraftedEntry | None] = []
    original = app.indexer._drafted

    def counting(*args: Any) -> DraftedEntry | None:
        used.append(original(*args))
        return used[-1]

    monkeypatch.setattr(app.indexer, "_drafted", counting)
    drafted = _index(_ingest(tmp_path, "drafted", workers=1))
    assert drafted == plain
    assert sum(entry is not None for entry in used) > 100
    assert len(plain[0]) == 300  # type: ignore[arg-type]


def test_a_draft_the_store_no_longer_matches_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.ingest, "BALANCE_START", 1.0)
    conn = open_store(tmp_path / "store.sqlite")
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    with transaction(conn):
        save_source(conn, SOURCES[0])

    def rename_then_drain(_: object) -> None:
        with transaction(conn):
            conn.execute("UPDATE sources SET name = 'Thư viện mới' WHERE code = 'VN-A'")
        assert conn.drafts
        drain_outbox(conn, backend)

    ingest_records(conn, SOURCES[0], read_marc_path(FIXTURES / "lc-sample.mrc"),
                   DedupClusterer(), workers=1, after_batch=rename_then_drain)
    index = sqlite3.connect(tmp_path / "index.sqlite")
    names = {json.loads(j)["holdings"][0]["library_name"]
             for (j,) in index.execute("SELECT json FROM docs")}
    assert names == {"Thư viện mới"}
    backend.close()
    conn.close()


class _PlainBackend:
    """A backend without ``upsert_drafted`` (as OpenSearch): it gets whole documents."""

    def __init__(self, inner: SqliteFtsBackend) -> None:
        self.inner = inner

    def upsert(self, docs: Any) -> None:
        self.inner.upsert(docs)

    def delete(self, ids: Any) -> None:
        self.inner.delete(ids)


def test_no_drafts_for_a_backend_that_cannot_take_them(tmp_path: Path) -> None:
    conn = open_store(tmp_path / "store.sqlite")
    backend = _PlainBackend(SqliteFtsBackend(tmp_path / "index.sqlite"))
    drain_outbox(conn, backend)  # type: ignore[arg-type]
    assert not conn.drafts_wanted
    balance = app.ingest._Balance(True, True, 0.0)
    for _ in range(4):
        balance.adjust(waited=False, backend_takes_drafts=conn.drafts_wanted)
    assert balance.value == 0.0 and balance.plan() == "plain"
    balance.adjust(waited=False, backend_takes_drafts=True)
    assert balance.value > 0.0
    backend.inner.close()
    conn.close()
