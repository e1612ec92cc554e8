"""Compile the neutral query AST (search/query.py) to an SQLite WHERE clause over ``e``
(the ``entries`` table) plus FTS5 MATCH strings for ranking.

Injection safety: user text reaches SQLite only as bound parameters; inside FTS5 MATCH
strings every token is a double-quoted string with inner quotes doubled, and tokens
come from ``normalizers.text.words`` (word characters only).

Choices (documented for protocol authors):
* An empty or all-punctuation term raises ``QueryError("bad_term")``.
* Word indexes: right truncation is a prefix match on the last word; left/both
  truncation raise ``unsupported_truncation`` except with ``==`` (whole-field LIKE).
  Keyword indexes support right, left and both truncation.
* ``<, <=, >, >=`` compare years numerically and other values lexically on the folded
  whole-field key; ``<>`` is "does not match"; ``within`` is only for ``year``.
* Holdings-derived indexes (library, library_type, district) match only holdings the
  scope can see, so a restricted holding cannot be probed by searching its library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from normalizers.text import exact, has_marks, words
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
from search.sqlite_keys import (
    HOLDING_INDEXES,
    WORD_COLUMNS,
    WORD_INDEXES,
    fast_fold,
    keyword_key,
)

Params = list[object]
_MAX_CHAR = "\U0010ffff"
_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FTS_RELATIONS = frozenset({"=", "all", "any", "adj"})


@dataclass
class Compiled:
    where: str
    params: Params
    rank_match: str | None = None  # folded forms of the positive word clauses, for bm25
    exact_match: str | None = None  # exact (diacritic) forms, for the exact-match boost
    # The whole query as one FTS5 MATCH, when it is a conjunction of positive word clauses
    # (the common case): then hits come straight from ``fts``, without ``where``.
    match: str | None = None
    phrases: int = 0  # FTS5 phrases in ``match`` (a quoted string, prefix or not, is one)


def scope_sql(scope: Scope, alias: str = "e") -> tuple[str, Params]:
    """Entries the scope can see: one visible holding, or no holdings and no library filter."""
    if scope.libraries is None:
        return ("1", []) if scope.sees_restricted else (f"{alias}.pub = 1", [])
    libs = sorted(scope.libraries)
    if not libs:
        return "0", []
    marks = ", ".join("?" * len(libs))
    restricted = "" if scope.sees_restricted else " AND restricted = 0"
    return (f"{alias}.rowid IN (SELECT entry FROM holdings WHERE library IN ({marks})"
            f"{restricted})", list(libs))


def rowid_scope_sql(scope: Scope, rowid: str, hidden: bool = True) -> tuple[str, Params]:
    """``scope_sql`` for a source driven by rowids (``fts``, ``temp.hits``), without
    reading ``entries``: public views exclude the (few, partially indexed) non-public
    entries, a probe per hit skipped when the caller knows there are none (``hidden``
    False); library views probe the holdings of each hit (never ``rowid IN (list)``,
    which SQLite would push into FTS5 as one MATCH per listed rowid)."""
    if scope.libraries is None:
        if scope.sees_restricted or not hidden:
            return "1", []
        return f"{rowid} NOT IN (SELECT rowid FROM entries WHERE pub = 0)", []
    libs = sorted(scope.libraries)
    if not libs:
        return "0", []
    restricted = "" if scope.sees_restricted else " AND restricted = 0"
    return (f"EXISTS (SELECT 1 FROM holdings WHERE entry = {rowid}"
            f" AND library IN ({', '.join('?' * len(libs))}){restricted})", list(libs))


def holding_sql(scope: Scope, alias: str = "v") -> tuple[str, Params]:
    """Value rows the scope can see (holdings-derived rows carry ``lib``)."""
    parts, params = [], list[object]()
    if not scope.sees_restricted:
        parts.append(f"{alias}.restricted = 0")
    if scope.libraries is not None:
        libs = sorted(scope.libraries)
        parts.append(f"({alias}.lib = '' OR {alias}.lib IN ({', '.join('?' * len(libs))}))"
                     if libs else f"{alias}.lib = ''")
        params += libs
    return (" AND ".join(parts) or "1"), params


def _quote(tokens: list[str], prefix: bool) -> str:
    body = " ".join(t.replace('"', '""') for t in tokens)
    return f'"{body}"' + (" *" if prefix else "")


def fts_match(columns: tuple[str, ...], tokens: list[str], relation: str, prefix: bool) -> str:
    """An FTS5 expression: the tokens as a phrase (adj), all (AND) or any (OR)."""
    spec = "{" + " ".join(columns) + "} : "
    if relation == "adj":
        return spec + _quote(tokens, prefix)
    last = len(tokens) - 1
    parts = [spec + _quote([t], prefix and i == last) for i, t in enumerate(tokens)]
    return "(" + (" OR " if relation == "any" else " AND ").join(parts) + ")"


@dataclass
class _Compiler:
    scope: Scope
    params: Params = field(default_factory=list)
    ranks: list[str] = field(default_factory=list)
    exacts: list[str] = field(default_factory=list)
    phrases: int = 0  # in the ranking MATCHes

    def query(self, node: Query, positive: bool = True) -> str:
        if isinstance(node, MatchAll):
            return "1"
        if isinstance(node, Bool):
            left = self.query(node.left, positive)
            if node.op == "not":
                return f"({left} AND NOT {self.query(node.right, not positive)})"
            return f"({left} {node.op.upper()} {self.query(node.right, positive)})"
        if node.index in KEYWORD_INDEXES:
            return self.keyword(node)
        if node.index in WORD_COLUMNS:
            return self.word(node, positive)
        raise QueryError("unsupported_index", f"unsupported index {node.index!r}", node.index)

    # --- word indexes -----------------------------------------------------------------
    def word(self, term: Term, positive: bool) -> str:
        if term.relation == "==":
            return self.whole_field(term)
        if term.relation in _COMPARE:
            return self.field_compare(term)
        check_word_term(term)
        relation = "all" if term.relation in ("=", "<>") else term.relation
        folded = _tokens(fast_fold(term.value))
        prefix = term.truncation == "right"
        columns = WORD_COLUMNS[term.index]
        match = fts_match(columns, folded, relation, prefix)
        self.params.append(match)
        sql = "e.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
        if term.relation == "<>":
            return f"NOT {sql}"
        if positive:
            self.ranks.append(match)
            self.phrases += 1 if relation == "adj" else len(folded)
        if positive and has_marks(term.value):
            x_columns = tuple(f"x_{c}" for c in columns)
            self.exacts.append(fts_match(x_columns, _tokens(exact(term.value)), relation, prefix))
        return sql

    def _word_vals(self, term: Term) -> tuple[str, Params]:
        indexes = sorted(WORD_INDEXES) if term.index == "any" else [term.index]
        return f"v.idx IN ({', '.join('?' * len(indexes))})", list(indexes)

    def whole_field(self, term: Term) -> str:
        where, params = self._word_vals(term)
        cond, more = _key_condition("title", term)
        return self.vals_in(f"{where} AND {cond}", params + more)

    def field_compare(self, term: Term) -> str:
        where, params = self._word_vals(term)
        key = _key(term.index if term.index != "any" else "title", term.value)
        return self.vals_in(f"{where} AND v.key {_COMPARE[term.relation]} ?", [*params, key])

    # --- keyword indexes --------------------------------------------------------------
    def keyword(self, term: Term) -> str:
        if term.index == "year" and term.truncation == "none":
            return self.year(term)
        if term.relation == "within":
            raise QueryError("unsupported_relation", "within applies to year only", "within")
        if term.relation == "<>":
            return f"NOT {self.keyword(Term(term.index, '==', term.value, term.truncation))}"
        if term.relation in ("any", "all"):
            parts = [self.keyword(Term(term.index, "==", v, term.truncation))
                     for v in _values(term.value)]
            return "(" + (" OR " if term.relation == "any" else " AND ").join(parts) + ")"
        params: Params
        if term.relation in _COMPARE:
            cond, params = f"v.key {_COMPARE[term.relation]} ?", [_key(term.index, term.value)]
        else:
            cond, params = _key_condition(term.index, term)
        if term.index == "id":
            self.params += params
            return "(" + cond.replace("v.key", "e.id") + ")"
        return self.vals_in(f"v.idx = ? AND {cond}", [term.index, *params], term.index)

    def year(self, term: Term) -> str:
        years = [_year(v) for v in _values(term.value)]
        if term.relation == "within":
            if len(years) != 2:
                raise QueryError("bad_term", "within needs two years", term.value)
            self.params += [min(years), max(years)]
            return "e.year BETWEEN ? AND ?"
        if term.relation == "any":
            self.params += years
            return f"e.year IN ({', '.join('?' * len(years))})"
        if len(years) != 1:
            raise QueryError("bad_term", "one year expected", term.value)
        op = {"<>": "<>", **_COMPARE}.get(term.relation, "=")
        self.params.append(years[0])
        return f"e.year {op} ?"

    def vals_in(self, cond: str, params: Params, index: str = "") -> str:
        self.params += params
        if index not in HOLDING_INDEXES:
            return f"e.rowid IN (SELECT v.entry FROM vals v WHERE {cond})"
        visible, more = holding_sql(self.scope)
        self.params += more
        return f"e.rowid IN (SELECT v.entry FROM vals v WHERE {cond} AND {visible})"


def _tokens(text: str) -> list[str]:
    found = words(text)
    if not found:
        raise QueryError("bad_term", "the term has no searchable words", text)
    return found


def _values(text: str) -> list[str]:
    found = text.split()
    if not found:
        raise QueryError("bad_term", "empty term", text)
    return found


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise QueryError("bad_term", f"not a year: {text!r}", text) from None


def _key(index: str, value: str) -> str:
    key = keyword_key(index, value)
    if not key:
        raise QueryError("bad_term", "empty term", value)
    return key


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _key_condition(index: str, term: Term) -> tuple[str, Params]:
    """Equality or truncated match on ``v.key``."""
    key = _key(index, term.value)
    if term.truncation == "right":
        return "v.key >= ? AND v.key < ?", [key, key + _MAX_CHAR]
    if term.truncation == "left":
        return "v.key LIKE ? ESCAPE '\\'", ["%" + _like_escape(key)]
    if term.truncation == "both":
        return "v.key LIKE ? ESCAPE '\\'", ["%" + _like_escape(key) + "%"]
    return "v.key = ?", [key]


def _fts_only(query: Query) -> bool:
    """A conjunction of positive word clauses, each compiled to one FTS5 MATCH."""
    if isinstance(query, Bool):
        return query.op == "and" and _fts_only(query.left) and _fts_only(query.right)
    return (isinstance(query, Term) and query.index in WORD_COLUMNS
            and query.relation in _FTS_RELATIONS)


def compile_query(query: Query, scope: Scope) -> Compiled:
    compiler = _Compiler(scope)
    where = compiler.query(query)
    match = " AND ".join(f"({m})" for m in compiler.ranks) if _fts_only(query) else None
    return Compiled(where, compiler.params, " OR ".join(compiler.ranks) or None,
                    " OR ".join(compiler.exacts) or None, match,
                    compiler.phrases if match is not None else 0)
