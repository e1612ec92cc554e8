"""Registry of search backends the contract suite runs against.

Add an engine by putting a factory in ``BACKEND_FACTORIES`` (or returning it from
``available_backends`` only when it can run, e.g. when a real OpenSearch node URL is
configured). A factory gets a fresh, empty temporary directory and returns an empty
backend; ``upsert`` must make documents searchable before it returns (refresh).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from search.backend import SearchBackend
from search.sqlite_fts import SqliteFtsBackend

BackendFactory = Callable[[Path], SearchBackend]


def _sqlite_fts(directory: Path) -> SearchBackend:
    return SqliteFtsBackend(directory / "search.db")


BACKEND_FACTORIES: dict[str, BackendFactory] = {"sqlite-fts": _sqlite_fts}


def _opensearch(directory: Path) -> SearchBackend:
    """A fresh, uniquely named index on the real node at UNIONCAT_TEST_OPENSEARCH_URL;
    ``close`` deletes it."""
    from search.opensearch import OpenSearchBackend

    class _Throwaway(OpenSearchBackend):
        def close(self) -> None:
            self.drop()
            super().close()

    return _Throwaway(os.environ["UNIONCAT_TEST_OPENSEARCH_URL"],
                      f"unioncat-test-{uuid.uuid4().hex[:12]}", replicas=0)


def available_backends() -> dict[str, BackendFactory]:
    """The backends to test in this environment, by name."""
    found = dict(BACKEND_FACTORIES)
    if os.environ.get("UNIONCAT_TEST_OPENSEARCH_URL"):
        found["opensearch"] = _opensearch
    return found
