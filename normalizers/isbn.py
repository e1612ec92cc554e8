"""ISBN and ISSN: find, validate and normalize (ISBN-13, hyphens and qualifiers dropped)."""

from __future__ import annotations

import re
from operator import mul

_ISBN_SEPARATOR = re.compile(r"(?<=[0-9])[- ](?=[0-9Xx])")
_ISBN_CANDIDATE = re.compile(r"(?<![0-9])(97[89][0-9]{10}|[0-9]{9}[0-9Xx])(?![0-9])")
_ISSN = re.compile(r"\b([0-9]{4})-?([0-9]{3}[0-9Xx])\b")
_WEIGHTS10 = (10, 9, 8, 7, 6, 5, 4, 3, 2)  # the check character's weight is 1
_WEIGHTS13 = (1, 3) * 6 + (1,)


def isbn13(text: str) -> str | None:
    """The valid ISBN-13 in ``text`` ("0-19-852663-6 (pbk.)" -> "9780198526636"), or None."""
    # no hyphen or blank (most 020s): nothing to compact, and no regular expression scan
    compact = _ISBN_SEPARATOR.sub("", text) if "-" in text or " " in text else text
    for candidate in _ISBN_CANDIDATE.findall(compact):
        value = str(candidate).upper()
        if len(value) == 13 and _isbn13_valid(value):
            return value
        if len(value) == 10 and _isbn10_valid(value):
            return _to13(value)
    return None


def isbn10(isbn: str) -> str | None:
    """The ISBN-10 form of a 978 ISBN-13 (979 ones have none)."""
    if len(isbn) != 13 or not isbn.startswith("978"):
        return None
    body = isbn[3:12]
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def _isbn10_valid(value: str) -> bool:
    if not value[:9].isdigit():
        return False
    total: int = sum(map(mul, _WEIGHTS10, map(int, value[:9])))
    return (total + (10 if value[9] == "X" else int(value[9]))) % 11 == 0


def _isbn13_valid(value: str) -> bool:
    total: int = sum(map(mul, _WEIGHTS13, map(int, value)))
    return total % 10 == 0


def _to13(isbn10_value: str) -> str:
    body = "978" + isbn10_value[:9]
    total: int = sum(map(mul, _WEIGHTS13, map(int, body)))  # the first 12 weights
    return body + str((10 - total % 10) % 10)


def issn(text: str) -> str | None:
    """A valid ISSN as NNNN-NNNC, or None."""
    match = _ISSN.search(text)
    if not match:
        return None
    digits = (match.group(1) + match.group(2)).upper()
    total = sum((8 - i) * int(d) for i, d in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return f"{digits[:4]}-{digits[4:]}" if digits[7] == expected else None
