"""The neutral query model every protocol parses into and every backend compiles from.

Protocol front ends (CQL for SRU, RPN for Z39.50, form fields for the JSON API and OPAC)
build these values once; backends never see wire syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Index = Literal[
    "any",
    "title",
    "creator",
    "subject",
    "isbn",
    "issn",
    "identifier",
    "publisher",
    "year",
    "language",
    "format",
    "classification",
    "series",
    "library",
    "library_type",
    "district",
    "id",
]
INDEXES: tuple[str, ...] = get_args(Index)

# Indexes whose values are codes or numbers, compared whole, never split into words.
KEYWORD_INDEXES: frozenset[str] = frozenset(
    {"isbn", "issn", "identifier", "year", "language", "format", "library", "library_type",
     "district", "id"}
)

Relation = Literal["=", "==", "all", "any", "adj", "<", "<=", ">", ">=", "<>", "within"]
RELATIONS: tuple[str, ...] = get_args(Relation)

Truncation = Literal["none", "right", "left", "both"]

Visibility = Literal["public", "staff", "admin"]

SortField = Literal["relevance", "year", "title", "creator", "added"]
# How the caller sends its hits: "usmarc" (a Z39.50 target) reads each hit's public ISO
# 2709 record and id, and a backend may load the rest of the document on first use only.
HitView = Literal["document", "usmarc"]


@dataclass(frozen=True)
class Term:
    """One search clause, already validated by the protocol layer.

    ``value`` is the user's text (NFC, not folded). For ``within`` it holds two
    space-separated bounds ("1990 2000"). ``truncation`` is explicit: protocols strip
    their own masking characters ("*", "?") and set it.
    """

    index: Index
    relation: Relation
    value: str
    truncation: Truncation = "none"


@dataclass(frozen=True)
class Bool:
    op: Literal["and", "or", "not"]
    left: Query
    right: Query


@dataclass(frozen=True)
class MatchAll:
    """Every entry in scope (an empty OPAC query, CQL ``cql.allRecords = 1``)."""


Query = Term | Bool | MatchAll


@dataclass(frozen=True)
class Scope:
    """Which catalog view the caller sees and at which visibility level.

    ``libraries`` None means every member library; otherwise only entries held by one of
    these source codes are visible (and only those holdings are shown). Restricted
    holdings (armed-forces restricted reading, for example) are visible only at
    ``staff`` or ``admin`` visibility. Every backend applies the scope to search, facets,
    scan, counts and record retrieval alike.
    """

    libraries: frozenset[str] | None = None
    visibility: Visibility = "public"

    @property
    def sees_restricted(self) -> bool:
        return self.visibility != "public"

    @property
    def is_public(self) -> bool:
        """Every library at public visibility: what anyone sees."""
        return self.libraries is None and not self.sees_restricted


PUBLIC = Scope()


@dataclass(frozen=True)
class SortKey:
    field: SortField
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    query: Query
    scope: Scope = field(default_factory=Scope)
    start: int = 0
    size: int = 10
    sort: tuple[SortKey, ...] = ()
    facets: tuple[Index, ...] = ()
    facet_size: int = 20
    view: HitView = "document"


@dataclass(frozen=True)
class ScanRequest:
    """Browse an index from ``start_term``: ``count`` terms, with ``position`` (1-based)
    being where the first term >= ``start_term`` appears in the returned list."""

    index: Index
    start_term: str
    count: int = 20
    position: int = 1
    scope: Scope = field(default_factory=Scope)


class QueryError(ValueError):
    """A query the backend cannot run. Protocols map ``kind`` to their own diagnostics."""

    def __init__(self, kind: Literal["unsupported_index", "unsupported_relation",
                                      "unsupported_truncation", "bad_term", "too_complex"],
                 message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


def check_word_term(term: Term) -> None:
    """Rules every engine shares for a word-index clause (after ==/range handling)."""
    if term.relation == "within":
        raise QueryError("unsupported_relation", "within applies to year only", "within")
    if term.truncation in ("left", "both"):
        raise QueryError("unsupported_truncation",
                         f"{term.truncation} truncation is not supported on word indexes",
                         term.truncation)


def terms_of(query: Query) -> list[Term]:
    """Every clause in the query, left to right (for highlighting and ranking)."""
    if isinstance(query, Term):
        return [query]
    if isinstance(query, Bool):
        return terms_of(query.left) + terms_of(query.right)
    return []
