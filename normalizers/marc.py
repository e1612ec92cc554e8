"""A small, fast MARC21 record model with ISO 2709 and MARCXML codecs.

Our own model instead of pymarc's: ingest parses hundreds of thousands of records, and
we need exact control over malformed input (every fault becomes a ``MarcError`` with a
reason the cataloguer can act on).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

FIELD_END = 0x1E
RECORD_END = 0x1D
SUBFIELD = 0x1F
MARCXML_NS = "http://www.loc.gov/MARC21/slim"
DIRECTORY_ENTRY = "%s%04d%05d"  # tag, field length (4 digits), start (5 digits)


class MarcError(ValueError):
    """A record that cannot be read; the message says what is wrong with it."""


@dataclass
class Field:
    tag: str
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)
    data: str | None = None  # control fields (00X) carry data, no subfields

    @property
    def is_control(self) -> bool:
        return self.data is not None

    def get(self, code: str) -> str | None:
        for c, v in self.subfields:  # a plain loop: cheaper than next() over a generator
            if c == code:
                return v
        return None

    # Plain loops, not comprehensions, here and in the ingest helpers that read a record's
    # few fields and subfields: a comprehension is a function call of its own (before
    # Python 3.12), which cost more than the loop over three or four subfields.
    def values(self, codes: str) -> list[str]:
        found = []
        for c, v in self.subfields:
            if c in codes:
                found.append(v)
        return found

    def text(self, codes: str = "abcdefghijklmnopqrstuvwxyz") -> str:
        parts = []
        for c, v in self.subfields:
            if c in codes and (s := v.strip()):
                parts.append(s)
        return " ".join(parts)


class _FirstLookups:
    """``control`` and ``subfield`` of the first field with a tag, for whatever ``first``
    finds it (``Record`` scans, ``FieldIndex`` looks it up)."""

    __slots__ = ()

    def first(self, tag: str) -> Field | None:
        raise NotImplementedError

    def control(self, tag: str) -> str:
        found = self.first(tag)
        return found.data or "" if found else ""

    def subfield(self, tag: str, code: str) -> str:
        found = self.first(tag)
        return (found.get(code) or "") if found else ""


@dataclass
class Record(_FirstLookups):
    leader: str
    fields: list[Field] = field(default_factory=list)

    def get_fields(self, *tags: str) -> list[Field]:
        return [f for f in self.fields if f.tag in tags]

    def first(self, tag: str) -> Field | None:
        return next((f for f in self.fields if f.tag == tag), None)


class FieldIndex(_FirstLookups):
    """A record's fields by tag, for code that looks up many tags of one record in a row
    (``bib_from_record``, ``profile_of``): one pass over the fields instead of one per
    lookup. Same answers as the ``Record`` methods, for a record that does not change
    while the index is in use; the sequences it returns are not to be modified."""

    __slots__ = ("_by_tag", "_fields", "leader")

    def __init__(self, record: Record) -> None:
        self.leader = record.leader
        self._fields = record.fields
        by_tag: dict[str, list[Field]] = {}
        for fld in record.fields:
            group = by_tag.get(fld.tag)
            if group is None:
                by_tag[fld.tag] = [fld]
            else:
                group.append(fld)
        self._by_tag = by_tag

    def get_fields(self, *tags: str) -> Sequence[Field]:
        by_tag = self._by_tag
        if len(tags) == 1:  # most lookups: the tag's own list
            return by_tag.get(tags[0], ())
        found: Sequence[Field] = ()
        for tag in tags:
            group = by_tag.get(tag)
            if group:
                if found:  # several of the tags present: keep the record's order
                    return [f for f in self._fields if f.tag in tags]
                found = group
        return found

    def first(self, tag: str) -> Field | None:
        group = self._by_tag.get(tag)
        return group[0] if group else None

    # ``_FirstLookups``' two, each with its own lookup rather than a call to ``first``
    def control(self, tag: str) -> str:
        group = self._by_tag.get(tag)
        return (group[0].data or "") if group else ""

    def subfield(self, tag: str, code: str) -> str:
        group = self._by_tag.get(tag)
        return (group[0].get(code) or "") if group else ""


# ---------------------------------------------------------------- ISO 2709 decoding

def split_iso2709(data: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Leader and raw (tag, bytes) pairs; raises MarcError on a broken frame."""
    if len(data) < 24:
        raise MarcError(f"record too short ({len(data)} bytes) for a 24-byte leader")
    leader = data[:24].decode("ascii", "replace")
    base = _int(leader[12:17], "base address of data (leader/12-16)")
    if base < 25 or base > len(data):
        raise MarcError(f"base address {base} outside the record of {len(data)} bytes")
    directory = data[24:base - 1].decode("ascii", "replace")
    if len(directory) % 12:
        raise MarcError(f"directory length {len(directory)} is not a multiple of 12")
    return leader, _entries(data, base, directory)


