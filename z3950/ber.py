"""A small generic BER (X.690) TLV codec: enough for the Z39.50 APDUs.

Decoding accepts definite and indefinite lengths and high tag numbers; encoding always
writes definite, minimal lengths. Values are parsed into a ``Node`` tree; encoders are
plain functions returning bytes, so PDU builders read like the ASN.1 they follow.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, cast

UNIVERSAL = 0
APPLICATION = 1
CONTEXT = 2
PRIVATE = 3

BOOLEAN = 1
INTEGER = 2
BIT_STRING = 3
OCTET_STRING = 4
NULL = 5
OBJECT_IDENTIFIER = 6
EXTERNAL = 8
SEQUENCE = 16
VISIBLE_STRING = 26
GENERAL_STRING = 27

MAX_LENGTH_OCTETS = 4
MAX_DEPTH = 64


class BerError(ValueError):
    """Bytes that are not valid BER (or use a form we refuse, like 9-byte lengths)."""


class BerTruncated(BerError):
    """The data ends inside an element: more bytes may complete it."""


@dataclass(slots=True)
class Node:
    """One decoded TLV: primitive nodes carry ``content``, constructed ones ``children``."""

    cls: int
    constructed: bool
    tag: int
    content: bytes = b""
    children: list[Node] = field(default_factory=list)

    def is_(self, tag: int, cls: int = CONTEXT) -> bool:
        return self.tag == tag and self.cls == cls

    def find(self, tag: int, cls: int = CONTEXT) -> Node | None:
        for child in self.children:
            if child.tag == tag and child.cls == cls:
                return child
        return None

    def need(self, tag: int, cls: int = CONTEXT) -> Node:
        for child in self.children:  # find's loop, not a call to it: a request needs ~10
            if child.tag == tag and child.cls == cls:
                return child
        raise BerError(f"missing element [{tag}] (class {cls}) in [{self.tag}]")

    def first(self) -> Node:
        if not self.children:
            raise BerError(f"element [{self.tag}] is empty")
        return self.children[0]

    def as_int(self) -> int:
        raw = self.content
        if self.constructed or not 0 < len(raw) <= 16:  # decode_int's checks, no call
            return decode_int(self._primitive())
        return int.from_bytes(raw, "big", signed=True)

    def as_bool(self) -> bool:
        return any(self._primitive())

    def as_text(self) -> str:
        raw = self._primitive() if self.constructed else self.content
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def as_oid(self) -> str:
        return decode_oid(self._primitive())

    def as_bits(self) -> list[bool]:
        return decode_bits(self._primitive())

    def _primitive(self) -> bytes:
        if self.constructed:  # constructed strings: concatenate the segments
            return b"".join(c._primitive() for c in self.children)
        return self.content


# ---------------------------------------------------------------- decoding

def py_decode(data: bytes) -> Node:
    """Exactly one TLV occupying all of ``data``: ``decode`` in Python (see below)."""
    node, end = decode_at(data, 0)
    if end != len(data):
        raise BerError(f"{len(data) - end} trailing bytes after the element")
    return node


class _BerModule(Protocol):
    def setup(self, node: type[Node], error: type[BerError], truncated: type[BerTruncated],
              fallback: Callable[[bytes], Node], max_depth: int,
              max_length_octets: int) -> None: ...

    def decode(self, data: bytes) -> Node: ...


def _c_decode() -> Callable[[bytes], Node] | None:
    """``z3950._ber.decode`` (built by ``pip install``, see setup.py): ``py_decode`` in C,
    the same tree, exceptions and messages (tests compare the two), ~7x faster. It reads
    MAX_DEPTH and MAX_LENGTH_OCTETS once, here; data that is not ``bytes`` (a bytearray:
    content slices of its type) goes to ``py_decode``."""
    try:
        module = cast(_BerModule, importlib.import_module("z3950._ber"))
    except ImportError:
        return None
    module.setup(Node, BerError, BerTruncated, py_decode, MAX_DEPTH, MAX_LENGTH_OCTETS)
    return module.decode


C_DECODE = _c_decode()
decode: Callable[[bytes], Node] = C_DECODE or py_decode
"""Exactly one TLV occupying all of ``data``, as a ``Node`` tree; raises BerTruncated
when the data ends inside an element, BerError for anything else malformed."""


def decode_at(data: bytes, pos: int, depth: int = 0, bound: int | None = None) -> tuple[Node, int]:
    """The TLV starting at ``pos`` (ending by ``bound``) and the offset just after it."""
    bound = len(data) if bound is None else bound
    if depth > MAX_DEPTH:
        raise BerError("elements nested too deeply")
    short = False
    if pos + 3 <= bound:  # a tag and a definite length below 128 (nearly every element
        first = data[pos]  # of a request) are read here, in one step
        tag, at = first & 0x1F, pos + 1
        if tag == 0x1F:
            tag, at = data[at], at + 1
        length = data[at]
        short = length < 0x80 and 0 < tag < 0x80
    if short:
        cls, constructed, pos = first >> 6, first & 0x20 != 0, at + 1
    else:
        cls, constructed, tag, pos = _read_tag(data, pos, bound)
        maybe, pos = _read_length(data, pos, bound)
        if maybe is None:
            return _indefinite(data, cls, constructed, tag, pos, depth, bound)
        length = maybe
    end = pos + length
    if end > bound:
        raise BerTruncated("element runs past the end of the data")
    if not constructed:
        return Node(cls, False, tag, data[pos:end], []), end
    children = []
    depth += 1
    while pos < end:  # the children, read here: one call less per element
        child, pos = decode_at(data, pos, depth, end)
        children.append(child)
    return Node(cls, True, tag, b"", children), end


def _indefinite(data: bytes, cls: int, constructed: bool, tag: int, pos: int, depth: int,
                bound: int) -> tuple[Node, int]:
    if not constructed:
        raise BerError("indefinite length on a primitive element")
    children, pos = _read_until_eoc(data, pos, depth, bound)
    return Node(cls, True, tag, b"", children), pos


def _read_until_eoc(data: bytes, pos: int, depth: int, bound: int) -> tuple[list[Node], int]:
    children: list[Node] = []
    while True:
        if pos + 2 > bound:
            raise BerTruncated("indefinite-length element without end-of-contents")
        if data[pos] == 0 and data[pos + 1] == 0:
            return children, pos + 2
        child, pos = decode_at(data, pos, depth + 1, bound)
        children.append(child)


def _read_tag(data: bytes, pos: int, bound: int) -> tuple[int, bool, int, int]:
    if pos >= bound:
        raise BerTruncated("missing tag")
    first = data[pos]
    cls, constructed, tag = first >> 6, bool(first & 0x20), first & 0x1F
    pos += 1
    if tag != 0x1F:
        return cls, constructed, tag, pos
    tag = 0
    for count in range(5):
        if pos >= bound:
            raise BerTruncated("truncated high tag number")
        byte = data[pos]
        pos += 1
        tag = (tag << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return cls, constructed, tag, pos
        if count == 0 and byte == 0x80:
            raise BerError("non-minimal high tag number")
    raise BerError("tag number too large")


def _read_length(data: bytes, pos: int, bound: int) -> tuple[int | None, int]:
    if pos >= bound:
        raise BerTruncated("missing length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    if first == 0x80:
        return None, pos
    count = first & 0x7F
    if count > MAX_LENGTH_OCTETS or first == 0xFF:
        raise BerError(f"length of {count} octets is not supported")
    if pos + count > bound:
        raise BerTruncated("truncated length")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def frame_length(data: bytes | bytearray, limit: int) -> int | None:
    """Size of the complete TLV at the start of ``data``, or None if more bytes are needed.

    Works without decoding the values, for definite and indefinite lengths. Raises
    BerError on malformed headers and when the element is, or would be, over ``limit``.
    """
    try:
        end = _frame_end(bytes(data[:limit + 1]), 0, 0, limit)
    except BerTruncated:
        if len(data) > limit:
            raise BerError(f"message larger than {limit} bytes") from None
        return None
    if end > limit:
        raise BerError(f"message of {end} bytes is larger than {limit} bytes")
    return end


def _frame_end(data: bytes, pos: int, depth: int, limit: int) -> int:
    if depth > MAX_DEPTH:
        raise BerError("elements nested too deeply")
    _cls, constructed, _tag, pos = _read_tag(data, pos, len(data))
    length, pos = _read_length(data, pos, len(data))
    if length is not None:
        if pos + length > limit:
            raise BerError(f"element of {length} bytes is larger than {limit} bytes")
        if pos + length > len(data):
            raise BerTruncated("element incomplete")
        return pos + length
    if not constructed:
        raise BerError("indefinite length on a primitive element")
    while True:
        if pos + 2 > len(data):
            raise BerTruncated("indefinite element incomplete")
        if data[pos] == 0 and data[pos + 1] == 0:
            return pos + 2
        pos = _frame_end(data, pos, depth + 1, limit)


# ---------------------------------------------------------------- primitive values

def decode_int(raw: bytes) -> int:
    if not raw:
        raise BerError("empty INTEGER")
    if len(raw) > 16:
        raise BerError("INTEGER too large")
    return int.from_bytes(raw, "big", signed=True)


@lru_cache(maxsize=256)  # clients send the same few OIDs (syntaxes, attribute sets)
def decode_oid(raw: bytes) -> str:
    if not raw:
        raise BerError("empty OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if raw[-1] & 0x80:
        raise BerError("truncated OBJECT IDENTIFIER")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def decode_bits(raw: bytes) -> list[bool]:
    if not raw:
        raise BerError("empty BIT STRING")
    unused = raw[0]
    bits = [bool(byte & (0x80 >> i)) for byte in raw[1:] for i in range(8)]
    return bits[:len(bits) - unused] if unused < 8 else bits


def encode_int(value: int) -> bytes:
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return value.to_bytes(size, "big", signed=True)


@lru_cache(maxsize=256)  # a handful of OIDs, encoded for every record sent
def encode_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2:
        raise ValueError(f"OID needs at least two arcs: {dotted}")
    return b"".join(_base128(a) for a in [arcs[0] * 40 + arcs[1], *arcs[2:]])


def _base128(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def encode_bits(bits: list[bool]) -> bytes:
    padded = bits + [False] * (-len(bits) % 8)
    octets = bytes(sum(0x80 >> i for i in range(8) if padded[n + i])
                   for n in range(0, len(padded), 8))
    return bytes([len(padded) - len(bits)]) + octets


# ---------------------------------------------------------------- encoding

def tlv(cls: int, constructed: bool, tag: int, content: bytes) -> bytes:
    return _tag_bytes(cls, constructed, tag) + _length_bytes(len(content)) + content


def head(cls: int, constructed: bool, tag: int, length: int) -> bytes:
    """The identifier and length octets of an element with ``length`` content octets
    (to nest large content without copying it at every level)."""
    return _tag_bytes(cls, constructed, tag) + _length_bytes(length)


@lru_cache(maxsize=1024)  # a few dozen distinct tags, dozens of TLVs per response
def _tag_bytes(cls: int, constructed: bool, tag: int) -> bytes:
    lead = (cls << 6) | (0x20 if constructed else 0)
    if tag < 0x1F:
        return bytes([lead | tag])
    return bytes([lead | 0x1F]) + _base128(tag)


def _length_bytes(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def prim(tag: int, content: bytes, cls: int = CONTEXT) -> bytes:
    return tlv(cls, False, tag, content)


def cons(tag: int, *parts: bytes, cls: int = CONTEXT) -> bytes:
    """A constructed element of ``parts``, copied once (an APDU's holds its records)."""
    size = sum(map(len, parts))
    return b"".join((_tag_bytes(cls, True, tag), _length_bytes(size), *parts))


def seq(*parts: bytes) -> bytes:
    return cons(SEQUENCE, *parts, cls=UNIVERSAL)


def integer(value: int, tag: int = INTEGER, cls: int = UNIVERSAL) -> bytes:
    if 0 <= value < 0x80:  # counts, positions, statuses: most integers sent
        return _tag_bytes(cls, False, tag) + _SMALL_INTEGERS[value]
    return prim(tag, encode_int(value), cls)


_SMALL_INTEGERS = [bytes((1, value)) for value in range(0x80)]  # length and content


def boolean(value: bool, tag: int = BOOLEAN, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, b"\xff" if value else b"\x00", cls)


def text(value: str, tag: int = GENERAL_STRING, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, value.encode("utf-8"), cls)


def octets(value: bytes, tag: int = OCTET_STRING, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, value, cls)


def oid(dotted: str, tag: int = OBJECT_IDENTIFIER, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, encode_oid(dotted), cls)


def null(tag: int = NULL, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, b"", cls)


def bits(values: list[bool], tag: int = BIT_STRING, cls: int = UNIVERSAL) -> bytes:
    return prim(tag, encode_bits(values), cls)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, depth first."""
    yield node
    for child in node.children:
        yield from walk(child)
