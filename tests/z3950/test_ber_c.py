"""z3950._ber (C) decodes as z3950.ber.py_decode: the same Node trees, or the same
exception with the same message, on valid APDUs, their truncations and mutations, random
bytes, deep nesting, long and indefinite lengths and high tag numbers."""

from __future__ import annotations

import contextlib
import itertools
import random
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench import z3950_client
from z3950 import ber, pdu
from z3950.ber import CONTEXT, Node, cons, integer, oid, prim, seq, text

from . import rawclient

Outcome = tuple[str, object, str]
SENT = Path(__file__).with_name("apdus_sent.hex")


def _c() -> Callable[[bytes], Node]:
    assert ber.C_DECODE is not None  # `make install` builds it (setup.py)
    return ber.C_DECODE


def _outcome(decode: Callable[[bytes], Node], data: bytes) -> Outcome:
    """("ok", tree, repr) or ("error", exception type, message): repr tells True from 1 and
    bytes from bytearray, which == does not."""
    try:
        node = decode(data)
    except ber.BerError as exc:
        return "error", type(exc), str(exc)
    return "ok", node, repr(node)


def _check_tree(node: Node) -> None:
    """Every node a real Node with fields of the types the Python decoder gives, and a
    list of children of its own."""
    lists = set()
    for item in ber.walk(node):
        assert type(item) is Node
        assert type(item.cls) is int and type(item.tag) is int
        assert type(item.constructed) is bool and type(item.content) is bytes
        assert type(item.children) is list and id(item.children) not in lists
        lists.add(id(item.children))
        assert not (item.constructed and item.content) and not (
            not item.constructed and item.children)


def assert_same(data: bytes) -> str:
    c_result, py_result = _outcome(_c(), data), _outcome(ber.py_decode, data)
    assert c_result == py_result, data.hex()
    if c_result[0] == "ok":
        assert isinstance(c_result[1], Node)
        _check_tree(c_result[1])
    return c_result[0]


# ---------------------------------------------------------------- inputs

def _attribute(kind: int, value: int) -> bytes:
    return seq(integer(kind, 120, CONTEXT), integer(value, 121, CONTEXT))


def _leaf(term: str, *attrs: tuple[int, int]) -> bytes:
    attributes = cons(44, *[_attribute(k, v) for k, v in attrs])
    return cons(0, cons(102, attributes, prim(45, term.encode())))


def _op(kind: int, left: bytes, right: bytes) -> bytes:
    return cons(1, left, right, cons(46, prim(kind, b"")))


def _search(rpn: bytes) -> bytes:
    return cons(22, integer(0, 13, CONTEXT), integer(1, 14, CONTEXT), integer(0, 15, CONTEXT),
                ber.boolean(True, 16, CONTEXT), text("default", 17, CONTEXT),
                cons(18, text("union", 105, CONTEXT)),
                cons(21, cons(1, oid(pdu.BIB1_ATTRIBUTES), rpn)),
                oid(pdu.USMARC, 104, CONTEXT))


def _built() -> list[bytes]:
    """APDUs of the test and bench clients, and RPN shapes with several operators."""
    return [
        rawclient.init_request(), rawclient.search_request("smith"),
        rawclient.search_request("x" * 300, 1016), rawclient.present_request(1, 10),
        z3950_client.init_request(), z3950_client.search_request("union", 4, "staging"),
        z3950_client.present_request(1, 10), z3950_client.close_request(),
        _search(_op(0, _leaf("history", (1, 4), (2, 3), (4, 2), (5, 100)),
                    _leaf("england", (1, 21), (2, 3), (4, 2), (5, 1)))),
        _search(_op(0, _op(1, _leaf("smith", (1, 1003)), _leaf("jones", (1, 1003))),
                    _op(2, _leaf("1999", (1, 31), (4, 4)), _leaf("x", (1, 1016))))),
        pdu.present_response(b"ref", 1, 2, 0, pdu.Records([pdu.Record(
            "union", pdu.USMARC, bytes(range(256)) * 3)])),
        pdu.init_response(pdu.InitResponse(None, True, frozenset({"search"}), 1 << 20,
                                           1 << 20, ("a", "b", "c"), "UTF-8", True)),
    ]


def _sent() -> list[bytes]:
    lines = SENT.read_text().splitlines()
    return [bytes.fromhex(line) for line in lines if line and not line.startswith("#")]


def _apdus() -> list[bytes]:
    return _sent() + _built()


def _random_tree(rng: random.Random, depth: int = 0) -> Node:
    cls = rng.randrange(4)
    tag = rng.choice((0, 1, 2, 16, 30, 31, 45, 120, 127, 128, 216, 16383, 16384, 1 << 20,
                      (1 << 35) - 1))
    if depth < 4 and rng.random() < 0.5:
        return Node(cls, True, tag, b"",
                    [_random_tree(rng, depth + 1) for _ in range(rng.randint(0, 4))])
    return Node(cls, False, tag, rng.randbytes(rng.choice((0, 1, 2, 5, 127, 128, 300))))


