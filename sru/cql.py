"""A complete CQL 1.2 parser: query text -> a CQL tree shaped like XCQL.

Pure module (no SRU, no search backend). The grammar is the one in the CQL 1.2
specification (LoC, OASIS searchRetrieve Part 5)::

    sortedQuery      ::= prefixAssignment sortedQuery | scopedClause ['sortBy' sortSpec]
    cqlQuery         ::= prefixAssignment cqlQuery | scopedClause
    prefixAssignment ::= '>' prefix '=' uri | '>' uri
    scopedClause     ::= scopedClause booleanGroup searchClause | searchClause
    booleanGroup     ::= boolean [modifierList]
    boolean          ::= 'and' | 'or' | 'not' | 'prox'
    searchClause     ::= '(' cqlQuery ')' | index relation searchTerm | searchTerm
    relation         ::= comparitor [modifierList]
    comparitor       ::= comparitorSymbol | namedComparitor
    comparitorSymbol ::= '=' | '>' | '<' | '>=' | '<=' | '<>' | '=='
    modifierList     ::= modifierList modifier | modifier
    modifier         ::= '/' modifierName [comparitorSymbol modifierValue]
    sortSpec         ::= sortSpec singleSpec | singleSpec
    singleSpec       ::= index [modifierList]

All boolean operators have the same precedence and associate left to right. Terms keep
their backslash escapes exactly as written (XCQL does the same); masking and anchoring
are interpreted later, by :mod:`sru.terms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BOOLEANS = frozenset({"and", "or", "not", "prox"})
SYMBOLS = ("==", "<>", "<=", ">=", "=", "<", ">")
SERVER_CHOICE = "cql.serverChoice"


class CQLSyntaxError(ValueError):
    """A query that does not parse; ``position`` is the 0-based offset of the fault."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.reason = message
        self.position = position


@dataclass(frozen=True)
class Modifier:
    name: str
    comparison: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Relation:
    value: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Prefix:
    name: str  # "" for a default-context-set assignment ("> uri")
    identifier: str


@dataclass(frozen=True)
class SearchClause:
    index: str
    relation: Relation
    term: str
    prefixes: tuple[Prefix, ...] = ()


@dataclass(frozen=True)
class Boolean:
    value: str  # lowercase: and, or, not, prox
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Triple:
    boolean: Boolean
    left: Node
    right: Node
    prefixes: tuple[Prefix, ...] = ()


Node = SearchClause | Triple


@dataclass(frozen=True)
class SortKey:
    index: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class CQLQuery:
    root: Node
    sort_keys: tuple[SortKey, ...] = ()


# ------------------------------------------------------------------ tokens

@dataclass(frozen=True)
class Token:
    kind: str  # "word", "quoted", "symbol", "(", ")", "/", "end"
    text: str
    pos: int

    def is_word(self, *names: str) -> bool:
        return self.kind == "word" and self.text.lower() in names


_SPECIAL = set(' \t\r\n()=<>"/')


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()/":
            tokens.append(Token(ch, ch, i))
            i += 1
        elif ch in "=<>":
            symbol = next(s for s in SYMBOLS if text.startswith(s, i))
            tokens.append(Token("symbol", symbol, i))
            i += len(symbol)
        elif ch == '"':
            end = _quoted_end(text, i)
            tokens.append(Token("quoted", text[i + 1:end], i))
            i = end + 1
        else:
            start = i
            while i < len(text) and text[i] not in _SPECIAL:
                i += 2 if text[i] == "\\" and i + 1 < len(text) else 1
            tokens.append(Token("word", text[start:i], start))
    tokens.append(Token("end", "", len(text)))
    return tokens


def _quoted_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise CQLSyntaxError("unterminated quoted string", start)


# ------------------------------------------------------------------ parser

