"""The BER codec on known vectors: definite, indefinite, high tags, framing limits."""

from __future__ import annotations

import random

import pytest

from z3950 import ber, pdu


def test_integer_encodings_are_minimal_twos_complement() -> None:
    cases = {0: b"\x00", 127: b"\x7f", 128: b"\x00\x80", 256: b"\x01\x00", -1: b"\xff",
             -128: b"\x80", -129: b"\xff\x7f"}
    for value, raw in cases.items():
        assert ber.encode_int(value) == raw
        assert ber.decode_int(raw) == value


def test_oid_round_trip_and_known_bytes() -> None:
    assert ber.encode_oid("1.2.840.10003.5.10") == bytes.fromhex("2a8648ce13050a")
    assert ber.decode_oid(bytes.fromhex("2a8648ce13050a")) == "1.2.840.10003.5.10"
    assert ber.decode_oid(ber.encode_oid("1.0.10646.1.0.8")) == "1.0.10646.1.0.8"


def test_bit_string_round_trip() -> None:
    values = [True, True, True, False, False, False, False, True, True]
    assert ber.decode_bits(ber.encode_bits(values)) == values


def test_high_tag_numbers_and_long_lengths() -> None:
    encoded = ber.text("x" * 300, 216, ber.CONTEXT)
    assert encoded[:2] == b"\x9f\x81"  # context, primitive, tag 216 in base 128
    node = ber.decode(encoded)
    assert (node.cls, node.tag, node.constructed) == (ber.CONTEXT, 216, False)
    assert node.as_text() == "x" * 300


def test_indefinite_length_nested() -> None:
    # [22] { [13] 0, [17] "default" } with indefinite lengths, as some clients send
    inner = ber.integer(0, 13, ber.CONTEXT) + ber.text("default", 17, ber.CONTEXT)
    data = b"\xb6\x80" + b"\x30\x80" + inner + b"\x00\x00" + b"\x00\x00"
    node = ber.decode(data)
    assert node.tag == 22 and node.constructed
    assert node.first().need(17).as_text() == "default"
    assert ber.frame_length(data, 1000) == len(data)


def test_constructed_octet_string_is_concatenated() -> None:
    data = b"\x24\x80" + ber.octets(b"ab") + ber.octets(b"cd") + b"\x00\x00"
    assert ber.decode(data).as_text() == "abcd"


def test_frame_length_waits_for_more_bytes() -> None:
    full = ber.cons(20, ber.integer(5, 5, ber.CONTEXT), ber.text("abc", 110, ber.CONTEXT))
    for cut in range(len(full)):
        assert ber.frame_length(full[:cut], 1000) is None
    assert ber.frame_length(full + b"next", 1000) == len(full)


def test_frame_length_refuses_oversized_messages_early() -> None:
    header = b"\xb4\x84\x10\x00\x00\x00"  # [20] with a 256 MiB definite length
    with pytest.raises(ber.BerError):
        ber.frame_length(header, 1 << 20)
    with pytest.raises(ber.BerError):
        ber.frame_length(b"\xb4\x80" + b"\x04\x01a" * 400, 1000)


@pytest.mark.parametrize("garbage", [
    b"\xb4\x85\x01\x02\x03\x04\x05",  # five length octets
    b"\x04\x80abc",  # indefinite primitive
    b"\xff",
])
def test_malformed_data_raises_ber_error(garbage: bytes) -> None:
    with pytest.raises(ber.BerError):
        ber.decode(garbage + b"\x00" * 8)


def test_trailing_bytes_rejected() -> None:
    with pytest.raises(ber.BerError):
        ber.decode(ber.null() + b"\x00")


@pytest.mark.parametrize("syntax", [pdu.USMARC, pdu.SUTRS, "1.2.840.10003.5.109.10"])
@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 4000, 65300, 65503, 65504, 65535,
                                  65536, 70000])
def test_a_retrieval_record_is_its_generic_encoding(syntax: str, size: int) -> None:
    """``pdu._name_plus_record`` packs the headers apart from the record (one step for
    the usual sizes); the bytes are those of nesting the generic constructors."""
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    for database in ("union", "x" * 200):
        rec = pdu.Record(database, syntax, data)
        generic = ber.seq(ber.text(database, 0, ber.CONTEXT),
                          ber.cons(1, ber.cons(1, pdu.external(syntax, data))))
        assert b"".join(pdu._name_plus_record(rec)) == generic


def _random_tree(rng: random.Random, depth: int = 0) -> ber.Node:
    cls, tag = rng.choice((0, 1, 2, 3)), rng.choice((0, 1, 5, 30, 31, 45, 105, 127, 128, 300))
    if depth < 3 and rng.random() < 0.5:
        return ber.Node(cls, True, tag, b"",
                        [_random_tree(rng, depth + 1) for _ in range(rng.randint(0, 4))])
    return ber.Node(cls, False, tag, rng.randbytes(rng.choice((0, 1, 2, 100, 127, 128, 300))))


def _encoded(node: ber.Node, long_lengths: bool) -> bytes:
    """``node`` in BER; with ``long_lengths`` every length takes the two-octet long form
    (valid BER, never the one-step header path)."""
    body = (b"".join(_encoded(c, long_lengths) for c in node.children) if node.constructed
            else node.content)
    if long_lengths:
        tag = ber.head(node.cls, node.constructed, node.tag, 0)[:-1]  # the tag octets
        return tag + b"\x82" + len(body).to_bytes(2, "big") + body
    return ber.tlv(node.cls, node.constructed, node.tag, body)


def test_the_one_step_header_path_decodes_as_the_general_one() -> None:
    rng = random.Random(5)
    for _ in range(300):
        tree = _random_tree(rng)
        assert ber.decode(_encoded(tree, False)) == tree
        assert ber.decode(_encoded(tree, True)) == tree
        with pytest.raises(ber.BerTruncated):
            ber.decode(_encoded(tree, False)[:-1] or b"\x30")


@pytest.mark.parametrize("tag,cls", [(ber.INTEGER, ber.UNIVERSAL), (24, ber.CONTEXT),
                                     (211, ber.CONTEXT)])
def test_integer_is_its_generic_encoding(tag: int, cls: int) -> None:
    for value in [*range(-300, 300), 1 << 31, -(1 << 40)]:
        assert ber.integer(value, tag, cls) == ber.tlv(cls, False, tag, ber.encode_int(value))
