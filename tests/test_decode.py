"""Encoding repair: MARC-8, leader/09 that lies, NFD -> NFC; each repair is named."""

from __future__ import annotations

import unicodedata

import pytest

from harvesters.marcfile import read_marc_path
from normalizers import decode
from normalizers.bib import bib_from_record
from normalizers.marc import MarcError, to_iso2709
from tests.conftest import FIXTURES


def _first(name: str) -> bytes:
    return next(iter(read_marc_path(FIXTURES / name))).data


def test_marc8_record_is_converted_to_utf8() -> None:
    result = decode.decode_iso2709(_first("marc8.dat"))
    assert decode.REPAIR_MARC8_CONVERTED in result.repairs
    assert result.record.leader[9] == "a"
    assert result.record.subfield("245", "c").startswith("by Paul Tournier")


def test_leader_says_marc8_but_data_is_utf8() -> None:
    result = decode.decode_iso2709(_first("utf8_without_leader_flag.dat"))
    assert decode.REPAIR_DECLARED_MARC8_IS_UTF8 in result.repairs


def test_leader_says_utf8_but_data_is_marc8() -> None:
    raw = bytearray(_first("marc8.dat"))
    raw[9] = ord("a")
    result = decode.decode_iso2709(bytes(raw))
    assert decode.REPAIR_DECLARED_UTF8_IS_MARC8 in result.repairs
    text = " ".join(v for f in result.record.fields for _, v in f.subfields)
    assert "\ufffd" not in text


def test_nfd_library_of_congress_record_is_stored_nfc() -> None:
    raws = [r.data for r in read_marc_path(FIXTURES / "lc-vietnamese.mrc")]
    assert any(unicodedata.normalize("NFC", r.decode()) != r.decode() for r in raws)
    for raw in raws:
        result = decode.decode_iso2709(raw)
        for fld in result.record.fields:
            for _, value in fld.subfields:
                assert unicodedata.is_normalized("NFC", value)
    assert decode.REPAIR_NFD in decode.decode_iso2709(raws[0]).repairs


def test_round_trip_keeps_the_record() -> None:
    record = decode.decode_iso2709(_first("lc-sample.mrc")).record
    again = decode.decode_iso2709(to_iso2709(record)).record
    assert again.fields == record.fields
    assert bib_from_record(again).title == bib_from_record(record).title


@pytest.mark.parametrize("raw, reason", [
    (b"00010", "too short"),
    (b"00050nam a2200099 a 4500" + b"0" * 26, "base address"),
    (b"00050nam a2200037 a 4500245001X000000\x1e" + b"x" * 13, "not a number"),
])
def test_unreadable_records_raise_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MarcError, match=reason):
        decode.decode_iso2709(raw)
