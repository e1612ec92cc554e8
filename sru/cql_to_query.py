"""The CQL tree (sru.cql) -> the neutral query model (search.query), or a diagnostic."""

from __future__ import annotations

from dataclasses import dataclass

from search.query import Bool, MatchAll, Query, QueryError, Relation, SortKey, Term
from sru import indexes
from sru.cql import CQLQuery, Modifier, Node, Prefix, SearchClause, Triple
from sru.cql import SortKey as CqlSortKey
from sru.diagnostics import (
    EmptyTermUnsupported,
    QueryFeatureUnsupported,
    SortNotSupported,
    SRUDiagnostic,
    TermInInvalidFormatForIndexOrRelation,
    TooManyBooleanOperatorsInQuery,
    UnsupportedBooleanModifier,
    UnsupportedBooleanOperator,
    UnsupportedCase,
    UnsupportedContextSet,
    UnsupportedIndex,
    UnsupportedMissingValueAction,
    UnsupportedPathForSort,
    UnsupportedRelation,
    UnsupportedRelationModifier,
)
from sru.terms import parse_term

RELATION_ALIASES: dict[str, Relation] = {
    "=": "=", "==": "==", "exact": "==", "scr": "=", "any": "any", "all": "all",
    "adj": "adj", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "<>": "<>",
    "within": "within",
}
# Relation modifiers that change nothing for us (we always fold case and accents).
HARMLESS_MODIFIERS = frozenset({"ignorecase", "ignoreaccents", "relevant", "string", "word",
                                "isodate", "number", "masked"})
SORT_DIRECTIONS = {"ascending": False, "descending": True}
MAX_CLAUSES = 64


@dataclass(frozen=True)
class Mapped:
    query: Query
    sort: tuple[SortKey, ...] = ()


Scope = dict[str, str]  # prefix name -> context-set short name ("" = default set)


def map_query(cql: CQLQuery, sort_allowed: bool = True) -> Mapped:
    if _clauses(cql.root) > MAX_CLAUSES:
        raise TooManyBooleanOperatorsInQuery(f"more than {MAX_CLAUSES} search clauses")
    query = _node(cql.root, {})
    if cql.sort_keys and not sort_allowed:
        raise SortNotSupported("sortBy")
    sort = tuple(map_sort_key(k) for k in cql.sort_keys)
    return Mapped(query, sort)


def _clauses(node: Node) -> int:
    if isinstance(node, SearchClause):
        return 1
    return _clauses(node.left) + _clauses(node.right)


def _with_prefixes(scope: Scope, prefixes: tuple[Prefix, ...]) -> Scope:
    if not prefixes:
        return scope
    inner = dict(scope)
    for prefix in prefixes:
        cset = indexes.set_of_identifier(prefix.identifier)
        if cset is None:
            raise UnsupportedContextSet(prefix.identifier)
        inner[prefix.name.lower()] = cset
    return inner


def _node(node: Node, scope: Scope) -> Query:
    scope = _with_prefixes(scope, node.prefixes)
    if isinstance(node, SearchClause):
        return map_clause(node, scope)
    return _triple(node, scope)


def _triple(node: Triple, scope: Scope) -> Query:
    op = node.boolean.value
    if op == "prox":
        raise UnsupportedBooleanOperator("prox")
    if node.boolean.modifiers:
        raise UnsupportedBooleanModifier(_modifier_text(node.boolean.modifiers[0]))
    left = _node(node.left, scope)
    right = _node(node.right, scope)
    if op == "and":
        return Bool("and", left, right)
    if op == "or":
        return Bool("or", left, right)
    return Bool("not", left, right)


def resolve_index(name: str, scope: Scope) -> indexes.CqlIndex:
    """A CQL index name (prefixed or not) -> our index, or diagnostic 15/16."""
    if "." in name:
        prefix, base = name.split(".", 1)
        cset = scope.get(prefix.lower(), prefix.lower())
        if cset not in indexes.CONTEXT_SETS:
            raise UnsupportedContextSet(prefix)
        found = indexes.find(cset, base)
        if found is None:
            raise UnsupportedIndex(name)
        return found
    sets = ((scope[""],) if "" in scope else ()) + indexes.DEFAULT_SET_ORDER
    for cset in sets:
        found = indexes.find(cset, name)
        if found is not None:
            return found
    raise UnsupportedIndex(name)


def map_clause(clause: SearchClause, scope: Scope) -> Query:
    index = resolve_index(clause.index, scope)
    relation_name = clause.relation.value.lower()
    if index.target is None:  # cql.allRecords: every record, whatever the term
        return MatchAll()
    if relation_name not in RELATION_ALIASES:
        raise UnsupportedRelation(clause.relation.value)
    if relation_name not in index.relations:
        raise UnsupportedRelation(f"{clause.relation.value} for {index.qualified}")
    masked = True
    for modifier in clause.relation.modifiers:
        base = modifier.name.lower().split(".", 1)[-1]
        if base == "unmasked" and modifier.comparison is None:
            masked = False
        elif base not in HARMLESS_MODIFIERS or modifier.comparison is not None:
            raise UnsupportedRelationModifier(_modifier_text(modifier))
    parsed = parse_term(clause.term, masked)
    if not parsed.value.strip():
        raise EmptyTermUnsupported(index.qualified)
    relation = RELATION_ALIASES[relation_name]
    if parsed.anchored:
        relation = "=="
    if relation == "within" and len(parsed.value.split()) != 2:
        raise TermInInvalidFormatForIndexOrRelation(
            f"{clause.term!r}: 'within' needs two bounds, 'from to'")
    return Term(index.target, relation, parsed.value, parsed.truncation)


def map_sort_key(key: CqlSortKey) -> SortKey:
    index = resolve_index(key.index, {})
    if index.sort is None:
        raise UnsupportedPathForSort(key.index)
    descending = False
    for modifier in key.modifiers:
        base = modifier.name.lower().split(".", 1)[-1]
        if base in SORT_DIRECTIONS:
            descending = SORT_DIRECTIONS[base]
        elif base == "respectcase":
            raise UnsupportedCase(_modifier_text(modifier))
        elif base.startswith("missing"):
            raise UnsupportedMissingValueAction(_modifier_text(modifier))
        elif base != "ignorecase":
            raise QueryFeatureUnsupported(f"sort modifier {_modifier_text(modifier)}")
    return SortKey(index.sort, descending)


def _modifier_text(modifier: Modifier) -> str:
    if modifier.comparison is None:
        return modifier.name
    return f"{modifier.name}{modifier.comparison}{modifier.value}"


def diagnostic_of(error: QueryError) -> SRUDiagnostic:
    """A backend's QueryError as the SRU diagnostic that names it."""
    from sru.diagnostics import MaskingCharacterNotSupported

    detail = error.detail or str(error)
    if error.kind == "unsupported_index":
        return UnsupportedIndex(detail)
    if error.kind == "unsupported_relation":
        return UnsupportedRelation(f"{detail}: {error}")
    if error.kind == "unsupported_truncation":
        return MaskingCharacterNotSupported(f"{detail}: {error}")
    if error.kind == "too_complex":
        return TooManyBooleanOperatorsInQuery(str(error))
    return TermInInvalidFormatForIndexOrRelation(f"{detail}: {error}" if detail else str(error))
