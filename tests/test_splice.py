"""The spliced serving path gives exactly the bytes of the general (decode + encode) path."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from harvesters.marcfile import read_iso2709
from normalizers import splice
from normalizers.decode import decode_iso2709
from normalizers.export import iso2709_of, marcxml_text_of, record_of
from normalizers.marc import (
    Field,
    Record,
    assemble_iso2709,
    encode_field,
    split_iso2709,
    to_iso2709,
    to_marcxml,
)
from search.document import CatalogDocument, Holding

ROOT = Path(__file__).resolve().parents[1]
HOLDINGS = (Holding("VN-DT-001", "Thư viện tỉnh Đồng Tháp", call_number="959.7 NG-D"),
            Holding("VN-DT-002", "A & B <library>", call_number='"quoted" 1'))


def _general(doc: CatalogDocument) -> tuple[str, bytes]:
    """MARCXML through a decoded ``Record``; ISO 2709 re-assembled from the stored fields."""
    leader, stored = split_iso2709(doc.marc)
    fields = [(tag, data + b"\x1e") for tag, data in stored if tag != "852"]
    fields += [("852", encode_field(f)) for f in record_of(doc).fields if f.tag == "852"]
    return to_marcxml(record_of(doc)).decode("utf-8"), assemble_iso2709(leader, fields)


def _doc(record: Record, holdings: tuple[Holding, ...] = HOLDINGS) -> CatalogDocument:
    return CatalogDocument(id="x", title="t", marc=to_iso2709(record), holdings=holdings)


def _stored(path: Path) -> list[Record]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        return [decode_iso2709(raw.data).record for raw in read_iso2709(stream)][:1500]


@pytest.mark.parametrize("name", ["demo/lc-demo.mrc.gz", "tests/fixtures/lc-vietnamese.mrc",
                                  "tests/fixtures/zebra-sample-marc8.mrc"])
def test_spliced_output_equals_general_path(name: str) -> None:
    records = _stored(ROOT / name)
    assert records
    for record in records:
        doc = _doc(record)
        assert (marcxml_text_of(doc), iso2709_of(doc)) == _general(doc)


ODD_FIELDS = [
    Field("245", "1", "0", [("a", 'Tom & Jerry <1> "quoted" :'), ("c", "x\x01y")]),
    Field("246", " ", " ", [("a", "blank indicators")]),
    Field("500", "\x1f", "#", [("a", "odd indicator")]),
    Field("520", "&", "<", [("a", "escaped indicators")]),
    Field("650", " ", "0", [("&", "odd code"), ('"', "quote code"), ("a", "\ufffe")]),
    Field("00A", data="not a control tag"),
    Field("005", data="2024<&>"),
]


@pytest.mark.parametrize("odd", ODD_FIELDS, ids=lambda f: f.tag)
def test_spliced_output_escapes_like_the_general_path(odd: Field) -> None:
    record = Record("00000nam a2200000 a 4500",
                    [Field("001", data="id"), odd, Field("700", "1", " ", [("a", "Nguyễn Du")])])
    doc = _doc(record)
    assert (marcxml_text_of(doc), iso2709_of(doc)) == _general(doc)


def test_a_record_with_its_own_852_takes_the_general_path() -> None:
    record = Record("00000nam a2200000 a 4500", [
        Field("001", data="id"), Field("852", " ", " ", [("a", "OLD-LIB")]),
        Field("245", "0", "0", [("a", "Title")])])
    doc = _doc(record)
    assert splice.marcxml(doc.marc, []) is None
    assert splice.iso2709(doc.marc, []) is None
    xml, iso = marcxml_text_of(doc), iso2709_of(doc)
    assert (xml, iso) == _general(doc)
    assert "OLD-LIB" not in xml and b"OLD-LIB" not in iso


@pytest.mark.parametrize("data", [b"", b"garbage", b"00010nam a22000300a 4500\x1e\x1d",
                                  b"00050nam a2299999 a 4500" + b"0" * 26])
def test_a_frame_that_is_not_ours_is_refused(data: bytes) -> None:
    assert splice.marcxml(data, []) is None
    assert splice.iso2709(data, []) is None


def test_holdings_written_directly_equal_the_general_field_encoders() -> None:
    from normalizers.export import _holding_field, holding_iso2709, holding_xml
    from normalizers.marc import encode_field, field_xml
    from search.document import Holding

    cases = [Holding("VN-DT-001"), Holding("VN-DT-001", "Thư viện tỉnh Đồng Tháp", "895 N"),
             Holding("A&B", "<Lib> \"quoted\" \x01ctl", "PL4378 .T5\ufffe"),
             Holding("VN-X", "", "call & co"), Holding("", "name only")]
    for holding in cases:
        field = _holding_field(holding.library, holding.library_name, holding.call_number)
        assert holding_xml(holding) == field_xml(field)
        assert holding_iso2709(holding) == encode_field(field)
