"""MARC21 -> ``Bib``, the common bibliographic model every later step reads."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from normalizers.isbn import isbn13, issn
from normalizers.marc import Field, FieldIndex, Record
from normalizers.text import clean_punctuation

_YEAR = re.compile(r"(1[4-9][0-9]{2}|20[0-9]{2})")
_PAGES = re.compile(r"([0-9]+)\s*(?:p\b|pages|tr\b|trang)", re.IGNORECASE)
# leader/06 (type of record) -> format, for types other than language material (a, t)
_FORMATS = {"m": "computer-file", "e": "map", "f": "map", "c": "score", "d": "score",
            "i": "audio", "j": "audio", "g": "video", "k": "image", "r": "object",
            "p": "mixed"}

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(data: dict[str, Any]) -> str:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``, written by orjson:
    several times faster, and the same text for what a Bib or Profile holds (str, int, None,
    lists of them). json writes what orjson refuses (ints past 64 bits, lone surrogates)."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _JSON.encode(data)


def json_object(text: str) -> dict[str, Any]:
    """``json.loads`` of an object ``json_text`` wrote, read by orjson (about twice as
    fast). orjson refuses lone surrogates and reads integers past 64 bits as floats, which
    a Bib or Profile never holds otherwise: json reads those texts."""
    try:
        data: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        return dict(json.loads(text))
    if any(type(value) is float for value in data.values()):
        return dict(json.loads(text))
    return data


@dataclass
class Bib:
    title: str
    local_id: str = ""
    other_titles: list[str] = field(default_factory=list)  # uniform, varying, added titles
    responsibility: str = ""
    creators: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    publisher: str = ""
    place: str = ""
    year: int | None = None
    edition: str = ""
    isbns: list[str] = field(default_factory=list)
    invalid_isbns: list[str] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    language: str = ""
    format: str = "book"
    classification: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    physical: str = ""
    pages: int | None = None
    volume: str = ""
    notes: list[str] = field(default_factory=list)
    encoding_level: str = " "
    non_filing: int = 0

    def dumps(self) -> str:
        # vars() not asdict(): asdict deep-copies every value and dominated ingest time.
        return json_text(vars(self))

    @classmethod
    def loads(cls, text: str) -> Bib:
        return cls(**json_object(text))


def bib_from_record(record: Record | FieldIndex) -> Bib:
    """``record``'s Bib (pass a ``FieldIndex`` to share it with ``profile_of``)."""
    return _bib(record if isinstance(record, FieldIndex) else FieldIndex(record))


def _bib(record: FieldIndex) -> Bib:
    """The helpers below read ``record`` through a tag index: some 30 lookups per record."""
    title_field = record.first("245")
    fixed = record.control("008")
    publisher, place = _publication(record)
    isbns, invalid_isbns = _isbns(record)
    return Bib(
        title=_title(title_field),
        local_id=record.control("001").strip(),
        other_titles=_other_titles(record),
        responsibility=clean_punctuation(title_field.get("c") or "") if title_field else "",
        creators=_creators(record),
        subjects=_subjects(record),
        publisher=publisher,
        place=place,
        year=_year(record, fixed),
        edition=clean_punctuation(record.subfield("250", "a")),
        isbns=isbns,
        invalid_isbns=invalid_isbns,
        issns=_issns(record),
        identifiers=_identifiers(record),
        language=_language(record, fixed),
        format=_format(record, fixed),
        classification=_classification(record),
        series=_dedupe(_cleaned_texts(record.get_fields("490", "830"), "av")),
        physical=" ".join(clean_punctuation(_join(record, "300", "abc")).split()),
        pages=_pages(record),
        volume=_volume(record),
        notes=_notes(record),
        encoding_level=record.leader[17:18] or " ",
        non_filing=_non_filing(title_field),
    )


def _title(found: Field | None) -> str:
    """The title proper and its other parts, from the 245 (``found``)."""
    if found is None:
        return ""
    parts = []
    for c, v in found.subfields:
        if c in "abfgknps":
            parts.append(clean_punctuation(v))
    title = " : ".join(filter(None, parts[:2]))  # the empty parts left out
    for part in parts[2:]:
        if part:
            title += ". " + part
    return title


def _other_titles(record: FieldIndex) -> list[str]:
    """Uniform (130/240/730), translated (242), varying (246/247) and added (740) titles:
    a title search finds a book by any of them, as cataloguers' Z39.50 targets do."""
    tags = ("130", "240", "242", "246", "247", "730", "740")
    return _dedupe(_cleaned_texts(record.get_fields(*tags), "abnp"))[:10]


def _creators(record: FieldIndex) -> list[str]:
    names = _cleaned_texts(record.get_fields("100", "110", "111"), "abcdq")
    names += _cleaned_texts(record.get_fields("700", "710", "711"), "abcdq")
    return _dedupe(names)


def _cleaned_texts(fields: Sequence[Field], codes: str) -> list[str]:
    """``clean_punctuation(f.text(codes))`` of each field (a loop: see ``Field.values``)."""
    found = []
    for fld in fields:
        found.append(clean_punctuation(fld.text(codes)))
    return found


