"""Normalized keys for keyword indexes and whole-field values (shared by rows and queries).

A document's values and a query's terms go through the same function, so they meet.
ISBNs are compacted (no hyphens or spaces); an ISBN-13 in the 978 range is also keyed by
its ISBN-10 form and an ISBN-10 by its ISBN-13 form, so either form finds the entry.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from operator import mul

from normalizers.text import fold

WORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "any": ("title", "creator", "subject", "publisher", "series", "classification", "other"),
    "title": ("title",),
    "creator": ("creator",),
    "subject": ("subject",),
    "publisher": ("publisher",),
    "series": ("series",),
    "classification": ("classification",),
}
WORD_INDEXES: frozenset[str] = frozenset(WORD_COLUMNS) - {"any"}
HOLDING_INDEXES: frozenset[str] = frozenset({"library", "library_type", "district"})
FTS_COLUMNS: tuple[str, ...] = WORD_COLUMNS["any"]
EXACT_COLUMNS: tuple[str, ...] = tuple(f"x_{name}" for name in FTS_COLUMNS)

_ISBN = re.compile(r"97[89]\d{10}|\d{9}[\dX]")
_ISBN_SPACING = re.compile(r"[\s\-]")
_NOT_ISBN = re.compile(r"[^0-9X]")  # also what an ISSN key keeps
_ISBN10_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_ISBN13_WEIGHTS = (1, 3) * 6


class _FoldTable(dict[int, str]):
    """``normalizers.text.fold`` per character, computed once per character seen."""

    def __missing__(self, code: int) -> str:
        folded = fold(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fast_fold(text: str) -> str:
    """``fold`` (marks are dropped whatever their order), about ten times faster: one
    table lookup per character, NFC only when something non-ASCII is left. One known
    difference: characters are lowercased one at a time, so a Greek word-final capital
    sigma becomes "σ", not "ς" (``fold("ΟΔΟΣ")`` is "οδος"). The SQLite index and its
    queries both fold with this function, so they agree."""
    if text.isascii():
        return text.lower().replace("'", "")
    folded = text.translate(_FOLD_TABLE)
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded)


def field_key(text: str) -> str:
    """Folded whole-field value with whitespace collapsed: scan and ``==`` compare on it."""
    if text.isascii():  # ``fast_fold`` inlined: most values
        return " ".join(text.lower().replace("'", "").split())
    return " ".join(fast_fold(text).split())


@lru_cache(maxsize=1 << 16)
def value_key(text: str) -> str:
    """``field_key`` remembered: names, subjects and class numbers recur across entries."""
    return field_key(text)


def compact_isbn(value: str) -> str:
    squeezed = _ISBN_SPACING.sub("", value.upper())
    found = _ISBN.match(squeezed)
    return found.group(0) if found else _NOT_ISBN.sub("", squeezed)


def _isbn10_check(nine: str) -> str:
    rest = (11 - sum(map(mul, _ISBN10_WEIGHTS, map(int, nine))) % 11) % 11
    return "X" if rest == 10 else str(rest)


def _isbn13_check(twelve: str) -> str:
    total = sum(map(mul, _ISBN13_WEIGHTS, map(int, twelve)))
    return str((10 - total % 10) % 10)


def isbn_forms(value: str) -> list[str]:
    """Every key an ISBN is indexed under: the compact form plus its 10/13 counterpart."""
    compact = compact_isbn(value)
    if len(compact) == 13 and compact.startswith("978") and compact.isdigit():
        return [compact, compact[3:12] + _isbn10_check(compact[3:12])]
    if len(compact) == 10 and compact[:9].isdigit():
        twelve = "978" + compact[:9]
        return [compact, twelve + _isbn13_check(twelve)]
    return [compact] if compact else []


def keyword_key(index: str, value: str) -> str:
    """The comparable key of one keyword-index value (document side and query side)."""
    if index == "isbn":
        return compact_isbn(value)
    if index == "issn":
        return _NOT_ISBN.sub("", value.upper())
    if index == "id":
        return value.strip()
    return value_key(value)
