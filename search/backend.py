"""The narrow interface every search engine implements (SQLite FTS5, OpenSearch).

Backends know nothing of CQL, RPN or HTTP; protocols know nothing of engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from search.document import BackendStats, CatalogDocument, Health, ScanEntry, SearchResult
from search.query import ScanRequest, Scope, SearchRequest


class SearchBackend(Protocol):
    name: str

    def upsert(self, docs: Sequence[CatalogDocument]) -> None:
        """Insert or replace entries by id (idempotent)."""

    def delete(self, ids: Sequence[str]) -> None:
        """Remove entries; unknown ids are ignored."""

    def search(self, request: SearchRequest) -> SearchResult:
        """Hits in scope, the total in scope and facet counts over entries (not records).

        Raises ``search.query.QueryError`` for a query this engine cannot run."""

    def get(self, ids: Sequence[str], scope: Scope) -> list[CatalogDocument]:
        """Entries by id, in the order asked, as the scope sees them (missing ones left out)."""

    def scan(self, request: ScanRequest) -> list[ScanEntry]:
        """Browse an index's terms in order with the number of entries in scope per term."""

    def stats(self) -> BackendStats: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...
