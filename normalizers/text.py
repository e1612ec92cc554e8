"""Vietnamese-aware text forms: NFC for storage and display, folded for matching.

Folding lowercases, strips combining marks and maps đ/Đ to d (đ has no Unicode
decomposition, so stripping marks alone leaves it). "Nguyễn Du" folds to "nguyen du".
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ı": "i", "ł": "l",
                          "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe",
                          "Œ": "oe", "ß": "ss", "ʻ": "", "ʼ": "", "‘": "", "’": "", "'": ""})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lowercase, strip diacritics, đ -> d. Idempotent."""
    if text.isascii():
        return text.lower().replace("'", "")
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    return unicodedata.normalize("NFC", _MARKS.sub("", decomposed)).lower().translate(_SPECIAL)


def exact(text: str) -> str:
    """Lowercased NFC, diacritics kept: the form that ranks exact-diacritic matches first."""
    return nfc(text).lower()


def has_marks(text: str) -> bool:
    """Whether folding changes more than letter case: the query carries diacritics (or đ)
    that an exact-diacritic match can honour. A query typed without them states no
    preference, so it gets no exact-form boost (which would only rank unaccented records,
    often English transliterations, above the Vietnamese ones)."""
    return not text.isascii() and fold(text) != exact(text)


def words(text: str) -> list[str]:
    """Word tokens of a text (any script), as typed."""
    return _WORD.findall(text)


def _ascii_words_table() -> bytes:
    """A ``bytes.translate`` table of what ``folded_words`` keeps of ASCII: letters
    lowercased, digits and "_" as they are, a blank to split on for anything else."""
    return bytes([ord(char.lower()) if char.isalnum() or char == "_" else ord(" ")
                  for char in map(chr, range(256))])


_ASCII_WORDS = _ascii_words_table()


def folded_words(text: str) -> list[str]:
    """``words(fold(text))``. ASCII text (most of it) is folded and split by a byte
    translation (the apostrophe deleted, as ``fold`` deletes it) and a split, several
    times cheaper than the regular expression scan."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS, b"'").decode("ascii").split()
    return _WORD.findall(fold(text))


_ISBD_ENDS = " /:;,=."
# every character ``str.strip`` takes for a blank (none is past U+3000, as a test checks)
BLANKS = "".join([char for char in map(chr, range(0x3001)) if char.isspace()])
# ISBD ends other than "." (which may end an initial or "...") and blanks
_TRIMMED_AT_ONCE = " /:;,=" + BLANKS


def clean_punctuation(text: str) -> str:
    """Trim ISBD punctuation that MARC subfields carry at their ends (" /", " :", ".")."""
    text = text.strip()
    if not text or text[-1] not in _ISBD_ENDS:  # most values: nothing to trim
        return text
    # the loop below drops these one at a time with the blanks before them: all at once
    text = text.rstrip(_TRIMMED_AT_ONCE)
    while text and text[-1] in _ISBD_ENDS:
        if text.endswith("...") or (text[-1] == "." and _is_initial(text)):
            break
        text = text[:-1].rstrip()
    return text


def _is_initial(text: str) -> bool:
    """'Smith, J.' keeps its final period: one capital letter before it."""
    return len(text) >= 2 and text[-2].isupper() and (len(text) == 2 or not text[-3].isalpha())