def _identifier(node: Node) -> bytes:
    lead = (node.cls << 6) | (0x20 if node.constructed else 0)
    if node.tag < 0x1F and node.tag % 3:  # low tags also in the high form sometimes
        return bytes([lead | node.tag])
    return bytes([lead | 0x1F]) + ber._base128(node.tag)


def _encoded(node: Node, rng: random.Random) -> bytes:
    """``node`` in BER, each length in a form picked at random: short, long with one to
    four octets (leading zeros too), or indefinite on constructed elements."""
    body = (b"".join(_encoded(c, rng) for c in node.children) if node.constructed
            else node.content)
    form = rng.randrange(4)
    if form == 0 and node.constructed:
        return _identifier(node) + b"\x80" + body + b"\x00\x00"
    if form == 1 or len(body) >= 0x80:
        size = max(rng.randint(1, 4), (len(body).bit_length() + 7) // 8)
        return _identifier(node) + bytes([0x80 | size]) + len(body).to_bytes(size, "big") + body
    return _identifier(node) + bytes([len(body)]) + body


def _mutations(data: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    for _ in range(count):
        raw = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(raw)) if raw else 0
            action = rng.randrange(4)
            if action == 0 and raw:
                raw[at] = rng.randrange(256)
            elif action == 1:
                raw.insert(at, rng.choice((0x00, 0x80, 0x84, 0xFF, 0x1F, 0x3F, rng.randrange(256))))
            elif action == 2 and raw:
                del raw[at]
            elif raw:
                raw[at] ^= 1 << rng.randrange(8)
        yield bytes(raw)


# ---------------------------------------------------------------- tests

def test_the_extension_is_built_and_used() -> None:
    assert ber.C_DECODE is not None  # `make install` builds it (setup.py)
    assert ber.decode is ber.C_DECODE


def test_apdus_sent_by_the_tests_decode_alike() -> None:
    apdus = _apdus()
    assert len(apdus) > 100
    outcomes = [assert_same(data) for data in apdus]
    assert outcomes.count("ok") > 100


def test_truncations_and_extensions_of_apdus() -> None:
    truncated = 0
    for data in _apdus():
        for cut in range(len(data)):
            assert assert_same(data[:cut]) == "error"
            truncated += 1
        for extra in (b"\x00", b"\x00\x00", b"\x05\x00", data):
            assert_same(data + extra)
    assert truncated > 5000


def test_mutated_apdus() -> None:
    rng = random.Random(1)
    seen = {"ok": 0, "error": 0}
    for data in _apdus():
        for mutated in _mutations(data, rng, 60):
            seen[assert_same(mutated)] += 1
    assert seen["ok"] > 100 and seen["error"] > 1000


def test_random_trees_in_every_length_form() -> None:
    rng = random.Random(2)
    for _ in range(1500):
        tree = _random_tree(rng)
        data = _encoded(tree, rng)
        assert assert_same(data) == "ok"
        assert _c()(data) == tree
        assert assert_same(data[:rng.randrange(len(data))]) == "error"
        for mutated in _mutations(data, rng, 3):
            assert_same(mutated)


def test_random_bytes() -> None:
    rng = random.Random(3)
    alphabet = bytes((0x00, 0x01, 0x02, 0x04, 0x1F, 0x20, 0x30, 0x3F, 0x7F, 0x80, 0x81, 0x82,
                      0x84, 0x85, 0x88, 0xA0, 0xBF, 0xFF))
    for _ in range(20000):
        size = rng.choice((1, 2, 3, 4, 6, 8, 16, 40))
        if rng.random() < 0.5:
            data = rng.randbytes(size)
        else:  # bytes that often start an element: more paths past the first octets
            data = bytes(rng.choice(alphabet) for _ in range(size))
        assert_same(data)


def test_every_string_of_up_to_two_bytes() -> None:
    assert assert_same(b"") == "error"
    for size in (1, 2):
        for raw in itertools.product(range(256), repeat=size):
            assert_same(bytes(raw))


@pytest.mark.parametrize("indefinite", [False, True])
def test_nesting_depth_limit(indefinite: bool) -> None:
    def nested(levels: int) -> bytes:
        data = ber.null()
        for _ in range(levels):
            data = b"\x30\x80" + data + b"\x00\x00" if indefinite else seq(data)
        return data

    for levels in (0, 1, ber.MAX_DEPTH - 1, ber.MAX_DEPTH, ber.MAX_DEPTH + 1, 200, 5000):
        expected = "ok" if levels <= ber.MAX_DEPTH else "error"
        assert assert_same(nested(levels)) == expected
        # the innermost constructed element without children: one level deeper allowed
        empty = nested(levels)[2:-2] if indefinite else nested(levels).replace(
            ber.null(), b"", 1)
        assert_same(empty)


@pytest.mark.parametrize("data", [
    b"\x04\x84\xff\xff\xff\xff",  # 4 GiB primitive: runs past the end
    b"\x04\x84\x7f\xff\xff\xff" + b"a" * 10,
    b"\x04\x84\x00\x00\x00\x01a",  # long form with leading zeros: accepted
    b"\x30\x84\x00\x00\x00\x03\x04\x01a",
    b"\x04\x81\x01a", b"\x04\x82\x00\x01a", b"\x04\x83\x00\x00\x01a",
    b"\x04\x85\x00\x00\x00\x00\x01a",  # five length octets
    b"\x04\x88\x00\x00\x00\x00\x00\x00\x00\x01a", b"\x04\xfe" + b"\x00" * 130,
    b"\x04\xff\x01a", b"\x04\x84\x00\x00", b"\x04\x81", b"\x04",
    b"\x04\x80abc", b"\x04\x80\x00\x00", b"\x24\x80\x04\x01a\x00\x00", b"\x24\x80",
    b"\x24\x80\x00", b"\x24\x80\x04\x01a\x00", b"\x30\x80\x30\x80\x00\x00\x00\x00",
    b"\x30\x80\x30\x80\x00\x00", b"\x30\x04\x30\x80\x00\x00", b"\x30\x03\x30\x80\x00\x00",
    b"\x30\x02\x30\x80\x00\x00", b"\x30\x03\x04\x02ab",  # a child past its parent's end
    b"\x1f\x00\x00", b"\x1f\x01\x00", b"\x1f\x1e\x00", b"\x1f\x7f\x00", b"\x1f\x80\x01\x00",
    b"\x1f\x81\x00\x00", b"\x1f\x81\x80\x80\x80\x00\x00", b"\x1f\xff\xff\xff\xff\x7f\x00",
    b"\x1f\x81\x80\x80\x80\x80\x00\x00", b"\x1f", b"\x1f\x81", b"\x1f\x81\x80\x80\x80",
    b"\x3f\x81\x00\x80\x00\x00", b"\xff\x8f\xff\xff\xff\x7f\x02\x05\x00",
    b"\x05\x00\x00", b"\x05\x00\x05\x00", b"\x00\x00", b"\x00\x80\x00\x00",
    b"\x20\x80\x00\x00", b"\x00\x02ab",
])
def test_edge_cases(data: bytes) -> None:
    assert_same(data)
    for cut in range(len(data)):
        assert_same(data[:cut])


def test_large_values() -> None:
    for size in (127, 128, 255, 256, 65535, 65536, 1 << 20):
        assert assert_same(ber.octets(b"x" * size)) == "ok"
        assert assert_same(seq(ber.octets(b"y" * size), ber.null())) == "ok"
    top = ber.octets(b"z" * 1000)
    assert _c()(top).content == top[4:]  # tag, 0x82 and two length octets


def test_data_other_than_bytes_is_decoded_in_python() -> None:
    data = z3950_client.search_request("union", 4, "staging")
    for other in (bytearray(data), memoryview(data)):
        got = ber.decode(other)  # type: ignore[arg-type]
        assert got == ber.py_decode(other)  # type: ignore[arg-type]
        assert type(got.children[0].content) is type(other[:1])
        with pytest.raises(ber.BerTruncated):
            ber.decode(other[:-1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ber.decode("text")  # type: ignore[arg-type]


def test_a_class_other_than_node_is_refused() -> None:
    from z3950 import _ber  # type: ignore[attr-defined]

    class Other:
        __slots__ = ("cls", "constructed", "content", "tag")

    args = (ber.BerError, ber.BerTruncated, ber.py_decode, ber.MAX_DEPTH,
            ber.MAX_LENGTH_OCTETS)
    with pytest.raises(TypeError):
        _ber.setup(Other, *args)
    with pytest.raises(TypeError):
        _ber.setup(type("Sub", (Node,), {"__slots__": ()}), *args)
    with pytest.raises(ValueError):
        _ber.setup(Node, *args[:3], ber.MAX_DEPTH, 9)
    assert_same(z3950_client.present_request(1, 10))  # the decoder is as it was


def test_no_references_leak() -> None:
    """Decoding, valid or not, leaves no object behind: input refcounts unchanged, and
    memory flat over many rounds."""
    inputs = [*_built(), *(data[:len(data) // 2] for data in _built()),
              b"\x30\x80" * 80 + b"\x05\x00", b"\x04\x85\x00\x00\x00\x00\x01a",
              ber.null() + b"\x00", ber.octets(b"whole")]
    decode = _c()
    counts = [sys.getrefcount(data) for data in inputs]

    def rounds(count: int) -> None:
        for _ in range(count):
            for data in inputs:
                with contextlib.suppress(ber.BerError):
                    decode(data)

    rounds(200)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rounds(2000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024
    assert [sys.getrefcount(data) for data in inputs] == counts
