from __future__ import annotations

from search.backend import SearchBackend
from search.query import PUBLIC, Index, Query, Relation, Scope, SearchRequest, Term, Truncation

STAFF = Scope(visibility="staff")


def term(index: Index, value: str, relation: Relation = "=",
         truncation: Truncation = "none") -> Term:
    return Term(index, relation, value, truncation)


def ids(backend: SearchBackend, query: Query, scope: Scope = PUBLIC, size: int = 100) -> list[str]:
    """Hit ids in result order."""
    result = backend.search(SearchRequest(query, scope=scope, size=size))
    return [doc.id for doc in result.hits]


def id_set(backend: SearchBackend, query: Query, scope: Scope = PUBLIC) -> set[str]:
    return set(ids(backend, query, scope))
