"""normalizers._marcxml (C) writes the same MARCXML fields as the Python path, or leaves
the record to it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from harvesters.marcfile import read_iso2709
from normalizers import splice
from normalizers.decode import decode_iso2709
from normalizers.marc import assemble_iso2709, to_iso2709

ROOT = Path(__file__).resolve().parents[1]
LEADER = "00000nam a2200000 a 4500"


def _both(data: bytes) -> tuple[str | None, str | None]:
    """(C, Python) field elements of a stored record."""
    layout = splice._layout(data)
    assert layout is not None and splice.C_FIELDS_XML is not None
    base, directory = layout
    body = data[base:-1]
    return (splice.C_FIELDS_XML(directory, body),
            splice._fields_xml(splice._tags(directory), body))


def test_the_extension_is_built() -> None:
    assert splice.C_FIELDS_XML is not None  # `make install` builds it (setup.py)


REAL = ["demo/lc-demo.mrc.gz", "tests/fixtures/lc-vietnamese.mrc",
        "tests/fixtures/zebra-sample-marc8.mrc"]


def _stored(name: str) -> list[bytes]:
    """The records of a real file as the store keeps them (our own framing)."""
    with gzip.open(ROOT / name) if name.endswith(".gz") else open(ROOT / name, "rb") as stream:
        return [to_iso2709(decode_iso2709(raw.data).record)
                for raw in read_iso2709(stream)]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", REAL)
def test_real_records_come_out_the_same(name: str) -> None:
    stored = _stored(name)
    written = 0
    for data in stored:
        if splice._layout(data) is None:  # its own 852s: the general path's
            continue
        fast, python = _both(data)
        assert fast is None or fast == python
        written += fast is not None
    assert written >= 0.9 * len(stored)  # the common case is common


ODD = {
    "ampersand": [("245", b"10\x1faTom & Jerry <1> \"quoted\" >")],
    "escaped control data": [("005", b"2024<&>")],
    "code to escape": [("650", b" 0\x1f&x\x1f\"y")],
    "control byte": [("500", b"  \x1fax\x01y")],
    "U+FFFF": [("500", b"  \x1fa\xef\xbf\xbf")],
    "invalid UTF-8": [("500", b"  \x1fa\xc3(")],
    "overlong": [("500", b"  \x1fa\xc0\xaf")],
    "surrogate": [("500", b"  \x1fa\xed\xa0\x80")],
    "non-ASCII code": [("650", b" 0\x1f\xc3\xa1x")],
    "odd indicator": [("520", b"&<\x1fax")],
    "no delimiter after indicators": [("520", b"10ax")],
    "short field": [("520", b"1")],
    "empty subfields": [("650", b" 0\x1f\x1fa\x1f")],
    "tab and newline": [("500", b"  \x1faone\ttwo\nthree\r")],
    "control with delimiter": [("005", b"2024\x1fx")],
    "letter control tag": [("00A", b"data")],
    "symbol tag": [("5#0", b"  \x1fax")],
    "Vietnamese": [("245", "10\x1faTiếng Việt \U0001f4da".encode())],
}


@pytest.mark.parametrize("fields", ODD.values(), ids=ODD.keys())
def test_odd_records_come_out_the_same_or_go_to_python(fields: list[tuple[str, bytes]]) -> None:
    data = assemble_iso2709(LEADER, [("001", b"id\x1e"), *[(t, f + b"\x1e") for t, f in fields],
                                     ("700", "1 \x1faNguyễn Du\x1e".encode())])
    fast, python = _both(data)
    assert fast is None or fast == python


def test_a_body_that_does_not_match_its_directory_goes_to_python() -> None:
    data = assemble_iso2709(LEADER, [("001", b"id\x1e"), ("245", b"10\x1fax\x1ey\x1e")])
    assert _both(data)[0] is None


HOLDINGS = [[], [b"  \x1faVN-DT-001\x1e"],
            [b"  \x1faVN-A\x1fbTh\xc6\xb0 vi\xe1\xbb\x87n\x1fh895 N\x1e", b"  \x1faVN-B\x1e"]]


def _spliced(data: bytes, extra: list[bytes]) -> tuple[bytes | None, bytes | None]:
    """(C, Python) ISO 2709 of a stored record with ``extra`` 852s."""
    assert splice.C_ISO2709 is not None
    return splice.C_ISO2709(data, extra), splice._iso2709(data, extra)


@pytest.mark.parametrize("name", REAL)
def test_real_records_splice_the_same(name: str) -> None:
    stored = _stored(name)
    written = 0
    for number, data in enumerate(stored):
        fast, python = _spliced(data, HOLDINGS[number % len(HOLDINGS)])
        assert fast is None or fast == python
        written += fast is not None
    assert written >= 0.9 * len(stored)


def _framed(leader: str, extra_fields: list[tuple[str, bytes]] = []) -> bytes:  # noqa: B006
    return assemble_iso2709(leader, [("001", b"id\x1e"), ("245", b"10\x1faTitle\x1e"),
                                     *extra_fields])


SPLICE_ODD = {
    "own 852": _framed(LEADER, [("852", b"  \x1faX\x1e")]),
    "852 bytes not at an entry": _framed(LEADER, [("500", b"  \x1fa" + b"x" * 848 + b"\x1e")]),
    "control byte in leader": _framed("00000nam\x01a2200000 a 4500"),
    "letters in length": b"abcde" + _framed(LEADER)[5:],
    "letters in base": _framed(LEADER)[:12] + b"00x25" + _framed(LEADER)[17:],
    "no record terminator": _framed(LEADER)[:-1] + b"\x1e",
    "base past the end": _framed(LEADER)[:12] + b"99999" + _framed(LEADER)[17:],
    "base inside the leader": _framed(LEADER)[:12] + b"00010" + _framed(LEADER)[17:],
    "directory not in 12s": _framed(LEADER)[:12] + b"00048" + _framed(LEADER)[17:],
    "short": b"00010nam\x1d",
}


@pytest.mark.parametrize("data", SPLICE_ODD.values(), ids=SPLICE_ODD.keys())
@pytest.mark.parametrize("extra", HOLDINGS)
def test_odd_frames_splice_the_same_or_go_to_python(data: bytes, extra: list[bytes]) -> None:
    fast, python = _spliced(data, extra)
    assert fast is None or fast == python
    assert splice.iso2709(data, extra) == python


def test_large_holdings_go_to_python() -> None:
    data = _framed(LEADER)
    huge = [b"  \x1fa" + b"x" * 10_000 + b"\x1e"]
    assert _spliced(data, huge)[0] is None
    assert splice.iso2709(data, huge) == splice._iso2709(data, huge)
    many = [b"  \x1fa" + b"y" * 9_000 + b"\x1e"] * 12  # past five offset digits
    assert _spliced(data, many) == (None, None)
