"""Serving-time MARC output spliced straight from a stored record's bytes.

Every SRU and Z39.50 response renders up to ten entries; decoding each stored record into
a ``Record`` and encoding it again cost more than the search itself. The stored preferred
record is always our own ``to_iso2709`` output (fields in directory order, each ending with
the field terminator), so the MARCXML can be written from the body text in one pass and
the ISO 2709 with holdings is the stored frame plus appended 852 entries.

Both functions return None for a frame they do not recognise, or for a record whose own
852s must be dropped first; callers then take the general path in ``normalizers.export``,
which gives the same bytes (tests compare the two).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import cast

from normalizers.marc import MARCXML_NS, decode_field, field_xml, fix_leader, xml_text

# What XML text cannot carry as is, besides the subfield delimiter (split off first).
_SPECIAL = re.compile("[&<>\"\x00-\x08\x0b\x0c\x0e-\x1e\ufffe\uffff]")
_SPECIAL_IN_BODY = re.compile("[&<>\"\x00-\x08\x0b\x0c\x0e-\x1d\ufffe\uffff]")  # 1e: field ends
_MAX_OFFSET = 99999  # five directory digits
_HAS_852 = re.compile(rb"(?:.{12})*852", re.DOTALL)  # an 852 entry in a directory
_FieldsXml = Callable[[bytes, bytes], str | None]
_Iso2709 = Callable[[bytes, list[bytes]], bytes | None]


def _c_fields_xml() -> _FieldsXml | None:
    """``normalizers._marcxml.fields`` (built by ``pip install``, see setup.py): the
    common case of ``_fields_xml`` in C, None where it is not the common case."""
    try:
        return cast(_FieldsXml, importlib.import_module("normalizers._marcxml").fields)
    except ImportError:
        return None


def _c_iso2709() -> _Iso2709 | None:
    """``normalizers._marcxml.iso2709``: the common case of ``iso2709`` in C (the record
    framed in one copy, not parsed and joined), None where it is not the common case."""
    try:
        return cast(_Iso2709, importlib.import_module("normalizers._marcxml").iso2709)
    except (ImportError, AttributeError):
        return None


C_FIELDS_XML = _c_fields_xml()
C_ISO2709 = _c_iso2709()
_PLAIN_INDICATORS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


def _layout(data: bytes) -> tuple[int, bytes] | None:
    """Base address and directory of a stored record, or None for a frame that is not
    ours or that carries its own 852s (the general path drops those first)."""
    head = data[12:17]
    if len(data) < 26 or not head.isdigit() or data[-1:] != b"\x1d":
        return None
    base = int(head)
    directory = data[24:base - 1]
    if base > len(data) or len(directory) % 12 or data[base - 1:base] != b"\x1e":
        return None
    return None if _HAS_852.match(directory) else (base, directory)


def _tags(directory: bytes) -> list[str]:
    text = directory.decode("ascii", "replace")
    return [text[pos:pos + 3] for pos in range(0, len(text), 12)]


def marcxml(data: bytes, extra: Sequence[str]) -> str | None:
    """MARC21 slim XML of a stored record followed by ``extra`` (rendered elements)."""
    layout = _layout(data)
    if layout is None:
        return None
    base, directory = layout
    body = data[base:-1]
    fields = C_FIELDS_XML(directory, body) if C_FIELDS_XML else None
    if fields is None:
        fields = _fields_xml(_tags(directory), body)
    if fields is None:
        return None
    leader = data[:24].decode("ascii", "replace")
    return "".join([f'<record xmlns="{MARCXML_NS}"><leader>{xml_text(leader)}</leader>',
                    fields, *extra, "</record>"])


def _fields_xml(tags: list[str], body: bytes) -> str | None:
    """The field elements, in Python (any record ``marcxml`` can splice)."""
    text = body.decode("utf-8", "replace")
    fields = text.split("\x1e")
    if len(fields) != len(tags) + 1 or fields[-1]:
        return None
    clean = not _SPECIAL_IN_BODY.search(text)  # one scan: then no field needs escaping
    return "".join([_field_xml(tag, raw, clean)
                    for tag, raw in zip(tags, fields[:-1], strict=True)])


def _field_xml(tag: str, raw: str, clean: bool) -> str:
    if (tag >= "010" and tag.isalnum() and raw[2:3] == "\x1f" and raw[0] in _PLAIN_INDICATORS
            and raw[1] in _PLAIN_INDICATORS and (clean or not _SPECIAL.search(raw))):
        # The common case: a data field with two plain indicators and clean subfields.
        subfields = "".join([f'<subfield code="{chunk[0]}">{chunk[1:]}</subfield>'
                             for chunk in raw[3:].split("\x1f") if chunk])
        return (f'<datafield tag="{tag}" ind1="{raw[0]}" ind2="{raw[1]}">'
                f"{subfields}</datafield>")
    return field_xml(decode_field(tag, raw))


def iso2709(data: bytes, extra: list[bytes]) -> bytes | None:
    """The stored record with ``extra`` fields (encoded, each ending with the field
    terminator) appended as 852s."""
    if C_ISO2709 is not None:
        spliced = C_ISO2709(data, extra)
        if spliced is not None:
            return spliced
    return _iso2709(data, extra)


def _iso2709(data: bytes, extra: list[bytes]) -> bytes | None:
    """``iso2709`` in Python (any record it can splice)."""
    layout = _layout(data)
    if layout is None:
        return None
    base, directory = layout
    offset = len(data) - base - 1  # the body, without the record terminator
    if offset + sum(len(f) for f in extra) > _MAX_OFFSET:
        return None
    entries = [directory]
    for encoded in extra:
        entries.append(f"852{len(encoded):04d}{offset:05d}".encode("ascii"))
        offset += len(encoded)
    new_base = base + 12 * len(extra)
    leader = data[:24].decode("ascii", "replace")
    return b"".join([fix_leader(leader, new_base + offset + 1, new_base).encode("ascii"),
                     *entries, b"\x1e", data[base:-1], *extra, b"\x1d"])
