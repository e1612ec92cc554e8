"""Labelled variants of real MARC records, as different libraries would catalogue them.

Positive variants describe the same manifestation (ISBN-10 vs ISBN-13, hyphens, $z,
ISBD punctuation and spacing, NFD, dropped subtitle, abbreviations, inverted vs direct
name order, no ISBN at all, other 001/035/852). Hard negatives describe another one
(other edition, other volume of a set, same title by another author, a translation, a
reprint in another year). Used by ``bench/dedup_eval.py`` and ``tests/test_dedup*.py``.
"""

from __future__ import annotations

import copy
import random
import re
import unicodedata
from collections.abc import Callable

from normalizers.isbn import isbn10, isbn13
from normalizers.marc import Field, Record

Variant = Callable[[Record, random.Random], Record]


def relabel(record: Record, library: str, number: int) -> Record:
    """The record as library ``library`` holds it: own 001/003/035 and an 852."""
    out = copy.deepcopy(record)
    out.fields = [f for f in out.fields if f.tag not in ("001", "003", "852", "952")
                  and not (f.tag == "035" and _untrusted(f))]
    out.fields.insert(0, Field("001", data=f"{library.lower()}{number:07d}"))
    out.fields.insert(1, Field("003", data=library))
    out.fields.append(Field("035", " ", " ", [("a", f"({library}){number:07d}")]))
    out.fields.append(Field("852", " ", " ", [("a", library), ("h", f"KHO {number}")]))
    out.fields.sort(key=lambda f: f.tag)
    return out


def _untrusted(fld: Field) -> bool:
    value = fld.get("a") or ""
    return not re.match(r"\((OCoLC|DLC)\)", value)


# ----------------------------------------------------------------- positive variants

def isbn_forms(record: Record, rng: random.Random) -> Record:
    """ISBN-13 <-> ISBN-10, hyphens, a qualifier."""
    out = copy.deepcopy(record)
    for fld in out.get_fields("020"):
        fld.subfields = [(c, _isbn_form(v, rng) if c == "a" else v) for c, v in fld.subfields]
    return out


def _isbn_form(value: str, rng: random.Random) -> str:
    thirteen = isbn13(value)
    if thirteen is None:
        return value
    ten = isbn10(thirteen)
    form = ten if ten and len(re.sub(r"[^0-9Xx]", "", value.split(" ")[0])) == 13 else thirteen
    if rng.random() < 0.5:
        form = f"{form[:3]}-{form[3:7]}-{form[7:]}" if len(form) == 13 else \
            f"{form[0]}-{form[1:4]}-{form[4:9]}-{form[9]}"
    return form + rng.choice(["", " (pbk.)", " (hbk.)", " :"])


