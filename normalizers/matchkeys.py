"""What deduplication compares: a record's ``Profile`` and the match keys that block it.

Keys (kind, key) find candidates in the store; the profile is what the verification rules
in ``normalizers.matching`` read. Both come from the stored, repaired MARC record plus its
``Bib``. Text is folded (``normalizers.text.fold``) and tokenised, so ISBD punctuation,
spacing, NFD/NFC and diacritics do not matter; author keys are sorted name tokens, so
"Nguyễn Văn A" (direct order, 100 0_) and "Nguyen, Van A" (inverted) give the same key.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from normalizers.bib import Bib, json_object, json_text
from normalizers.isbn import isbn13, issn
from normalizers.marc import Field, FieldIndex, Record
from normalizers.text import folded_words

# 035 prefixes whose numbers identify a manifestation network-wide (a library's own
# system number identifies only its own record and is never a key).
TRUSTED_035 = {"ocolc": "oclc", "ocm": "oclc", "ocn": "oclc", "on": "oclc", "dlc": "lccn",
               "vnnlv": "nlv"}
ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l", "der", "die", "das", "el",
                      "il", "lo", "los", "las", "un", "une"})
ABBREVIATIONS = {"dept": "department", "univ": "university", "intl": "international",
                 "natl": "national", "assn": "association", "govt": "government",
                 "vol": "volume", "vols": "volumes", "pt": "part", "st": "saint",
                 "co": "company", "inc": "incorporated", "hist": "history", "amer": "american",
                 "soc": "society", "j": "journal", "proc": "proceedings", "rev": "revised",
                 "ed": "edition", "edn": "edition", "nxb": "nha xuat ban"}
NUMBER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2,
                "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "nhat": 1, "mot": 1, "hai": 2, "ba": 3, "bon": 4,
                "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10}
ENGLISH_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth",
                              "seventh", "eighth", "ninth", "tenth"})
EDITION_NOISE = frozenset({"edition", "ed", "edn", "eds", "tai", "ban", "lan", "thu", "in",
                           "co", "sua", "chua", "bo", "sung", "and", "printing", "print",
                           "impression", "nd", "st", "rd", "th"})
PART_NOISE = frozenset({"tap", "t", "v", "vol", "volume", "volumes", "part", "pt", "phan",
                        "quyen", "q", "no", "number", "so", "book", "bk", "tome", "band",
                        "bd", "heft", "livre", "teil", "chapter", "ch", "tom"})
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ORDINAL = re.compile(r"^([0-9]+)(st|nd|rd|th|e|er|eme|a|o)$")
_NOT_ID024 = re.compile(r"[^0-9A-Za-z./]")
_SYSTEM_NUMBER = re.compile(r"\s*\(([^)]+)\)\s*(.+)")
_OCLC_PREFIX = re.compile(r"^(ocm|ocn|on)")
_MAIN_ENTRY = ("100", "110", "111")
# ABBREVIATIONS as word tuples, for ``tokens`` (a word is kept as itself otherwise)
_SPELLED_OUT = {short: tuple(long.split()) for short, long in ABBREVIATIONS.items()}


@dataclass
class Profile:
    format: str = "book"
    year: int | None = None
    language: str = ""
    title: list[str] = field(default_factory=list)  # filing title $a $b $n $p, tokens
    short: list[str] = field(default_factory=list)  # $a $n $p only (subtitle dropped)
    part: str = ""  # 245 $n $p, normalized
    series_volume: str = ""  # 490/830 $v, normalized
    edition: str = ""  # "n:2" or the edition statement's significant tokens
    pages: int | None = None
    author: list[str] = field(default_factory=list)  # main entry (1XX) name tokens
    names: list[list[str]] = field(default_factory=list)  # every 1XX/7XX name
    isbns: list[str] = field(default_factory=list)  # 020 $a and $z, ISBN-13
    ids: list[str] = field(default_factory=list)  # "kind:key" of trusted identifiers

    def dumps(self) -> str:
        return json_text(self.__dict__)

    @classmethod
    def loads(cls, text: str) -> Profile:
        return cls(**json_object(text))


def profile_of(record: Record | FieldIndex, bib: Bib) -> Profile:
    return _profile(record if isinstance(record, FieldIndex) else FieldIndex(record), bib)


def _profile(record: FieldIndex, bib: Bib) -> Profile:
    title_field = record.first("245")
    title = _title_tokens(title_field, "abnp")
    named = _named(record)
    return Profile(
        format=bib.format, year=bib.year, language=_language(bib.language),
        title=title, short=_short_title(title_field, title),
        part=part_key(" ".join(title_field.values("np")) if title_field else ""),
        series_volume=part_key(_series_volume(record)),
        edition=edition_key(bib.edition), pages=bib.pages,
        author=_main_author(named), names=_names(named),
        isbns=_unique([*bib.isbns, *bib.invalid_isbns]), ids=_ids(record))


def _series_volume(record: FieldIndex) -> str:
    """The 490/830 $v, joined (a loop: see ``normalizers.marc.Field.values``)."""
    parts: list[str] = []
    for fld in record.get_fields("490", "830"):
        parts += fld.values("v")
    return " ".join(parts)


def keys_of(profile: Profile) -> set[tuple[str, str]]:
    """The (kind, key) pairs that find this record's candidates."""
    found = {("isbn", v) for v in profile.isbns}
    found |= {tuple(i.split(":", 1)) for i in profile.ids}  # type: ignore[misc]
    author = " ".join(sorted(profile.author))
    if profile.title:
        found.add(("title", " ".join(profile.title) + "|" + author))
    if profile.short:
        short = " ".join(profile.short)
        found.add(("short", short + "|" + author))
        if profile.year:
            found.add(("tyear", short + "|" + str(profile.year)))
    return found


