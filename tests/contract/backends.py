"""Registry of search backends the contract suite runs against.

Add an engine by putting a factory in ``BACKEND_FACTORIES`` (or returning it from
``available_backends`` only when it can run, e.g. when a real OpenSearch node URL is
configured). A factory gets a fresh, empty temporary directory and returns an empty
backend; ``upsert`` must make documents searchable before it returns (refresh).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from search.backend import SearchBackend
from search.sqlite_fts import SqliteFtsBackend

BackendFactory = Callable[[Path], SearchBackend]


def _sqlite_fts(directory: Path) -> SearchBackend:
    return SqliteFtsBackend(directory / "search.db")


BACKEND_FACTORIES: dict[str, BackendFactory] = {"sqlite-fts": _sqlite_fts}


def available_backends() -> dict[str, BackendFactory]:
    """The backends to test in this environment, by name."""
    return dict(BACKEND_FACTORIES)
