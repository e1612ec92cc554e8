"""The ingest worker's shortcuts in ``normalizers`` give exactly what the plain code gives.

Each shortcut (ASCII word folding, ISBD trimming, ISBN checks, one-pass Bib helpers,
shared title and name tokens) is held to the simpler code it replaced, on the fixture
records, on damaged and re-punctuated variants of their values, and on random text.
"""

from __future__ import annotations

import contextlib
import random
import re
import sys

import pytest

from normalizers import bib, matchkeys
from normalizers.decode import decode_iso2709
from normalizers.isbn import isbn13
from normalizers.marc import Field, FieldIndex, MarcError, Record
from normalizers.text import BLANKS, clean_punctuation, fold, folded_words, words
from tests.conftest import FIXTURES

_ODD = " /:;,=.\t\n\x1c\x85\xa0\u3000aAzZ09_'&-ÉéđĐΣσς\u0301\u0323İ[]()x.J"


def _records() -> list[Record]:
    found = []
    for name in ("lc-sample.mrc", "lc-vietnamese.mrc", "lc-subscript-digit.mrc",
                 "bad_records.mrc"):
        for data in (FIXTURES / name).read_bytes().split(b"\x1d"):
            with contextlib.suppress(MarcError, ValueError):
                found.append(decode_iso2709(data + b"\x1d").record)
    return found


def _values() -> list[str]:
    rng = random.Random(5)
    found = [v for record in _records() for f in record.fields for _, v in f.subfields]
    found += ["".join(rng.choice(_ODD) for _ in range(rng.randint(0, 12)))
              for _ in range(20000)]
    found += [prefix + chr(code) + suffix for code in range(0x3001)
              for prefix, suffix in (("ab ", ""), ("A", "."), ("", "x /"))]
    return found


VALUES = _values()


def _clean_punctuation(text: str) -> str:
    text = text.strip()
    while text and text[-1] in " /:;,=.":
        if text.endswith("...") or (text[-1] == "." and len(text) >= 2 and text[-2].isupper()
                                    and (len(text) == 2 or not text[-3].isalpha())):
            break
        text = text[:-1].rstrip()
    return text


def _isbn13(text: str) -> str | None:
    compact = re.sub(r"(?<=[0-9])[- ](?=[0-9Xx])", "", text)
    for found in re.findall(r"(?<![0-9])(97[89][0-9]{10}|[0-9]{9}[0-9Xx])(?![0-9])", compact):
        value = str(found).upper()
        if len(value) == 13 and sum(int(d) * (1 if i % 2 == 0 else 3)
                                    for i, d in enumerate(value)) % 10 == 0:
            return value
        if len(value) == 10 and sum((10 - i) * (10 if c == "X" else int(c))
                                    for i, c in enumerate(value)) % 11 == 0:
            body = "978" + value[:9]
            total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
            return body + str((10 - total % 10) % 10)
    return None


def test_blanks_are_every_character_str_strip_takes() -> None:
    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert every == BLANKS


def test_text_shortcuts_match_the_plain_code() -> None:
    for value in VALUES:
        assert folded_words(value) == words(fold(value)), value
        assert clean_punctuation(value) == _clean_punctuation(value), value


def test_isbn13_matches_the_plain_code() -> None:
    rng = random.Random(9)
    texts = [v for v in VALUES if any(c.isdigit() for c in v)]
    texts += ["".join(rng.choice("0123456789Xx- (pbk)978") for _ in range(rng.randint(0, 25)))
              for _ in range(50000)]
    for text in texts:
        assert isbn13(text) == _isbn13(text), text


def _variants(record: Record, rng: random.Random) -> list[Record]:
    """The record, and copies with odd subfield codes, values and indicators."""
    found = [record]
    for _ in range(3):
        fields = []
        for f in record.fields:
            if f.data is not None:
                fields.append(f)
                continue
            subfields = [(rng.choice(["", "a", "b", "z", "n", "p", c, c, c]),
                          rng.choice([v, v, v, "", " [x] ", v + " /", "Nguyễn, V. A."]))
                         for c, v in f.subfields]
            ind2 = rng.choice([f.ind2, f.ind2, " ", "1", "4", "x"])
            fields.append(Field(f.tag, f.ind1, ind2, subfields))
        found.append(Record(record.leader, fields))
    return found


def _publication(index: FieldIndex, code: str) -> str:
    for fld in index.get_fields("264", "260"):
        if fld.tag == "264" and fld.ind2 not in ("1", " "):
            continue
        value = fld.get(code)
        if value:
            return clean_punctuation(value).strip("[] ")
    return ""


def _identifiers(index: FieldIndex) -> list[str]:
    found = [f"lccn:{v.strip()}" for f in index.get_fields("010") for v in f.values("a")]
    found += [v.strip() for f in index.get_fields("035") for v in f.values("a")]
    found += [v.strip() for f in index.get_fields("024") for v in f.values("a")]
    return list(dict.fromkeys(v for v in found if v))


def _title_tokens(title_field: Field | None, codes: str) -> list[str]:
    if title_field is None:
        return []
    skip = int(title_field.ind2) if title_field.ind2.isdecimal() else 0
    parts = [v[skip:] if c == "a" and i == 0 else v
             for i, (c, v) in enumerate((c, v) for c, v in title_field.subfields if c in codes)]
    found = matchkeys.tokens(" ".join(parts))
    while len(found) > 1 and found[0] in matchkeys.ARTICLES:
        found = found[1:]
    return found


@pytest.mark.parametrize("part", range(4))
def test_bib_and_profile_helpers_match_the_plain_code(part: int) -> None:
    rng = random.Random(part)
    records = _records()
    for record in records[part::4]:
        for variant in _variants(record, rng):
            index = FieldIndex(variant)
            found = bib.bib_from_record(index)
            assert (found.publisher, found.place) == (_publication(index, "b"),
                                                      _publication(index, "a"))
            for kept, code in ((found.isbns, "a"), (found.invalid_isbns, "z")):
                assert kept == list(dict.fromkeys(
                    v for f in index.get_fields("020") for raw in f.values(code)
                    if (v := isbn13(raw))))
            assert found.identifiers == _identifiers(index)
            profile = matchkeys.profile_of(index, found)
            title_field = index.first("245")
            assert profile.title == _title_tokens(title_field, "abnp")
            assert profile.short == _title_tokens(title_field, "anp")
            assert profile.short is not profile.title
            names = [matchkeys._name_tokens(f) for f in index.get_fields(
                "100", "110", "111", "700", "710", "711")]
            assert profile.names == [n for n in names if n]
            main = next(iter(index.get_fields("100", "110", "111")), None)
            assert profile.author == (matchkeys._name_tokens(main) if main else [])
            assert matchkeys.edition_key("") == ""
