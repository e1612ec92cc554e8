"""The parse path's fast paths give exactly what the general paths give.

ASCII records skip the per-field decode, a directory that tiles the data is checked instead
of read entry by entry, ``bib_from_record``/``profile_of`` read fields through a tag index
and ``to_iso2709`` encodes an ASCII record in one go. Each is held here to the slower,
simpler code it stands in for, on real records and on damaged variants of them.
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from normalizers import decode
from normalizers.bib import Bib
from normalizers.decode import decode_general, decode_iso2709
from normalizers.marc import (
    Field,
    FieldIndex,
    MarcError,
    Record,
    assemble_iso2709,
    decode_field,
    decode_fields,
    decode_fields_verbatim,
    encode_field,
    to_iso2709,
)
from normalizers.matchkeys import Profile, tokens
from tests.conftest import FIXTURES

_general = decode_general  # ``decode_iso2709`` without its ASCII fast path


def _outcome(decode: object, data: bytes) -> object:
    try:
        decoded = decode(data)  # type: ignore[operator]
    except (MarcError, ValueError) as error:
        return (type(error).__name__, str(error))
    return (decoded.record, decoded.repairs)


def _records(name: str) -> list[bytes]:
    return [r + b"\x1d" for r in (FIXTURES / name).read_bytes().split(b"\x1d") if r.strip()]


def _variants(data: bytes, rng: random.Random) -> list[bytes]:
    """The record, plus damage the fast paths must hand to the general path unchanged."""
    n = len(data)
    reordered = data
    if n > 60:  # swap two directory entries: same fields, not laid out in directory order
        reordered = data[:24] + data[36:48] + data[24:36] + data[48:]
    found = [data, reordered, data.replace(b"\x1e", b"\x1e\x1e", 1),
             data.replace(b"\x1f", b"\x1f\x1f", 2), data[:-1], data + b"junk",
             data[:rng.randrange(1, n)], data[:9] + b" " + data[10:]]
    for junk in (b"\x00", b"\x07", b"\x1e", b"\x1d", "é".encode(), b"\xe2e", b"\xff"):
        at = rng.randrange(24, n)
        found.append(data[:at] + junk + data[at + len(junk):])
    for at in (12, 16, 30, 35):  # base address and directory digits
        for digit in b"0 9X":
            found.append(data[:at] + bytes([digit]) + data[at + 1:])
    return found


@pytest.mark.parametrize("name", ["lc-sample.mrc", "bad_records.mrc", "lc-vietnamese.mrc",
                                  "lc-subscript-digit.mrc"])
def test_decode_matches_the_general_path(name: str) -> None:
    rng = random.Random(7)
    for data in _records(name):
        for variant in _variants(data, rng):
            assert _outcome(decode_iso2709, variant) == _outcome(_general, variant)


@pytest.mark.parametrize("name", ["lc-sample.mrc", "bad_records.mrc", "lc-vietnamese.mrc",
                                  "lc-subscript-digit.mrc"])
def test_iso2709_cut_from_the_input_is_the_encoded_record(name: str) -> None:
    rng = random.Random(11)
    cut = 0
    for data in _records(name):
        for variant in [*_variants(data, rng), data.replace(b"\x1f", b"\x1e\x1f", 1),
                        data.replace(b"\x1e", b"\x1f\x1e", 2), data.replace(b"\x1f", b"", 1)]:
            try:
                decoded = decode_iso2709(variant)
            except (MarcError, ValueError):
                continue
            if decoded.iso2709 is not None:
                assert decoded.encoded() == to_iso2709(decoded.record)
                cut += 1
    assert cut or name != "lc-sample.mrc"  # the others are not ASCII


def _ascii_variants() -> list[bytes]:
    rng = random.Random(5)
    found = []
    for data in _records("lc-sample.mrc")[:80] + _records("bad_records.mrc"):
        found += [v for v in _variants(data, rng) if v.isascii()]
        found += [data.replace(b"\x1f", b"\x1f\x1f", 1), data.replace(b"\x1e", b"\x1f\x1e", 3),
                  data.replace(b"\x1e  \x1f", b"\x1e\x1f \x1f", 1),
                  data.replace(b"\x1e  \x1f", b"\x1e 1", 1), data.replace(b"\x1e", b"\x1f\x1e", 1)]
    return found


def _decoded(data: bytes) -> object:
    try:
        decoded = decode_iso2709(data)
    except (MarcError, ValueError) as error:
        return (type(error).__name__, str(error))
    fields = [list(vars(f).items()) for f in decoded.record.fields]  # attribute order too
    return (decoded.record.leader, fields, decoded.repairs, decoded.iso2709)


def test_c_fields_give_the_python_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    assert decode.C_FIELDS is not None  # `make install` builds it (setup.py)
    variants = _ascii_variants()
    with_c = [_decoded(v) for v in variants]
    plain = _records("lc-sample.mrc")[0]
    assert decode.C_FIELDS(plain.decode(), int(plain[12:17]), Field) is not None
    monkeypatch.setattr(decode, "C_FIELDS", None)
    assert [_decoded(v) for v in variants] == with_c


def test_decode_fields_matches_decode_field() -> None:
    raws = ["10\x1faTitle :\x1fbsub", "\x1faNo indicators", "1\x1fa", "", "1", "12",
            "12\x1f\x1fa\x1f", "ab", "0 \x1fa", "x\x1fa\x1fb"]
    pairs = [(tag, raw) for tag in ("001", "008", "00X", "010", "245", "ABC", "1", "")
             for raw in raws]
    assert decode_fields(pairs) == [decode_field(tag, raw) for tag, raw in pairs]
    for pair in pairs:
        fields, verbatim = decode_fields_verbatim([pair])
        if verbatim:  # may say no when the text does come back (then it is only slower)
            assert encode_field(fields[0]).decode() == pair[1] + "\x1e"


def test_field_index_answers_as_the_record_does() -> None:
    tags = ["001", "008", "020", "100", "245", "260", "264", "490", "650", "700", "830",
            "999"]
    for data in _records("lc-sample.mrc")[:50]:
        record = decode_iso2709(data).record
        index = FieldIndex(record)
        for size in (1, 2, 3):
            for combo in itertools.combinations(tags, size):
                assert list(index.get_fields(*combo)) == record.get_fields(*combo)
        for tag in tags:
            assert index.first(tag) is record.first(tag)
            assert index.control(tag) == record.control(tag)
            assert index.subfield(tag, "a") == record.subfield(tag, "a")


@pytest.mark.parametrize("fields", [
    [Field("001", data="abc"), Field("245", "1", "0", [("a", "Title"), ("c", "me.")])],
    [Field("245", "", "", [("a", "Tiếng Việt"), ("b", "")]), Field("1", data="x")],
    [Field("ABCD", "12", " ", []), Field("650", " ", "0", [("a", "e\u0301")])],
    [],
])
def test_to_iso2709_matches_field_by_field_encoding(fields: list[Field]) -> None:
    record = Record("00000nam a2200000 a 4500", fields)
    expected = assemble_iso2709(record.leader, [(f.tag, encode_field(f)) for f in fields])
    assert to_iso2709(record) == expected


def test_tokens_spell_out_abbreviations() -> None:
    assert tokens("NXB Giáo dục & Dept. of Hist.") == [
        "nha", "xuat", "ban", "giao", "duc", "and", "department", "of", "history"]


@pytest.mark.parametrize("bib", [
    Bib("Tiếng Việt \"quoted\" \\ back\x1f\x7f\u2028 😀", pages=10**30, year=-2**63 - 1),
    Bib("\ud800 lone surrogate", creators=["a"], isbns=[]),
    Bib("", pages=2**64 - 1, notes=["\t\n\r\x00"]),
])
def test_json_text_is_json_dumps(bib: Bib) -> None:
    assert bib.dumps() == json.dumps(vars(bib), ensure_ascii=False, separators=(",", ":"))
    profile = Profile(title=[bib.title], names=[["x", bib.title]], pages=bib.pages)
    assert profile.dumps() == json.dumps(vars(profile), ensure_ascii=False,
                                         separators=(",", ":"))
