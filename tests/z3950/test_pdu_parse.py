"""Request APDUs parse to the same values whether decoded afresh or looked up (a client's
repeated present APDU is parsed once)."""

from __future__ import annotations

import pytest

from z3950 import pdu
from z3950.ber import CONTEXT, BerError, cons, integer, oid, prim, text


def _present(start: int, count: int, element_set: str = "F", syntax: str = pdu.USMARC,
             reference: bytes | None = None) -> bytes:
    parts = [prim(2, reference)] if reference is not None else []
    parts += [text("default", 31, CONTEXT), integer(start, 30, CONTEXT),
              integer(count, 29, CONTEXT), cons(19, text(element_set, 0, CONTEXT)),
              oid(syntax, 104, CONTEXT)]
    return cons(pdu.PRESENT_REQUEST, *parts)


PRESENTS = (_present(1, 10), _present(11, 10), _present(1, 20), _present(1, 10, "B"),
            _present(1, 10, syntax=pdu.XML_TEXT), _present(1, 10, reference=b"r1"),
            _present(1, 10, reference=b"r2"), _present(300, 1))


@pytest.mark.parametrize("data", PRESENTS)
def test_a_repeated_present_is_the_value_decoded_afresh(data: bytes) -> None:
    first = pdu.parse_request(data)
    assert isinstance(first, pdu.PresentRequest)
    assert first == pdu._parse_apdu(data)
    assert pdu.parse_request(bytes(data)) is first  # the same bytes: looked up


def test_presents_that_differ_parse_to_their_own_values() -> None:
    values = [pdu.parse_request(data) for data in PRESENTS]
    assert len({repr(v) for v in values}) == len(PRESENTS)
    assert values[1] == pdu.PresentRequest(None, "default", 11, 10, "F", pdu.USMARC)
    assert values[5] == pdu.PresentRequest(b"r1", "default", 1, 10, "F", pdu.USMARC)


def test_a_malformed_present_raises_every_time() -> None:
    broken = _present(1, 10)[:-3] + b"\x04\x01"  # a child runs past its parent's end
    for _ in range(2):
        with pytest.raises(BerError):
            pdu.parse_request(broken)


def test_other_requests_are_decoded_each_time() -> None:
    close = cons(pdu.CLOSE, integer(0, 211, CONTEXT))
    first, second = pdu.parse_request(close), pdu.parse_request(close)
    assert first == second == pdu.CloseRequest(None, 0) and first is not second
