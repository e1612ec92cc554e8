"""Search requests with RPN trees parse to the values they encode; an attributes-plus-term
or a query missing a part is a PduError (answered with a protocol-error Close), never a
StopIteration or RuntimeError escaping the parser."""

from __future__ import annotations

import pytest

from z3950 import ber, pdu
from z3950.ber import CONTEXT, cons, integer, oid, prim, seq, text
from z3950.pdu import Attribute, AttrTerm, ResultSetRef, RpnOp, RpnQuery

GILS = "1.2.840.10003.3.5"


def _attribute(kind: int, value: int | str, attribute_set: str | None = None) -> bytes:
    head = [oid(attribute_set, 1, CONTEXT)] if attribute_set else []
    if isinstance(value, int):
        encoded = integer(value, 121, CONTEXT)
    else:  # complex [224] { list [1] { StringOrNumeric string [1] } }
        encoded = cons(224, cons(1, text(value, 1, CONTEXT)))
    return seq(*head, integer(kind, 120, CONTEXT), encoded)


def _operand(term: bytes, *attrs: bytes) -> bytes:
    return cons(0, cons(102, cons(44, *attrs), term))


def _op(kind: int, left: bytes, right: bytes) -> bytes:
    return cons(1, left, right, cons(46, prim(kind, b"")))


def _search(rpn: bytes, query_tag: int = 1) -> bytes:
    return cons(22, prim(2, b"ref"), integer(0, 13, CONTEXT), integer(1, 14, CONTEXT),
                integer(0, 15, CONTEXT), ber.boolean(True, 16, CONTEXT),
                text("default", 17, CONTEXT),
                cons(18, text("union", 105, CONTEXT), text("other", 105, CONTEXT)),
                cons(21, cons(query_tag, oid(pdu.BIB1_ATTRIBUTES), rpn)),
                cons(100, text("B", 0, CONTEXT)), oid(pdu.USMARC, 104, CONTEXT))


def test_a_nested_rpn_tree_parses_to_its_values() -> None:
    rpn = _op(0, _op(1, _operand(prim(45, b"smith"), _attribute(1, 1003), _attribute(5, 1)),
                     _operand(prim(216, "jöns".encode()), _attribute(1, "author", GILS))),
              _op(2, _operand(integer(1999, 215, CONTEXT), _attribute(1, 31),
                              _attribute(2, 3), _attribute(4, 4)),
                  cons(0, text("older", 31, CONTEXT))))
    request = pdu.parse_request(_search(rpn))
    assert isinstance(request, pdu.SearchRequest)
    assert (request.reference_id, request.databases) == (b"ref", ("union", "other"))
    assert (request.small_set_element_set, request.record_syntax) == ("B", pdu.USMARC)
    assert request.query == RpnQuery(pdu.BIB1_ATTRIBUTES, RpnOp(
        "and",
        RpnOp("or", AttrTerm((Attribute(1, 1003), Attribute(5, 1)), "smith"),
              AttrTerm((Attribute(1, "author", GILS),), "jöns", "characterString")),
        RpnOp("and-not",
              AttrTerm((Attribute(1, 31), Attribute(2, 3), Attribute(4, 4)), "1999",
                       "numeric"),
              ResultSetRef("older"))))


def test_type_101_and_an_other_term() -> None:
    rpn = _operand(prim(99, b"?"), _attribute(1, 4))
    request = pdu.parse_request(_search(rpn, query_tag=101))
    assert isinstance(request, pdu.SearchRequest)
    assert request.query.rpn == AttrTerm((Attribute(1, 4),), "", "other")


@pytest.mark.parametrize("rpn", [
    cons(0, cons(102, cons(44, seq(integer(1, 120, CONTEXT))), prim(45, b"x"))),  # no value
    cons(0, cons(102, cons(44, seq(integer(1, 120, CONTEXT), integer(4, 121, CONTEXT))))),
    b"",  # no RPN structure after the attribute set
], ids=["no-attribute-value", "no-term", "no-rpn-structure"])
def test_a_missing_part_is_a_pdu_error(rpn: bytes) -> None:
    with pytest.raises(pdu.PduError):
        pdu.parse_request(_search(rpn))


def test_missing_search_fields_name_the_element() -> None:
    full = _search(_operand(prim(45, b"x"), _attribute(1, 4)))
    node = ber.decode(full)
    for tag in (16, 17, 18, 21):
        node.children = [c for c in ber.decode(full).children if c.tag != tag]
        with pytest.raises(ber.BerError, match=rf"missing element \[{tag}\]"):
            pdu._parse_search(node)


def test_a_sort_key_without_its_element_is_a_pdu_error() -> None:
    spec = seq(integer(0, 3, CONTEXT))  # a SortKeySpec with caseSensitivity [3] only
    request = cons(pdu.SORT_REQUEST, prim(2, b"ref"), cons(3, text("default", 0, CONTEXT)),
                   text("sorted", 4, CONTEXT), cons(5, spec))
    with pytest.raises(pdu.PduError, match="sortElement"):
        pdu.parse_request(request)