def _entries(data: bytes, base: int, directory: str) -> list[tuple[str, bytes]]:
    entries = []
    size = len(data)
    for pos in range(0, len(directory), 12):
        try:
            length = int(directory[pos + 3:pos + 7])
            start = base + int(directory[pos + 7:pos + 12])
        except ValueError:
            raise MarcError(f"directory entry {directory[pos:pos + 12]!r} has a length or "
                            "start that is not a number") from None
        if start + length > size or length < 0:
            raise MarcError(f"field {directory[pos:pos + 3]} runs past the end of the record"
                            " (truncated?)")
        entries.append((directory[pos:pos + 3], data[start:start + length].rstrip(b"\x1e")))
    return entries


def _int(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise MarcError(f"{what} is not a number: {text!r}")
    return int(text)


def decode_field(tag: str, raw: str) -> Field:
    """A field from its decoded text (indicators + subfields, or control data)."""
    if tag < "010" and tag.isdigit():
        return Field(tag, data=raw)
    if raw[2:3] == "\x1f" and "\x1f" not in raw[:2]:  # the usual: two indicators, then $
        return Field(tag, raw[0], raw[1],
                     [(chunk[0], chunk[1:]) for chunk in raw[2:].split("\x1f") if chunk])
    ind1 = raw[0] if len(raw) > 0 and raw[0] != "\x1f" else " "
    ind2 = raw[1] if len(raw) > 1 and raw[1] != "\x1f" else " "
    body = raw[2:] if len(raw) >= 2 and "\x1f" not in raw[:2] else raw[raw.find("\x1f"):]
    subfields = [(chunk[0], chunk[1:]) for chunk in body.split("\x1f") if chunk]
    return Field(tag, ind1, ind2, subfields)


def decode_fields(raws: list[tuple[str, str]]) -> list[Field]:
    """``decode_field`` over a record's (tag, text) pairs, the usual case inline."""
    return decode_fields_verbatim(raws)[0]


def decode_fields_verbatim(raws: list[tuple[str, str]]) -> tuple[list[Field], bool]:
    """``decode_fields``, and whether each field encodes back to its text exactly (control
    fields always; data fields with two indicators, then subfields, none empty), so the
    record's ISO 2709 can be cut from its input instead of encoded again."""
    fields = []
    verbatim = True
    for tag, raw in raws:
        if tag < "010" and tag.isdigit():
            fields.append(Field(tag, data=raw))
        elif raw[2:3] == "\x1f" and "\x1f" not in raw[:2]:  # two indicators, then $
            subfields = [(chunk[0], chunk[1:]) for chunk in raw[2:].split("\x1f") if chunk]
            fields.append(Field(tag, raw[0], raw[1], subfields))
            # one delimiter per subfield: no empty one was dropped
            verbatim = verbatim and len(subfields) == raw.count("\x1f")
        else:
            fields.append(decode_field(tag, raw))
            verbatim = False
    return fields, verbatim


def tiled_fields(text: str, base: int, directory: str
                 ) -> tuple[list[tuple[str, str]], int] | None:
    """The (tag, text) pairs of a record (as text, one character per byte) whose directory
    describes the usual layout: fields end to end from the base address, each ending with
    its one field terminator. Checked by writing that directory and comparing, which is
    cheaper than reading each entry's numbers; None for any other layout. Also returns
    the length of the fields together (terminators included)."""
    count = len(directory) // 12
    parts = text[base:].split("\x1e", count)  # the fields, then whatever follows them
    if len(parts) <= count:
        return None
    del parts[count]
    tags = [directory[pos:pos + 3] for pos in range(0, len(directory), 12)]
    values: list[object] = []
    offset = 0
    for tag, part in zip(tags, parts, strict=True):
        values += (tag, len(part) + 1, offset)
        offset += len(part) + 1
    if DIRECTORY_ENTRY * count % tuple(values) != directory:
        return None
    return list(zip(tags, parts, strict=True)), offset


def read_trusted(data: bytes) -> Record:
    """A record this project wrote itself (UTF-8, NFC, clean), without the repair checks:
    serving decodes the stored preferred record on every response."""
    leader, raw_fields = split_iso2709(data)
    return Record(leader, [decode_field(tag, raw.decode("utf-8", "replace"))
                           for tag, raw in raw_fields])


# ---------------------------------------------------------------- ISO 2709 encoding

def to_iso2709(record: Record) -> bytes:
    """UTF-8 ISO 2709 with recomputed lengths and leader/09 = 'a'."""
    texts = [_field_text(f) for f in record.fields]
    body = "".join(texts)
    if body.isascii():  # the usual case: one encode, and byte lengths are text lengths
        return _assemble(record.leader, [f.tag for f in record.fields],
                         [len(t) for t in texts], body.encode("ascii"))
    return assemble_iso2709(record.leader, [(f.tag, t.encode("utf-8"))
                                            for f, t in zip(record.fields, texts, strict=True)])


def assemble_iso2709(leader: str, fields: list[tuple[str, bytes]]) -> bytes:
    """A record from encoded fields (each ending with the field terminator)."""
    return _assemble(leader, [tag for tag, _ in fields], [len(e) for _, e in fields],
                     b"".join([e for _, e in fields]))


def _assemble(leader: str, tags: list[str], lengths: list[int], body: bytes) -> bytes:
    """Leader, directory and ``body`` (the fields, ``lengths`` bytes each, in order)."""
    values: list[object] = []  # tag, length, start of each entry: one % for all of them
    offset = 0
    for tag, length in zip(tags, lengths, strict=True):
        values += (tag[:3].rjust(3, "0"), length, offset)
        offset += length
    directory = (DIRECTORY_ENTRY * len(tags) % tuple(values)).encode("ascii")
    base = 24 + len(directory) + 1
    return b"".join([fix_leader(leader, base + offset + 1, base).encode("ascii"), directory,
                     b"\x1e", body, b"\x1d"])


def encode_field(fld: Field) -> bytes:
    return _field_text(fld).encode("utf-8")


def _field_text(fld: Field) -> str:
    """A field as ISO 2709 text, field terminator included."""
    if fld.data is not None:
        return fld.data + "\x1e"
    # "\x1f".join puts the delimiter before each code+value: ind1 ind2 $a... $b...
    return "\x1f".join([(fld.ind1 or " ")[0] + (fld.ind2 or " ")[0],
                        *[code + value for code, value in fld.subfields]]) + "\x1e"


def fix_leader(leader: str, total: int, base: int) -> str:
    """The leader with record length, base address and the fixed UTF-8/MARC21 positions."""
    lead = (leader + " " * 24)[:24]
    if not (lead.isascii() and lead.isprintable()):
        lead = "".join(c if c.isascii() and c.isprintable() else " " for c in lead)
    return f"{min(total, 99999):05d}{lead[5:9]}a22{base:05d}{lead[17:20]}4500"


# ---------------------------------------------------------------- MARCXML

def to_marcxml(record: Record) -> bytes:
    """MARC21 slim XML, built as text: several times faster than an lxml call per subfield,
    which dominated SRU response time."""
    parts = [f'<record xmlns="{MARCXML_NS}"><leader>{xml_text(record.leader)}</leader>']
    parts += [field_xml(fld) for fld in record.fields]
    parts.append("</record>")
    return "".join(parts).encode("utf-8")


def field_xml(fld: Field) -> str:
    """One ``controlfield`` or ``datafield`` element."""
    tag = xml_attr(fld.tag)
    if fld.data is not None:
        return f'<controlfield tag="{tag}">{xml_text(fld.data)}</controlfield>'
    subfields = "".join([f'<subfield code="{xml_attr(code)}">{xml_text(value)}</subfield>'
                         for code, value in fld.subfields])
    return (f'<datafield tag="{tag}" ind1="{xml_attr((fld.ind1 or " ")[:1])}" '
            f'ind2="{xml_attr((fld.ind2 or " ")[:1])}">{subfields}</datafield>')


def to_marcxml_element(record: Record) -> etree._Element:
    return etree.fromstring(to_marcxml(record))


def from_marcxml_element(element: etree._Element) -> Record:
    """A record from a MARCXML ``record`` element (namespaced or not)."""
    leader = ""
    fields: list[Field] = []
    for child in element:
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name == "leader":
            leader = child.text or ""
        elif name == "controlfield":
            fields.append(Field(child.get("tag", "???"), data=child.text or ""))
        elif name == "datafield":
            subs = [(s.get("code", "?"), s.text or "") for s in child
                    if isinstance(s.tag, str) and etree.QName(s).localname == "subfield"]
            fields.append(Field(child.get("tag", "???"), child.get("ind1", " ") or " ",
                                child.get("ind2", " ") or " ", subs))
    if len(leader) != 24:
        raise MarcError(f"MARCXML leader must be 24 characters, got {len(leader)}")
    return Record(leader, fields)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 forbids (control bytes some records carry)."""
    return _XML_ILLEGAL.sub("", text) if text else text


def xml_text(text: str) -> str:
    """``text`` as XML character data (forbidden characters dropped)."""
    if not _NEEDS_ESCAPE.search(text):  # the common case: one scan, no copies
        return text
    return _xml_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    """``text`` as a double-quoted XML attribute value."""
    if text.isalnum() or text == " ":  # tags, codes and indicators, nearly always
        return text
    return xml_text(text).replace('"', "&quot;")