def isbn_to_z(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("020"):
        fld.subfields = [("z" if c == "a" else c, v) for c, v in fld.subfields]
    return out


def drop_isbn(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    out.fields = [f for f in out.fields if f.tag != "020"]
    return out


def drop_ids(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    out.fields = [f for f in out.fields if f.tag not in ("010", "035")]
    return out


def punctuation(record: Record, rng: random.Random) -> Record:
    """Other ISBD habits: no trailing ' /' ':' ',' '.', doubled or missing spaces."""
    out = copy.deepcopy(record)
    for fld in out.get_fields("245", "260", "264", "300", "250", "100", "700"):
        fld.subfields = [(c, _repunctuate(v, rng)) for c, v in fld.subfields]
    return out


def _repunctuate(value: str, rng: random.Random) -> str:
    value = value.rstrip(" /:;,.") if rng.random() < 0.7 else value
    return value.replace(" ", "  ") if rng.random() < 0.2 else value.replace(" :", ":")


def nfd(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.fields:
        if fld.data is None:
            fld.subfields = [(c, unicodedata.normalize("NFD", v)) for c, v in fld.subfields]
    return out


def drop_subtitle(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("245"):
        fld.subfields = [(c, v) for c, v in fld.subfields if c != "b"]
    return out


ABBREVIATE = (("and", "&"), ("Department", "Dept."), ("University", "Univ."),
              ("volume", "vol."), ("International", "Intl."), ("Association", "Assn."),
              ("Saint", "St."), ("History", "Hist."))


def abbreviate(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("245"):
        subfields = []
        for code, value in fld.subfields:
            for long, short in ABBREVIATE:
                value = re.sub(rf"\b{long}\b", short, value)
            subfields.append((code, value))
        fld.subfields = subfields
    return out


def name_order(record: Record, rng: random.Random) -> Record:
    """'Nguyễn, Văn A' <-> 'Nguyễn Văn A' (direct order, 100 0_)."""
    out = copy.deepcopy(record)
    for fld in out.get_fields("100", "700"):
        name = fld.get("a") or ""
        if "," in name:
            last, _, first = name.rstrip(",. ").partition(",")
            direct = f"{last.strip()} {first.strip()}".strip()
            fld.ind1 = "0"
            fld.subfields = [(c, direct if c == "a" else v) for c, v in fld.subfields]
    return out


def all_caps(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("245"):
        fld.subfields = [(c, v.upper() if c in "ab" else v) for c, v in fld.subfields]
    return out


POSITIVE: tuple[Variant, ...] = (isbn_forms, isbn_to_z, drop_isbn, drop_ids, punctuation, nfd,
                                 drop_subtitle, abbreviate, name_order, all_caps)


def copy_variant(record: Record, rng: random.Random) -> Record:
    """Two to four of the positive changes at once."""
    out = record
    for change in rng.sample(POSITIVE, rng.randint(2, 4)):
        out = change(out, rng)
    return out


# ----------------------------------------------------------------- hard negatives

def _set_year(record: Record, year: int) -> None:
    for fld in record.get_fields("008"):
        data = fld.data or ""
        if len(data) >= 11:
            fld.data = data[:7] + f"{year:04d}" + data[11:]
    for fld in record.get_fields("260", "264"):
        fld.subfields = [(c, re.sub(r"[0-9]{4}", str(year), v) if c == "c" else v)
                         for c, v in fld.subfields]


def year_of(record: Record) -> int:
    data = record.control("008")
    return int(data[7:11]) if len(data) >= 11 and data[7:11].isdigit() else 1990


def _other_isbn(record: Record, shift: int) -> None:
    for fld in record.get_fields("020"):
        new = []
        for code, value in fld.subfields:
            thirteen = isbn13(value)
            if thirteen and code in "az":
                body = f"{(int(thirteen[3:12]) + shift) % 10**9:09d}"
                new.append((code, isbn13(_with_check("978" + body)) or value))
            else:
                new.append((code, value))
        fld.subfields = new


def _with_check(body12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def other_edition(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    out.fields = [f for f in out.fields if f.tag != "250"]
    out.fields.append(Field("250", " ", " ", [("a", rng.choice(["2nd ed.", "3rd ed.",
                                                                 "Tái bản lần thứ 2."]))]))
    _set_year(out, year_of(record) + rng.randint(2, 6))
    _other_isbn(out, 7)
    out.fields.sort(key=lambda f: f.tag)
    return out


def other_volume(record: Record, rng: random.Random) -> Record:
    """Volume 2 of a set: same title, same set ISBN, same year."""
    base = copy.deepcopy(record)
    for fld in base.get_fields("245"):
        fld.subfields = [(c, v) for c, v in fld.subfields if c != "n"] + [("n", "Tập 1.")]
    second = copy.deepcopy(base)
    for fld in second.get_fields("245"):
        fld.subfields = [(c, "Tập 2." if c == "n" else v) for c, v in fld.subfields]
    return second


def as_volume_one(record: Record) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("245"):
        fld.subfields = [(c, v) for c, v in fld.subfields if c != "n"] + [("n", "Tập 1.")]
    return out


def other_author(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    name = rng.choice(["Trần, Văn Giàu", "Smith, Margaret", "Lê Quý Đôn", "Meyer, Karl"])
    out.fields = [f for f in out.fields if f.tag not in ("100", "110", "111", "020", "010",
                                                         "035")]
    out.fields.append(Field("100", "1", " ", [("a", name + ",")]))
    out.fields.sort(key=lambda f: f.tag)
    return out


def translation(record: Record, rng: random.Random) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("008"):
        data = fld.data or ""
        if len(data) >= 38:
            lang = "vie" if data[35:38] != "vie" else "eng"
            fld.data = data[:35] + lang + data[38:]
    for fld in out.get_fields("245"):
        fld.subfields = [(c, ("Bản dịch: " + v) if c == "a" else v) for c, v in fld.subfields]
    out.fields = [f for f in out.fields if f.tag not in ("020", "010", "035")]
    return out


def reprint(record: Record, rng: random.Random) -> Record:
    """Same text reprinted years later; the ISBN is often kept."""
    out = copy.deepcopy(record)
    _set_year(out, year_of(record) + rng.randint(1, 15))
    out.fields = [f for f in out.fields if f.tag not in ("010", "035")]
    return out


NEGATIVE: tuple[Variant, ...] = (other_edition, other_volume, other_author, translation,
                                 reprint)