def tokens(text: str) -> list[str]:
    """Folded word tokens with common abbreviations spelled out and '&' as 'and'."""
    spelled = _SPELLED_OUT
    found = folded_words(text.replace("&", " and "))
    if spelled.keys().isdisjoint(found):  # most texts: no abbreviation to spell out
        return found
    # A word token holds no blank, so word.split() == [word] for all other words.
    return [part for word in found for part in spelled.get(word, (word,))]


def _short_title(title_field: Field | None, title: list[str]) -> list[str]:
    """``_title_tokens(title_field, "anp")``, given the "abnp" tokens: the same words
    unless the title has a $b (a copy, so the two lists stay apart)."""
    if title_field is None or title_field.get("b") is None:
        return list(title)
    return _title_tokens(title_field, "anp")


def _title_tokens(title_field: Field | None, codes: str) -> list[str]:
    if title_field is None:
        return []
    skip = int(title_field.ind2) if title_field.ind2.isdecimal() else 0
    parts: list[str] = []
    for c, v in title_field.subfields:
        if c in codes:  # the non-filing characters come off the first part, if an $a
            parts.append(v[skip:] if c == "a" and not parts else v)
    found = tokens(" ".join(parts))
    while len(found) > 1 and found[0] in ARTICLES:
        found = found[1:]
    return found


