"""Bib-1 RPN -> neutral AST, and the diagnostic for every refusal."""

from __future__ import annotations

import pytest

from search.query import Bool, Query, Term
from z3950 import bib1
from z3950 import diagnostics as d
from z3950.pdu import BIB1_ATTRIBUTES, Attribute, AttrTerm, ResultSetRef, RpnOp, RpnQuery


def q(term: str, *attrs: tuple[int, int | str], op: RpnOp | None = None) -> Query:
    rpn = AttrTerm(tuple(Attribute(t, v) for t, v in attrs), term)
    return bib1.to_query(RpnQuery(BIB1_ATTRIBUTES, op or rpn))


def test_use_attributes_map_to_indexes() -> None:
    assert q("x", (1, 1016)) == Term("any", "all", "x")
    assert q("war and peace", (1, 4)) == Term("title", "all", "war and peace")
    assert q("Nguyễn Du", (1, 1003)) == Term("creator", "all", "Nguyễn Du")
    assert q("9781556591488", (1, 7)) == Term("isbn", "=", "9781556591488")
    assert q("0028-0836", (1, 8)) == Term("issn", "=", "0028-0836")
    assert q("2000", (1, 31)) == Term("year", "=", "2000")
    assert q("Kim Đồng", (1, 1018)) == Term("publisher", "all", "Kim Đồng")
    assert q("vie", (1, 54)) == Term("language", "=", "vie")
    assert q("00041020", (1, 9)) == Term("identifier", "=", "lccn:00041020")
    assert q("x", (1, 21)) == Term("subject", "all", "x")


def test_local_number_searches_id_identifiers_and_lccn() -> None:
    assert q("00041020", (1, 12)) == Bool("or", Bool(
        "or", Term("id", "=", "00041020"), Term("identifier", "=", "00041020")),
        Term("identifier", "=", "lccn:00041020"))


def test_standard_identifier_is_isbn_issn_or_other() -> None:
    query = q("9781556591488", (1, 1007))
    assert isinstance(query, Bool) and query.op == "or"


def test_structures_relations_positions() -> None:
    assert q("spring essence", (1, 4), (4, 1)) == Term("title", "adj", "spring essence")
    assert q("spring essence", (1, 4), (4, 6)) == Term("title", "all", "spring essence")
    assert q("spring", (1, 4), (3, 1)) == Term("title", "adj", "spring")
    assert q("spring", (1, 4), (6, 3)) == Term("title", "adj", "spring")
    assert q("1990", (1, 31), (2, 4), (4, 4)) == Term("year", ">=", "1990")
    assert q("1990", (1, 31), (2, 6)) == Term("year", "<>", "1990")
    assert q("x", (1, 4), (2, 102)) == Term("title", "all", "x")  # relevance


def test_truncations() -> None:
    assert q("spri", (1, 4), (5, 1)) == Term("title", "all", "spri", "right")
    assert q("spri#", (1, 4), (5, 101)) == Term("title", "all", "spri", "right")
    assert q("#ring", (1, 7), (5, 101)) == Term("isbn", "=", "ring", "left")
    assert q("x", (1, 4), (5, 100)) == Term("title", "all", "x")


def test_booleans() -> None:
    left, right = AttrTerm((Attribute(1, 4),), "a"), AttrTerm((Attribute(1, 21),), "b")
    assert q("", op=RpnOp("and-not", left, right)) == Bool(
        "not", Term("title", "all", "a"), Term("subject", "all", "b"))


def test_text_is_nfc() -> None:
    decomposed = "Nguye\u0302\u0303n"
    assert q(decomposed, (1, 1003)) == Term("creator", "all", "Nguyễn")


@pytest.mark.parametrize(("attrs", "term", "error"), [
    (((1, 9999),), "x", d.UnsupportedUseAttribute),
    (((1, "title"),), "x", d.UnsupportedUseAttribute),
    (((1, 4), (2, 100)), "x", d.UnsupportedRelationAttribute),
    (((1, 4), (3, 7)), "x", d.UnsupportedPositionAttribute),
    (((1, 4), (4, 99)), "x", d.UnsupportedStructureAttribute),
    (((1, 4), (5, 102)), "x", d.UnsupportedTruncationAttribute),
    (((1, 4), (5, 101)), "a#b", d.UnsupportedTruncationAttribute),
    (((1, 4), (6, 4)), "x", d.UnsupportedCompletenessAttribute),
    (((1, 4), (4, 4)), "1999", d.UnsupportedAttributeCombination),
    (((1, 4), (1, 21)), "x", d.UnsupportedAttributeCombination),
    (((7, 1),), "x", d.UnsupportedAttributeType),
    (((1, 31),), "abc", d.IllegalTermValue),
    (((1, 4),), "  ", d.MalformedSearchTerm),
])
def test_refusals(attrs: tuple[tuple[int, int | str], ...], term: str,
                  error: type[d.Bib1Diagnostic]) -> None:
    with pytest.raises(error) as raised:
        q(term, *attrs)
    assert raised.value.code == error.code


def test_other_attribute_sets_and_operands() -> None:
    with pytest.raises(d.UnsupportedAttributeSet):
        bib1.to_query(RpnQuery("1.2.840.10003.3.5", AttrTerm((), "x")))
    with pytest.raises(d.ResultSetAsTermNotSupported):
        bib1.to_query(RpnQuery(BIB1_ATTRIBUTES, ResultSetRef("default")))
    prox = RpnOp("prox", AttrTerm((), "a"), AttrTerm((), "b"))
    with pytest.raises(d.OperatorUnsupported):
        bib1.to_query(RpnQuery(BIB1_ATTRIBUTES, prox))
    with pytest.raises(d.TermTypeNotSupported):
        bib1.to_query(RpnQuery(BIB1_ATTRIBUTES, AttrTerm((), "", "other")))
