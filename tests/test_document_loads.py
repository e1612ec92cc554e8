"""CatalogDocument.loads (the hot path of every result page) round-trips ``dumps`` and is
as strict as the dataclass constructor."""

from __future__ import annotations

import json

import pytest

from search.document import CatalogDocument, Holding

DOC = CatalogDocument(id="uc1", title="Truyện Kiều", creators=("Nguyễn Du",),
                      subjects=("Thơ",), year=1820, marc=b"00000nam a2200000 a 4500\x1d",
                      holdings=(Holding("VN-A", "Thư viện A", call_number="895.9"),
                                Holding("VN-B", "Thư viện B", restricted=True)))


def test_loads_round_trips_dumps() -> None:
    assert CatalogDocument.loads(DOC.dumps()) == DOC
    bare = CatalogDocument(id="uc2", title="t")
    assert CatalogDocument.loads(bare.dumps()) == bare


def test_a_missing_required_field_is_an_error() -> None:
    data = json.loads(DOC.dumps())
    del data["title"]
    with pytest.raises(TypeError, match="needs title"):
        CatalogDocument.loads(json.dumps(data))


def test_an_unknown_field_is_an_error() -> None:
    data = json.loads(DOC.dumps())
    data["holdings"][0]["shelf"] = "A1"
    with pytest.raises(TypeError, match="has no field shelf"):
        CatalogDocument.loads(json.dumps(data))
