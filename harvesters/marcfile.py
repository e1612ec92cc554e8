"""Streaming MARC file readers: ISO 2709 and MARCXML (collection or single record), gzip.

Only framing happens here: each record's bytes are cut out and yielded as a RawRecord,
a broken frame becomes a RawRecord with ``error`` set so the batch goes on. A 250,000
record file is never held in memory whole.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from harvesters.raw import RawRecord

RECORD_END = b"\x1d"
CHUNK = 1 << 16
MAX_RECORD = 1 << 20


def read_marc_path(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as handle:
        yield from read_marc(_maybe_gunzip(handle), origin=path.name)


def _maybe_gunzip(handle: BinaryIO) -> BinaryIO:
    head = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle)  # type: ignore[return-value]
    return handle


def read_marc(stream: BinaryIO, origin: str = "") -> Iterator[RawRecord]:
    """Auto-detect ISO 2709 or MARCXML from the first non-blank byte."""
    first = b""
    while not first.strip():
        chunk = stream.read(1)
        if not chunk:
            return
        first += chunk
    if first.strip() == b"<" or first.lstrip().startswith(b"\xef\xbb\xbf"):
        yield from read_marcxml(_Prefixed(first, stream), origin)
    else:
        yield from read_iso2709(_Prefixed(first, stream), origin)


class _Prefixed:
    """A stream with bytes already read put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self.prefix = prefix
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            head, self.prefix = self.prefix, b""
            if size < 0:
                return head + self.stream.read()
            return head + self.stream.read(max(0, size - len(head)))
        return self.stream.read(size)


def read_iso2709(stream: _Prefixed | BinaryIO, origin: str = "") -> Iterator[RawRecord]:
    """Split on the record terminator; the leader length is checked, not trusted."""
    buffer = b""
    position = 0
    while True:
        chunk = stream.read(CHUNK)
        buffer += chunk
        while (end := buffer.find(RECORD_END)) >= 0:
            data, buffer = buffer[:end + 1], buffer[end + 1:]
            data = data.lstrip(b"\r\n\x00 ")
            if len(data) > 1:
                position += 1
                yield _framed(data, position, origin)
        if len(buffer) > MAX_RECORD:
            position += 1
            yield RawRecord(buffer[:MAX_RECORD], "iso2709", position, origin,
                            error="no record terminator within 1 MB: not ISO 2709?")
            buffer = b""
        if not chunk:
            break
    tail = buffer.strip(b"\r\n\x00 \x1a")
    if tail:
        yield RawRecord(tail, "iso2709", position + 1, origin,
                        error=f"truncated record: {len(tail)} bytes without a record terminator")


def _framed(data: bytes, position: int, origin: str) -> RawRecord:
    declared = data[:5]
    if not declared.isdigit():
        return RawRecord(data, "iso2709", position, origin,
                         error=f"bad leader: record length {declared!r} is not a number")
    if int(declared) != len(data):
        return RawRecord(data, "iso2709", position, origin,
                         error=f"leader says {int(declared)} bytes, record has {len(data)}")
    return RawRecord(data, "iso2709", position, origin)


def read_marcxml(stream: _Prefixed | BinaryIO, origin: str = "") -> Iterator[RawRecord]:
    """Each <record> element serialized on its own; invalid XML ends the file with a
    set-aside entry naming the line, keeping the records read before it."""
    position = 0
    context = etree.iterparse(stream, events=("end",), huge_tree=True,
                              resolve_entities=False, no_network=True)
    try:
        for _, element in context:
            if not isinstance(element.tag, str) or etree.QName(element).localname != "record":
                continue
            position += 1
            yield RawRecord(etree.tostring(element), "marcxml", position, origin)
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        yield RawRecord(b"", "marcxml", position + 1, origin,
                        error=f"invalid XML: {error.msg}")
