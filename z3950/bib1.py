"""Type-1 RPN queries with Bib-1 attributes -> the neutral query AST (search/query.py).

Every attribute combination we cannot honour becomes the Bib-1 diagnostic the standard
names for it; nothing is silently dropped except attributes documented as ignored.
See docs/z3950.md for the table this module implements.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from search.query import KEYWORD_INDEXES, Bool, Index, Query, Relation, Term, Truncation
from z3950 import diagnostics as d
from z3950.pdu import BIB1_ATTRIBUTES, Attribute, AttrTerm, ResultSetRef, Rpn, RpnOp, RpnQuery

USE, RELATION, POSITION, STRUCTURE, TRUNCATION, COMPLETENESS = 1, 2, 3, 4, 5, 6

# Bib-1 use attribute -> neutral indexes (several indexes are OR-ed)
USE_ATTRIBUTES: dict[int, tuple[Index, ...]] = {
    1016: ("any",), 1017: ("any",), 1035: ("any",),
    4: ("title",), 6: ("title",), 33: ("title",),
    5: ("series",),
    1003: ("creator",), 1: ("creator",), 2: ("creator",), 3: ("creator",),
    1002: ("creator",), 1004: ("creator",), 1005: ("creator",), 1006: ("creator",),
    21: ("subject",),
    7: ("isbn",),
    8: ("issn",),
    9: ("identifier",),  # LC control number (010), stored as "lccn:<number>"
    12: ("id", "identifier"),  # local number: entry id, member system number or LCCN
    1007: ("isbn", "issn", "identifier"),  # standard identifier
    1032: ("id",),
    30: ("year",), 31: ("year",),
    1018: ("publisher",),
    54: ("language",),
    13: ("classification",), 16: ("classification",), 20: ("classification",),
}

RELATIONS: dict[int, Relation] = {1: "<", 2: "<=", 3: "=", 4: ">=", 5: ">", 6: "<>", 102: "="}

TEXT_STRUCTURES = {1: "adj", 2: "all", 3: "adj", 6: "all", 105: "all", 106: "all"}
DATE_STRUCTURES = {4, 5, 100}
KEY_STRUCTURES = {109}

TRUNCATIONS: dict[int, Truncation] = {1: "right", 2: "left", 3: "both", 100: "none"}
MASKING = {101: "#", 104: "#?"}


@dataclass(frozen=True)
class Attributes:
    """The Bib-1 attributes of one operand, at most one value per type."""

    use: int | None = None
    relation: int | None = None
    position: int | None = None
    structure: int | None = None
    truncation: int | None = None
    completeness: int | None = None


def to_query(query: RpnQuery) -> Query:
    """The neutral AST for a type-1 query; raises ``Bib1Diagnostic`` subclasses."""
    check_attribute_set(query.attribute_set)
    return _node(query.rpn)


def check_attribute_set(oid: str | None) -> None:
    if oid is not None and oid != BIB1_ATTRIBUTES:
        raise d.UnsupportedAttributeSet(oid)


def _node(rpn: Rpn) -> Query:
    if isinstance(rpn, ResultSetRef):
        raise d.ResultSetAsTermNotSupported(rpn.name)
    if isinstance(rpn, RpnOp):
        if rpn.op == "prox":
            raise d.OperatorUnsupported("prox")
        op = {"and": "and", "or": "or", "and-not": "not"}[rpn.op]
        return Bool(op, _node(rpn.left), _node(rpn.right))  # type: ignore[arg-type]
    return operand(rpn)


def attributes_of(term: AttrTerm) -> Attributes:
    values: dict[int, int] = {}
    for attr in term.attributes:
        check_attribute_set(attr.attribute_set)
        if attr.type not in range(1, 7):
            raise d.UnsupportedAttributeType(str(attr.type))
        if attr.type in values:
            raise d.UnsupportedAttributeCombination(f"{attr.type} given twice")
        values[attr.type] = _numeric(attr)
    return Attributes(*(values.get(t) for t in range(1, 7)))


def _numeric(attr: Attribute) -> int:
    if isinstance(attr.value, int):
        return attr.value
    bad = {USE: d.UnsupportedUseAttribute, RELATION: d.UnsupportedRelationAttribute,
           POSITION: d.UnsupportedPositionAttribute, STRUCTURE: d.UnsupportedStructureAttribute,
           TRUNCATION: d.UnsupportedTruncationAttribute}.get(attr.type, d.UnsupportedAttributeType)
    raise bad(attr.value)


def indexes_of(use: int | None) -> tuple[Index, ...]:
    if use is None:
        return ("any",)
    if use not in USE_ATTRIBUTES:
        raise d.UnsupportedUseAttribute(str(use))
    return USE_ATTRIBUTES[use]


def operand(term: AttrTerm) -> Query:
    """One attributes-plus-term operand (several indexes for a use attribute are OR-ed)."""
    if term.term_type == "other":
        raise d.TermTypeNotSupported("only general, numeric and characterString terms")
    attrs = attributes_of(term)
    value = unicodedata.normalize("NFC", term.term).strip()
    if not value:
        raise d.MalformedSearchTerm("empty term")
    clauses = [_clause(index, attrs, value) for index in indexes_of(attrs.use)]
    if attrs.use == 12 and not value.startswith("lccn:"):  # 001 of LC records is the LCCN
        clauses.append(_clause("identifier", replace(attrs, use=9), value))
    query: Query = clauses[0]
    for clause in clauses[1:]:
        query = Bool("or", query, clause)
    return query


def _clause(index: Index, attrs: Attributes, value: str) -> Term:
    _check_position(attrs.position)
    _check_completeness(attrs.completeness)
    value, truncation = _truncation(attrs.truncation, value)
    relation = _relation(index, attrs, value)
    if index == "identifier" and attrs.use == 9 and not value.startswith("lccn:"):
        value = f"lccn:{value}"
    return Term(index, relation, value, truncation)


def _check_position(position: int | None) -> None:
    if position not in (None, 1, 2, 3):
        raise d.UnsupportedPositionAttribute(str(position))


def _check_completeness(completeness: int | None) -> None:
    if completeness not in (None, 1, 2, 3):
        raise d.UnsupportedCompletenessAttribute(str(completeness))


def _relation(index: Index, attrs: Attributes, value: str) -> Relation:
    relation = RELATIONS.get(attrs.relation if attrs.relation is not None else 3)
    if relation is None:
        raise d.UnsupportedRelationAttribute(str(attrs.relation))
    structure = attrs.structure
    if index == "year":
        return _year_relation(relation, structure, value)
    if structure in DATE_STRUCTURES:
        raise d.UnsupportedAttributeCombination(f"structure {structure} on a non-date index")
    if index in KEYWORD_INDEXES:
        if structure is not None and structure not in {*TEXT_STRUCTURES, *KEY_STRUCTURES}:
            raise d.UnsupportedStructureAttribute(str(structure))
        return relation
    return _text_relation(relation, structure, attrs)


def _year_relation(relation: Relation, structure: int | None, value: str) -> Relation:
    if structure is not None and structure not in DATE_STRUCTURES | KEY_STRUCTURES | {1, 2}:
        raise d.UnsupportedStructureAttribute(str(structure))
    if not value.isdigit():
        raise d.IllegalTermValue(f"year expected, got {value!r}")
    return relation


def _text_relation(relation: Relation, structure: int | None, attrs: Attributes) -> Relation:
    if relation != "=":
        return relation  # lexical comparison on the whole field (backend decides)
    if structure is not None and structure not in TEXT_STRUCTURES:
        raise d.UnsupportedStructureAttribute(str(structure))
    anchored = attrs.position in (1, 2) or attrs.completeness in (2, 3)
    default = "adj" if anchored else "all"
    chosen = TEXT_STRUCTURES.get(structure, default) if structure is not None else default
    return "adj" if chosen == "adj" else "all"


def _truncation(code: int | None, value: str) -> tuple[str, Truncation]:
    if code is None:
        return value, "none"
    if code in TRUNCATIONS:
        return value, TRUNCATIONS[code]
    if code in MASKING:
        return _masked(value, MASKING[code])
    raise d.UnsupportedTruncationAttribute(str(code))


def _masked(value: str, masks: str) -> tuple[str, Truncation]:
    """``#`` (and ``?`` for 104) as leading and/or trailing masks; inside a term: 120."""
    core = value.strip(masks)
    if not core:
        raise d.MalformedSearchTerm("term is only masking characters")
    if any(m in core for m in masks):
        raise d.UnsupportedTruncationAttribute("masking inside a term")
    left, right = value[0] in masks, value[-1] in masks
    truncation: Truncation = ("both" if left and right else "left" if left
                              else "right" if right else "none")
    return core, truncation
