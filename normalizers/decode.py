"""Raw bytes to a clean UTF-8, NFC ``Record``, repairing and recording encoding faults.

Real feeds often declare one encoding in leader/09 and carry the other; Library of
Congress records come in NFD. Every repair is named so it can be counted and shown.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from pymarc.marc8 import MARC8ToUnicode

from normalizers.marc import (
    Field,
    MarcError,
    Record,
    decode_field,
    decode_fields_verbatim,
    fix_leader,
    split_iso2709,
    tiled_fields,
    to_iso2709,
)

REPAIR_DECLARED_UTF8_IS_MARC8 = "leader/09 says UTF-8 but data is MARC-8: converted"
REPAIR_DECLARED_MARC8_IS_UTF8 = "leader/09 says MARC-8 but data is UTF-8: read as UTF-8"
REPAIR_MARC8_CONVERTED = "MARC-8 converted to UTF-8"
REPAIR_BAD_UTF8 = "invalid UTF-8 bytes replaced"
REPAIR_NFD = "decomposed (NFD) text composed to NFC"
REPAIR_CONTROL_CHARS = "control characters removed"


_CONTROL = re.compile(r"[\x00-\x1e]")
_CFields = Callable[[str, int, type[Field]], tuple[list[Field], bool, int] | None]


def _c_fields() -> _CFields | None:
    """``normalizers._iso2709.fields`` (built by ``pip install``, see setup.py): the common
    case of ``_decode_ascii`` in C, None where it is not the common case."""
    try:
        module = importlib.import_module("normalizers._iso2709")
    except ImportError:
        return None
    found: _CFields = module.fields
    return found


C_FIELDS = _c_fields()


@dataclass
class Decoded:
    record: Record
    repairs: list[str] = field(default_factory=list)
    # ``to_iso2709(record)`` when the decoder could cut it from the input (most records)
    iso2709: bytes | None = None

    def encoded(self) -> bytes:
        """``to_iso2709(self.record)``, cut from the input when that is the same."""
        return self.iso2709 if self.iso2709 is not None else to_iso2709(self.record)


def decode_iso2709(data: bytes) -> Decoded:
    """Parse and repair one ISO 2709 record; raises MarcError if it cannot be read."""
    if data.isascii():  # most records: no encoding question, no NFC work
        fast = _decode_ascii(data)
        if fast is not None:
            return fast
    return decode_general(data)


def decode_general(data: bytes) -> Decoded:
    """``decode_iso2709`` for any record (the fast path's reference, tested against it)."""
    leader, raw_fields = split_iso2709(data)
    if not raw_fields:
        raise MarcError("record has no fields")
    encoding, repairs = _choose_encoding(leader, data)
    changed: set[str] = set()
    fields = [decode_field(tag, _clean(_decode_bytes(raw, encoding), changed))
              for tag, raw in raw_fields]
    return Decoded(Record(leader[:9] + "a" + leader[10:], fields), repairs + sorted(changed))


def _decode_ascii(data: bytes) -> Decoded | None:
    """``decode_iso2709`` for an all-ASCII record with a well-formed frame (all-digit
    directory, fields inside the record): one decode and slices of it instead of a decode
    per field. ASCII reads as UTF-8 under either leader/09 and needs no NFC. Anything
    else is None, and the general path decides (and words the errors)."""
    text = data.decode("ascii")
    base_text = text[12:17]
    if len(text) < 24 or not base_text.isdigit():
        return None
    base = int(base_text)
    directory = text[24:base - 1]
    if base < 25 or base > len(text) or len(directory) % 12 or not directory.isdigit():
        return None
    found = C_FIELDS(text, base, Field) if C_FIELDS else None
    if found is not None:  # tiled, no control characters: as the lines below would do
        return _ascii_decoded(data, text, base, *found, set())
    tiled = tiled_fields(text, base, directory)
    raws = tiled[0] if tiled else _entry_fields(text, base, directory)
    if raws is None:
        return None
    changed: set[str] = set()
    if _CONTROL.search("".join([raw for _, raw in raws])):  # rare: clean field by field
        raws = [(tag, _clean(raw, changed)) for tag, raw in raws]
    fields, verbatim = decode_fields_verbatim(raws)
    return _ascii_decoded(data, text, base, fields, verbatim and tiled is not None,
                          tiled[1] if tiled else 0, changed)


def _ascii_decoded(data: bytes, text: str, base: int, fields: list[Field], verbatim: bool,
                   length: int, changed: set[str]) -> Decoded:
    """The record; when its fields are tiled (``length`` long together) and each reads
    back to its text, its ISO 2709 cut from ``data`` (what ``to_iso2709`` would write)."""
    leader = text[:9] + "a" + text[10:24]
    encoded = None
    if verbatim and not changed:
        end = base + length
        encoded = b"".join([fix_leader(leader, end + 1, base).encode("ascii"),
                            data[24:base - 1], b"\x1e", data[base:end], b"\x1d"])
    return Decoded(Record(leader, fields), sorted(changed), encoded)


def _entry_fields(text: str, base: int, directory: str) -> list[tuple[str, str]] | None:
    """(tag, text) pairs as ``split_iso2709`` reads them (directory all digits), or None
    if a field runs past the end of the record."""
    raws = []
    size = len(text)
    for pos in range(0, len(directory), 12):
        start = base + int(directory[pos + 7:pos + 12])
        end = start + int(directory[pos + 3:pos + 7])
        if end > size:
            return None
        raws.append((directory[pos:pos + 3], text[start:end].rstrip("\x1e")))
    return raws


def _choose_encoding(leader: str, data: bytes) -> tuple[str, list[str]]:
    body = data[24:]
    valid_utf8 = _is_utf8(body)
    if leader[9] == "a":
        if valid_utf8:
            return "utf-8", []
        if b"\x1b" in body or _looks_marc8(body):
            return "marc-8", [REPAIR_DECLARED_UTF8_IS_MARC8]
        return "utf-8-replace", [REPAIR_BAD_UTF8]
    if body.isascii():
        return "utf-8", []
    if valid_utf8 and b"\x1b" not in body:
        return "utf-8", [REPAIR_DECLARED_MARC8_IS_UTF8]
    return "marc-8", [REPAIR_MARC8_CONVERTED]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_marc8(data: bytes) -> bool:
    """MARC-8 combining marks (0xE0-0xFE) precede an ASCII base letter."""
    return any(0xE0 <= data[i] <= 0xFE and 0x41 <= data[i + 1] <= 0x7A
               for i in range(len(data) - 1))


def _decode_bytes(raw: bytes, encoding: str) -> str:
    if encoding == "utf-8":
        return raw.decode("utf-8")
    if encoding == "utf-8-replace":
        return raw.decode("utf-8", "replace")
    # The converter drops the 0x1F subfield delimiter, so convert between delimiters.
    converter = MARC8ToUnicode(quiet=True)
    return "\x1f".join(
        str(converter.translate(chunk))  # type: ignore[no-untyped-call]
        for chunk in raw.split(b"\x1f"))


def normalize_text(record: Record) -> list[str]:
    """Compose every value to NFC and drop control characters; name what changed."""
    changed: set[str] = set()
    for fld in record.fields:
        if fld.data is not None:
            fld.data = _clean(fld.data, changed)
        else:
            fld.subfields = [(code, _clean(value, changed)) for code, value in fld.subfields]
    return sorted(changed)


def _clean(text: str, changed: set[str]) -> str:
    if not text.isascii():
        composed = unicodedata.normalize("NFC", text)
        if composed != text:
            changed.add(REPAIR_NFD)
            text = composed
    if _CONTROL.search(text):
        changed.add(REPAIR_CONTROL_CHARS)
        text = _CONTROL.sub(" ", text)
    return text


def record_from_fields(leader: str, fields: list[Field]) -> Decoded:
    """A record already decoded to text (MARCXML, OAI), normalized the same way."""
    record = Record(leader[:9] + "a" + leader[10:], fields)
    return Decoded(record, normalize_text(record))