class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def fail(self, message: str, token: Token | None = None) -> CQLSyntaxError:
        where = token or self.tok
        found = "end of query" if where.kind == "end" else repr(where.text if where.kind
                                                                    != "quoted" else
                                                                    f'"{where.text}"')
        return CQLSyntaxError(f"{message}, found {found}", where.pos)

    # sortedQuery
    def sorted_query(self) -> CQLQuery:
        root = self.cql_query(top=True)
        keys: tuple[SortKey, ...] = ()
        if self.tok.is_word("sortby"):
            self.take()
            keys = self.sort_spec()
        if self.tok.kind != "end":
            if keys:
                raise self.fail("unexpected text after the sort specification")
            if self.tok.kind == ")":
                raise self.fail("unbalanced ')'")
            raise self.fail("expected a boolean operator or 'sortBy'")
        return CQLQuery(root, keys)

    def cql_query(self, top: bool = False) -> Node:
        prefixes: list[Prefix] = []
        while self.tok.kind == "symbol" and self.tok.text == ">":
            prefixes.append(self.prefix_assignment())
        node = self.scoped_clause()
        if not prefixes:
            return node
        if isinstance(node, SearchClause):
            return SearchClause(node.index, node.relation, node.term,
                                tuple(prefixes) + node.prefixes)
        return Triple(node.boolean, node.left, node.right, tuple(prefixes) + node.prefixes)

    def prefix_assignment(self) -> Prefix:
        self.take()  # '>'
        first = self.term_token("a prefix name or context set identifier after '>'")
        if self.tok.kind == "symbol" and self.tok.text == "=":
            self.take()
            uri = self.term_token("a context set identifier after '='")
            return Prefix(first, uri)
        return Prefix("", first)

    def scoped_clause(self) -> Node:
        node = self.search_clause()
        while self.tok.kind == "word" and self.tok.text.lower() in BOOLEANS:
            op = self.take().text.lower()
            modifiers = self.modifier_list()
            right = self.search_clause()
            node = Triple(Boolean(op, modifiers), node, right)
        return node

    def search_clause(self) -> Node:
        tok = self.tok
        if tok.kind == "(":
            self.take()
            inner = self.cql_query()
            if self.tok.kind != ")":
                raise self.fail("expected ')' to close the '(' at character "
                                f"{tok.pos + 1}")
            self.take()
            return inner
        if tok.kind not in ("word", "quoted"):
            if tok.kind == ")":
                raise self.fail("expected a search term before ')'")
            raise self.fail("expected a search term or '('")
        first = self.take()
        if self._starts_relation():
            relation = self.relation()
            term = self.term_token("expected a search term after the relation", bare=True)
            return SearchClause(first.text, relation, term)
        return SearchClause(SERVER_CHOICE, Relation("="), first.text)

    def _starts_relation(self) -> bool:
        tok = self.tok
        if tok.kind == "symbol":
            return True
        if tok.kind != "word":
            return False
        return tok.text.lower() not in BOOLEANS and tok.text.lower() != "sortby"

    def relation(self) -> Relation:
        return Relation(self.take().text, self.modifier_list())

    def modifier_list(self) -> tuple[Modifier, ...]:
        modifiers: list[Modifier] = []
        while self.tok.kind == "/":
            self.take()
            name = self.term_token("a modifier name after '/'")
            if self.tok.kind == "symbol":
                comparison = self.take().text
                value = self.term_token(f"a value after '{comparison}'")
                modifiers.append(Modifier(name, comparison, value))
            else:
                modifiers.append(Modifier(name))
        return tuple(modifiers)

    def term_token(self, what: str, bare: bool = False) -> str:
        if self.tok.kind not in ("word", "quoted"):
            raise self.fail(what if bare else f"expected {what}")
        return self.take().text

    def sort_spec(self) -> tuple[SortKey, ...]:
        keys: list[SortKey] = []
        while self.tok.kind in ("word", "quoted"):
            index = self.take().text
            keys.append(SortKey(index, self.modifier_list()))
        if not keys:
            raise self.fail("expected an index to sort by after 'sortBy'")
        return tuple(keys)


def parse(text: str) -> CQLQuery:
    """Parse a CQL query (with optional sortBy); raises CQLSyntaxError."""
    if not text.strip():
        raise CQLSyntaxError("empty query", 0)
    return _Parser(text).sorted_query()


# ------------------------------------------------------------------ XCQL-shaped data

def to_data(query: CQLQuery) -> dict[str, Any]:
    """The tree as plain data in XCQL's shape (for tests and JSON)."""
    data: dict[str, Any] = node_data(query.root)
    if query.sort_keys:
        data = dict(data)
        data["sortKeys"] = [_sort_key_data(k) for k in query.sort_keys]
    return data


def node_data(node: Node) -> dict[str, Any]:
    if isinstance(node, SearchClause):
        body: dict[str, Any] = {}
        if node.prefixes:
            body["prefixes"] = [_prefix_data(p) for p in node.prefixes]
        body["index"] = node.index
        body["relation"] = _relation_data(node.relation)
        body["term"] = node.term
        return {"searchClause": body}
    triple: dict[str, Any] = {}
    if node.prefixes:
        triple["prefixes"] = [_prefix_data(p) for p in node.prefixes]
    boolean: dict[str, Any] = {"value": node.boolean.value}
    if node.boolean.modifiers:
        boolean["modifiers"] = [_modifier_data(m) for m in node.boolean.modifiers]
    triple["boolean"] = boolean
    triple["leftOperand"] = node_data(node.left)
    triple["rightOperand"] = node_data(node.right)
    return {"triple": triple}


def _relation_data(relation: Relation) -> dict[str, Any]:
    data: dict[str, Any] = {"value": relation.value}
    if relation.modifiers:
        data["modifiers"] = [_modifier_data(m) for m in relation.modifiers]
    return data


def _modifier_data(modifier: Modifier) -> dict[str, str]:
    data = {"type": modifier.name}
    if modifier.comparison is not None and modifier.value is not None:
        data["comparison"] = modifier.comparison
        data["value"] = modifier.value
    return data


def _prefix_data(prefix: Prefix) -> dict[str, str]:
    return {"name": prefix.name, "identifier": prefix.identifier}


def _sort_key_data(key: SortKey) -> dict[str, Any]:
    data: dict[str, Any] = {"index": key.index}
    if key.modifiers:
        data["modifiers"] = [_modifier_data(m) for m in key.modifiers]
    return data