def edition_key(statement: str) -> str:
    """'2nd ed.' and 'Second edition' -> 'n:2'; '1st ed.' and '' -> ''; else the words."""
    if not statement:  # most records: no 250
        return ""
    words = folded_words(statement)
    number = _edition_number(words)
    if number is not None:
        return "" if number == 1 else f"n:{number}"
    rest = [ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(w for w in rest if w not in EDITION_NOISE)


def _edition_number(words: list[str]) -> int | None:
    """Digits and ordinals first, then English ordinal words, then 'lần thứ hai'."""
    for word in words:
        if word.isdecimal() or _ORDINAL.match(word):
            return _number(word)
    for word in words:
        if word in ENGLISH_ORDINALS:
            return NUMBER_WORDS[word]
    for before, word in itertools.pairwise(words):
        if before == "thu" and word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
    return None


def part_key(text: str) -> str:
    """'Tập 1', 'v. 1', 'Part I' -> '1'; word parts keep their folded words."""
    if not text:  # most titles and series: no part
        return ""
    found: list[str] = []
    for word in tokens(text):
        if word in PART_NOISE:
            continue
        number = _number(word)
        found.append(str(number) if number is not None else word)
    return " ".join(found)


def _number(word: str) -> int | None:
    if word.isdecimal():  # not isdigit(): "₁" and "²" are digits int() refuses
        return int(word)
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return int(ordinal.group(1))
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    roman = _ROMAN.match(word)
    if roman and word:
        return _roman_value(word)
    return None


def _roman_value(word: str) -> int:
    values = {"i": 1, "v": 5, "x": 10}
    total = 0
    for i, ch in enumerate(word):
        value = values[ch]
        nxt = values[word[i + 1]] if i + 1 < len(word) else 0
        total += -value if value < nxt else value
    return total


def _name_tokens(fld: Field) -> list[str]:
    codes = "a" if fld.tag in ("100", "700") else "ab"
    return sorted(set(tokens(" ".join(fld.values(codes)))))


def _named(record: FieldIndex) -> list[tuple[Field, list[str]]]:
    """Each 1XX and 7XX name field, in record order, with its name tokens."""
    found = []
    for fld in record.get_fields("100", "110", "111", "700", "710", "711"):
        found.append((fld, _name_tokens(fld)))
    return found


def _names(named: list[tuple[Field, list[str]]]) -> list[list[str]]:
    """The name tokens of each name field that has some."""
    found = []
    for _, tokens_of_name in named:
        if tokens_of_name:
            found.append(tokens_of_name)
    return found


def _main_author(named: list[tuple[Field, list[str]]]) -> list[str]:
    """The name tokens of the main entry, the first 1XX (a copy: ``names`` has them too)."""
    for fld, found in named:
        if fld.tag in _MAIN_ENTRY:
            return list(found)
    return []


def _ids(record: FieldIndex) -> list[str]:
    """Trusted identifiers as "kind:key": LCCN (010), system numbers (035), 024s, ISSNs.
    Loops rather than comprehensions: most records have one 010 and none of the rest."""
    found = []
    for fld in record.get_fields("010"):
        for value in fld.values("a"):
            if lccn := normalize_lccn(value):
                found.append("lccn:" + lccn)
    for fld in record.get_fields("035"):
        for value in fld.values("a"):
            if number := system_number(value):
                found.append(number)
    for fld in record.get_fields("024"):
        for value in fld.values("a"):
            if key := _NOT_ID024.sub("", value.split(" (")[0]).upper():
                found.append("id024:" + key)
    for fld in record.get_fields("022"):
        if serial := issn(fld.get("a") or ""):
            found.append("issn:" + serial)
    return _unique(found)


def normalize_lccn(value: str) -> str:
    """LCCN normalization (LC's rules): no blanks, no '/...' suffix, serial zero-padded."""
    text = value.split("/")[0].replace(" ", "").strip().lower()
    if "-" in text:
        head, _, serial = text.partition("-")
        text = head + serial.zfill(6)
    if text.isdigit():  # the usual LCCN: digits only (and so some digit)
        return text
    return text if any(map(str.isdigit, text)) else ""


def system_number(value: str) -> str | None:
    """'(OCoLC)ocm01929242' -> 'oclc:1929242'; untrusted prefixes -> None."""
    match = _SYSTEM_NUMBER.match(value)
    if not match:
        return None
    kind = TRUSTED_035.get(match.group(1).strip().lower())
    number = match.group(2).strip()
    if kind is None:
        return None
    if kind == "oclc":
        digits = _OCLC_PREFIX.sub("", number).lstrip("0")
        return f"oclc:{digits}" if digits.isdigit() else None
    if kind == "lccn":
        return f"lccn:{lccn}" if (lccn := normalize_lccn(number)) else None
    return f"{kind}:{number.lower()}"


def _language(code: str) -> str:
    code = code.strip().lower()
    return code if len(code) == 3 and code.isalpha() and code not in {"und", "zxx",
                                                                       "mul"} else ""


def _unique(values: list[str]) -> list[str]:
    """The non-empty values, each once, in first-seen order (``values`` may be returned)."""
    if len(values) < 2:  # most lists: nothing to compare, so no dict
        return values if values and values[0] else []
    return list(dict.fromkeys(v for v in values if v))


def isbn_key(text: str) -> str | None:
    """Any ISBN form typed by a cataloguer -> the ISBN-13 key."""
    return isbn13(text)