def _subjects(record: FieldIndex) -> list[str]:
    tags = ("600", "610", "611", "630", "650", "651", "653", "655")
    found = []
    for fld in record.get_fields(*tags):
        parts = []
        for c, v in fld.subfields:
            if c in "abcdtvxyz" and (s := v.strip()):
                parts.append(s)
        found.append(clean_punctuation(" -- ".join(parts)))
    return _dedupe(found)[:30]


def _issns(record: FieldIndex) -> list[str]:
    found = []
    for fld in record.get_fields("022"):
        if value := issn(fld.get("a") or ""):
            found.append(value)
    return _dedupe(found)


def _notes(record: FieldIndex) -> list[str]:
    found = []
    for fld in record.get_fields("500", "520", "505"):
        if text := fld.text("a"):
            found.append(text)
    return found[:10]


def _publication(record: FieldIndex) -> tuple[str, str]:
    """(publisher, place): $b and $a of the first publication 264 or 260 having each,
    found in one pass over those fields."""
    publisher = place = None
    for fld in record.get_fields("264", "260"):
        if fld.tag == "264" and fld.ind2 not in ("1", " "):
            continue
        if publisher is None and (value := fld.get("b")):
            publisher = clean_punctuation(value).strip("[] ")
        if place is None and (value := fld.get("a")):
            place = clean_punctuation(value).strip("[] ")
        if publisher is not None and place is not None:
            break
    return publisher or "", place or ""


def _year(record: FieldIndex, fixed: str) -> int | None:
    """From the 008 (``fixed``), else the first year in a 264/260 $c."""
    if len(fixed) >= 11 and fixed[7:11].isdecimal():
        return int(fixed[7:11])
    for fld in record.get_fields("264", "260"):
        match = _YEAR.search(fld.get("c") or "")
        if match:
            return int(match.group(1))
    return None


def _isbns(record: FieldIndex) -> tuple[list[str], list[str]]:
    """The valid ISBN-13s of the 020s' $a and of their $z, in one pass over the 020s.
    ``c in "a"`` as ``Field.values("a")`` reads it (an empty code is in every string)."""
    valid: list[str] = []
    invalid: list[str] = []
    for fld in record.get_fields("020"):
        for c, raw in fld.subfields:
            if c in "a" and (value := isbn13(raw)):
                valid.append(value)
            if c in "z" and (value := isbn13(raw)):
                invalid.append(value)
    return _dedupe(valid), _dedupe(invalid)


def _identifiers(record: FieldIndex) -> list[str]:
    """010 $a as lccn:..., 035 $a and 024 $a, trimmed: one loop rather than a list and a
    ``Field.values`` call for each field."""
    found = []
    for tag, prefix in (("010", "lccn:"), ("035", ""), ("024", "")):
        for fld in record.get_fields(tag):
            for c, value in fld.subfields:
                if c in "a":  # as ``Field.values("a")`` reads it
                    found.append(prefix + value.strip())
    return _dedupe(found)


def _language(record: FieldIndex, fixed: str) -> str:
    code = fixed[35:38].strip() if len(fixed) >= 38 else ""
    return code or (record.subfield("041", "a")[:3])


def _format(record: FieldIndex, fixed: str) -> str:
    kind, level = record.leader[6:7], record.leader[7:8]
    if kind in "at" and level in "bis":
        return "serial"
    if kind in "at":
        online = len(fixed) > 23 and fixed[23] in "os"
        return "ebook" if online or _is_online(record) else "book"
    return _FORMATS.get(kind, "book")


def _is_online(record: FieldIndex) -> bool:
    fields = record.get_fields("338")  # most records have none: then no generator
    return bool(fields) and any("online" in (f.get("a") or "") for f in fields)


def _classification(record: FieldIndex) -> list[str]:
    found = []
    for fld in record.get_fields("082", "080", "084"):
        if s := fld.text("a").strip():
            found.append(s)
    for fld in record.get_fields("050"):
        if s := fld.text("ab").replace(" ", "").strip():
            found.append(s)
    return _dedupe(found)


def _pages(record: FieldIndex) -> int | None:
    match = _PAGES.search(record.subfield("300", "a"))
    return int(match.group(1)) if match else None


def _volume(record: FieldIndex) -> str:
    parts = []
    for fields, codes in ((record.get_fields("245"), "np"),
                          (record.get_fields("490", "830"), "v")):
        for fld in fields:
            for value in fld.values(codes):
                if value.strip():
                    parts.append(clean_punctuation(value))
    return " ".join(parts)


def _non_filing(found: Field | None) -> int:
    """The 245's second indicator: characters of the title that do not file."""
    return int(found.ind2) if found and found.ind2.isdecimal() else 0


def _join(record: FieldIndex, tag: str, codes: str) -> str:
    found = record.first(tag)
    return found.text(codes) if found else ""


def _dedupe(values: list[str]) -> list[str]:
    """The non-empty values, each once, in first-seen order (``values`` may be returned)."""
    if len(values) < 2:  # most lists: nothing to compare, so no dict
        return values if values and values[0] else []
    found = dict.fromkeys(values)
    found.pop("", None)
    return list(found)
