"""The writer's shortcuts give exactly what the plain ways give: orjson for JSON, tuples for
what crosses from the parse workers, a raised GC threshold that is put back."""

from __future__ import annotations

import dataclasses
import gc
import json
from pathlib import Path

import pytest

from app.ingest import Prepared, _pack, _unpack, ingest_records, prepare
from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from normalizers.bib import Bib, json_object
from normalizers.clustering import SingletonClusterer
from normalizers.matchkeys import Profile
from search.document import CatalogDocument, Holding
from search.sqlite_rows import doc_json
from store.db import open_store
from store.sources import Source
from tests.conftest import FIXTURES

ODD_TEXT = "".join(map(chr, range(0x20))) + '"\\ \x7f\u2028\u2029\ufeff Nguyễn 😀'


@pytest.mark.parametrize("text", [
    '{"title":"a","pages":123456789012345678901234567890}',  # orjson: a float
    '{"title":"\\ud800 lone surrogate"}',  # orjson refuses it
    json.dumps({"title": ODD_TEXT, "year": 1999, "isbns": ["x"]}, ensure_ascii=False),
])
def test_json_object_reads_what_json_reads(text: str) -> None:
    assert json_object(text) == json.loads(text)
    assert [type(v) for v in json_object(text).values()] == [
        type(v) for v in json.loads(text).values()]


def test_bib_and_profile_round_trip_through_their_json() -> None:
    bib = Bib(title=ODD_TEXT, pages=2**70, creators=["Nguyễn Văn A"], year=2001)
    assert Bib.loads(bib.dumps()) == bib
    profile = Profile(title=["a", ODD_TEXT], names=[["x", "y"]], pages=7)
    assert Profile.loads(profile.dumps()) == profile


def test_doc_json_is_the_documents_own_json_less_its_marc() -> None:
    holding = Holding("VN-A", "Thư viện A", "provincial", "Hải Châu", "PL 1 .A2", "VN-A:1", True)
    doc = CatalogDocument(id="uc1", title=ODD_TEXT, creators=("Nguyễn",), year=2**70,
                          holdings=(holding,), marc="ghi Việt \x1e".encode(),
                          added="T1")
    lone = dataclasses.replace(doc, year=None, title="\ud800")  # orjson refuses it
    for one in (doc, lone):
        without = json.loads(one.dumps())
        del without["marc"]
        assert doc_json(one) == json.dumps(without, ensure_ascii=False, separators=(",", ":"))
    assert CatalogDocument.loads(doc_json(doc), doc.marc) == doc


def _prepared() -> list[Prepared]:
    source = Source("VN-A", "Thư viện A", "provincial")
    raws = list(read_marc_path(FIXTURES / "lc-vietnamese.mrc"))[:5]
    items = [prepare(raw, "852", False, source.code, source) for raw in raws]
    items.append(prepare(RawRecord(b"00012broken", "iso2709", 9, "x.mrc"), "852", False, "A"))
    items.append(Prepared(RawRecord(b"", "iso2709", 10, "x.mrc", "id1", deleted=True), "id1",
                          deleted=True))
    return items


def test_prepared_items_cross_from_workers_unchanged() -> None:
    items = _prepared()
    assert any(i.draft for i in items) and any(i.error for i in items)
    assert [_unpack(_pack(item)) for item in items] == items


def test_ingest_puts_the_gc_threshold_back(tmp_path: Path) -> None:
    before = gc.get_threshold()
    conn = open_store(tmp_path / "store.sqlite")
    source = Source("VN-A", "Thư viện A")
    conn.execute("INSERT INTO sources (code, name) VALUES (?, ?)", (source.code, source.name))
    counts = ingest_records(conn, source, read_marc_path(FIXTURES / "lc-vietnamese.mrc"),
                            SingletonClusterer(), workers=1)
    assert counts.added == counts.read > 0
    assert gc.get_threshold() == before
