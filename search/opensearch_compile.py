"""Compile the neutral query AST (search/query.py) to OpenSearch query DSL.

User text only ever becomes a JSON string value of a structured query (match, term,
prefix, wildcard with its metacharacters escaped, range, intervals); no ``query_string``,
no script. Semantics follow the SQLite backend (search/sqlite_compile.py) so that both
pass the same contract suite:

* word indexes: ``=`` and ``all`` need every word, ``any`` one of them, ``adj`` the phrase;
  matching is on the folded field, and an exact-diacritic match on the ``exact`` sub-field
  adds a constant boost, so exact forms rank first ("Việt" above "viết"); right truncation
  is a prefix on the last word; ``==`` compares the whole-field key (with any truncation);
  ``<, <=, >, >=`` compare keys lexically; ``<>`` is "does not match"; left/both
  truncation outside ``==`` is unsupported;
* keyword indexes: whole-value keys, right/left/both truncation, ``any``/``all`` over
  space-separated values; ``year`` compares numerically and alone supports ``within``;
* holding indexes (library, library_type, district) are nested clauses that see only the
  holdings the scope sees, so a restricted holding cannot be probed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from normalizers.text import exact, fold, has_marks, nfc, words
from search.opensearch_mapping import HOLDING_FIELDS, WORD_FIELDS
from search.query import (
    KEYWORD_INDEXES,
    Bool,
    MatchAll,
    Query,
    QueryError,
    Scope,
    Term,
    check_word_term,
)
from search.sqlite_keys import field_key, keyword_key

Dsl = dict[str, Any]

EXACT_BOOST = 100.0
_COMPARE = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_CLAUSES = 512


def scope_filter(scope: Scope) -> Dsl | None:
    """Entries the scope can see: one visible holding, or no holdings and no library filter."""
    if scope.libraries is None:
        if scope.sees_restricted:
            return None
        return {"bool": {"must_not": [{"term": {"restricted": True}}]}}
    field = "all_libraries" if scope.sees_restricted else "public_libraries"
    return {"terms": {field: sorted(scope.libraries)}}


def holding_filter(scope: Scope) -> list[Dsl]:
    """Conditions on one nested holding for the scope to see it."""
    parts: list[Dsl] = []
    if not scope.sees_restricted:
        parts.append({"term": {"holdings.restricted": False}})
    if scope.libraries is not None:
        parts.append({"terms": {"holdings.library": sorted(scope.libraries)}})
    return parts


def with_scope(query: Dsl, scope: Scope) -> Dsl:
    flt = scope_filter(scope)
    if flt is None:
        return query
    return {"bool": {"must": [query], "filter": [flt]}}


class _Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.clauses = 0

    def query(self, node: Query) -> Dsl:
        if isinstance(node, MatchAll):
            return {"match_all": {}}
        if isinstance(node, Bool):
            left, right = self.query(node.left), self.query(node.right)
            if node.op == "and":
                return {"bool": {"must": [left, right]}}
            if node.op == "or":
                return {"bool": {"should": [left, right], "minimum_should_match": 1}}
            return {"bool": {"must": [left], "must_not": [right]}}
        self.clauses += 1
        if self.clauses > _MAX_CLAUSES:
            raise QueryError("too_complex", "too many clauses", str(_MAX_CLAUSES))
        if node.index in HOLDING_FIELDS:
            return self.holding(node)
        if node.index in KEYWORD_INDEXES:
            return self.keyword(node)
        if node.index in WORD_FIELDS:
            return self.word(node)
        raise QueryError("unsupported_index", f"unsupported index {node.index!r}", node.index)

    # --- word indexes -----------------------------------------------------------------
    def word(self, term: Term) -> Dsl:
        if term.relation == "==":
            return _key_match(f"{term.index}_key", _field_key(term.value), term.truncation)
        if term.relation in _COMPARE:
            return {"range": {f"{term.index}_key": {
                _COMPARE[term.relation]: _field_key(term.value)}}}
        check_word_term(term)
        relation = "all" if term.relation in ("=", "<>") else term.relation
        field = WORD_FIELDS[term.index]
        prefix = term.truncation == "right"
        folded = _text_match(field, fold(term.value), relation, prefix)
        if term.relation == "<>":
            return {"bool": {"must_not": [folded]}}
        if not has_marks(term.value):
            return folded
        boosted = _text_match(f"{field}.exact", exact(term.value), relation, prefix)
        return {"bool": {"must": [folded], "should": [
            {"constant_score": {"filter": boosted, "boost": EXACT_BOOST}}]}}

    # --- keyword indexes --------------------------------------------------------------
    def keyword(self, term: Term) -> Dsl:
        if term.index == "year" and term.truncation == "none":
            return _year(term)
        if term.relation == "within":
            raise QueryError("unsupported_relation", "within applies to year only", "within")
        field = f"{term.index}_key"
        return self._keyed(term, field, _same)

    def holding(self, term: Term) -> Dsl:
        if term.relation == "within":
            raise QueryError("unsupported_relation", "within applies to year only", "within")
        field = f"holdings.{term.index}_key"
        visible = holding_filter(self.scope)

        def nest(inner: Dsl) -> Dsl:
            return {"nested": {"path": "holdings", "score_mode": "none", "query": {
                "bool": {"filter": [inner, *visible]}}}}

        return self._keyed(term, field, nest)

    def _keyed(self, term: Term, field: str, wrap: Callable[[Dsl], Dsl]) -> Dsl:
        if term.relation == "<>":
            return {"bool": {"must_not": [
                self._keyed(Term(term.index, "==", term.value, term.truncation), field, wrap)]}}
        if term.relation in ("any", "all"):
            parts = [wrap(_key_match(field, _key(term.index, v), term.truncation))
                     for v in _values(term.value)]
            if term.relation == "any":
                return {"bool": {"should": parts, "minimum_should_match": 1}}
            return {"bool": {"must": parts}}
        if term.relation in _COMPARE:
            return wrap({"range": {field: {
                _COMPARE[term.relation]: _key(term.index, term.value)}}})
        result: Dsl = wrap(_key_match(field, _key(term.index, term.value), term.truncation))
        return result


def _same(query: Dsl) -> Dsl:
    return query


def _text_match(field: str, text: str, relation: str, prefix: bool) -> Dsl:
    """Words of ``text`` (already folded or exact-cased) on an analyzed field."""
    text = nfc(text)
    tokens = words(text)
    if not tokens:
        raise QueryError("bad_term", "the term has no searchable words", text)
    if not prefix:
        if relation == "adj":
            return {"match_phrase": {field: {"query": text}}}
        operator = "or" if relation == "any" else "and"
        return {"match": {field: {"query": text, "operator": operator}}}
    last = list(_WORD.finditer(text))[-1]
    head, stem = text[: last.start()], last.group(0)
    head_has_words = bool(words(head))
    if relation == "adj":
        if not head_has_words:
            return {"prefix": {field: {"value": stem}}}
        return {"intervals": {field: {"all_of": {"mode": "ordered", "max_gaps": 0, "intervals": [
            {"match": {"query": head, "mode": "ordered", "max_gaps": 0}},
            {"prefix": {"prefix": stem}}]}}}}
    parts: list[Dsl] = [{"prefix": {field: {"value": stem}}}]
    if head_has_words:
        operator = "or" if relation == "any" else "and"
        parts.insert(0, {"match": {field: {"query": head, "operator": operator}}})
    if relation == "any":
        return {"bool": {"should": parts, "minimum_should_match": 1}}
    return {"bool": {"must": parts}}


def _escape_wildcard(text: str) -> str:
    return re.sub(r"([\\*?])", r"\\\1", text)


def _key_match(field: str, key: str, truncation: str) -> Dsl:
    if truncation == "right":
        return {"prefix": {field: {"value": key}}}
    if truncation == "left":
        return {"wildcard": {field: {"value": "*" + _escape_wildcard(key)}}}
    if truncation == "both":
        return {"wildcard": {field: {"value": "*" + _escape_wildcard(key) + "*"}}}
    return {"term": {field: key}}


def _year(term: Term) -> Dsl:
    years = [_year_value(v) for v in _values(term.value)]
    if term.relation == "within":
        if len(years) != 2:
            raise QueryError("bad_term", "within needs two years", term.value)
        return {"range": {"year": {"gte": min(years), "lte": max(years)}}}
    if term.relation == "any":
        return {"terms": {"year": years}}
    if len(years) != 1:
        raise QueryError("bad_term", "one year expected", term.value)
    if term.relation in _COMPARE:
        return {"range": {"year": {_COMPARE[term.relation]: years[0]}}}
    if term.relation == "<>":
        return {"bool": {"filter": [{"exists": {"field": "year"}}],
                         "must_not": [{"term": {"year": years[0]}}]}}
    return {"term": {"year": years[0]}}


def _year_value(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise QueryError("bad_term", f"not a year: {text!r}", text) from None


def _values(text: str) -> list[str]:
    found = text.split()
    if not found:
        raise QueryError("bad_term", "empty term", text)
    return found


def _key(index: str, value: str) -> str:
    key = field_key(value) if index in WORD_FIELDS else keyword_key(index, value)
    if not key:
        raise QueryError("bad_term", "empty term", value)
    return key


def _field_key(value: str) -> str:
    return _key("title", value)


def compile_query(query: Query, scope: Scope) -> Dsl:
    """The DSL for ``query`` restricted to what ``scope`` can see."""
    return with_scope(_Compiler(scope).query(query), scope)
