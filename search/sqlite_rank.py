"""The bm25 expression the SQLite backend ranks with, and the connections it needs.

FTS5's bm25() spends about four fifths of its time looking up each hit's size in the
``fts_docsize`` table. The C extension ``search._rank`` (built by ``pip install``, see
setup.py and _rank.c) offers ``unioncat_bm25()``: the same score, operation for
operation, with row sizes remembered per index file for the life of the process (rows are
never changed in place, ``sqlite_fts`` gives an updated entry a new rowid). Where the
extension is missing or cannot be used with this Python's sqlite3, ranking falls back to
bm25(): the same order, about four times the cost on large result sets.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys
import threading
from contextlib import closing
from pathlib import Path
from typing import Protocol, cast

log = logging.getLogger(__name__)

# bm25 column weights: title, creator, subject, publisher, series, classification, other,
# then the exact columns (never in the ranking MATCH, weight 0).
_WEIGHTS = "8.0, 4.0, 3.0, 1.0, 1.5, 1.0, 0.5, 0, 0, 0, 0, 0, 0, 0"
# CPython versions whose sqlite3.Connection starts with the database handle (_rank.c)
_KNOWN_PYTHONS = ((3, 11), (3, 12), (3, 13))


class RowLengths(Protocol):
    def attach(self, conn: sqlite3.Connection, /) -> None: ...
    def warm(self, conn: sqlite3.Connection, fts_table: str, /) -> int: ...
    def known(self) -> int: ...


class _RankModule(Protocol):
    RowLengths: type[RowLengths]

    def sqlite_version(self) -> str: ...


def _load() -> _RankModule | None:
    """The extension when it is built and calls the same SQLite library as sqlite3."""
    if sys.implementation.name != "cpython" or sys.version_info[:2] not in _KNOWN_PYTHONS:
        return None
    try:
        module = cast(_RankModule, importlib.import_module("search._rank"))
    except ImportError:
        return None
    if module.sqlite_version() != sqlite3.sqlite_version:
        log.warning("search._rank calls SQLite %s, sqlite3 uses %s: ranking with bm25()",
                    module.sqlite_version(), sqlite3.sqlite_version)
        return None
    return module


_RANK = _load()
FAST = _RANK is not None
# SQL functions the built extension registers (an older build has fewer: a tree whose
# extension was not rebuilt then ranks the older way, with the same results)
_FUNCTIONS: frozenset[str] = frozenset(getattr(_RANK, "SQL_FUNCTIONS", ()))
BM25 = f"{'unioncat_bm25' if FAST else 'bm25'}(fts, {_WEIGHTS})"
# unioncat_top(k, rowid, exact, score): aggregate of the k first hits in ranked order
# (the extension registers it beside unioncat_bm25), for a count and a page in one pass.
TOP: str | None = "unioncat_top" if "unioncat_top" in _FUNCTIONS else None
# For a MATCH of one phrase and nothing else: bm25's per-row factor, and the aggregate
# that scores the rows with the IDF taken from its own count (see _rank.c).
TF: str | None = (f"unioncat_tf(fts, {_WEIGHTS})"
                  if {"unioncat_tf", "unioncat_tf_top"} <= _FUNCTIONS else None)


class Ranking:
    """One index file's remembered row sizes; ``attach`` every connection to that file
    before it runs a query with ``BM25``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lengths = _RANK.RowLengths() if _RANK is not None else None
        self._warming: threading.Thread | None = None

    def attach(self, conn: sqlite3.Connection) -> None:
        """Let ``conn`` run ``BM25``. The first attach also starts reading every row's
        size in the background (one scan of ``fts_docsize``, about 0.1 s per 100,000
        rows from a cold disk), so searches seldom look a size up themselves."""
        if self._lengths is None:
            return
        self._lengths.attach(conn)
        if self._warming is None:
            self._warming = threading.Thread(target=self._warm, name="rank-warm", daemon=True)
            self._warming.start()

    def _warm(self) -> None:
        assert self._lengths is not None
        try:
            with closing(sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro",
                                         uri=True)) as conn:
                rows = self._lengths.warm(conn, "fts")
        except (sqlite3.Error, RuntimeError) as error:  # sizes are then read as met
            log.warning("could not read row sizes of %s: %s", self.path, error)
            return
        log.debug("remembered the sizes of %d rows of %s", rows, self.path)

    def warmed(self, timeout: float | None = None) -> None:
        """Wait for the background read of row sizes (tests, benchmarks)."""
        if self._warming is not None:
            self._warming.join(timeout)

    def remembered(self) -> int:
        """Rows whose size is remembered (0 without the extension)."""
        return self._lengths.known() if self._lengths is not None else 0
