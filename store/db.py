"""Opening the ingest store: one SQLite file in WAL mode, schema applied on open."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any


class StoreConnection(sqlite3.Connection):
    """A store connection that remembers, for the next ``app.indexer.drain_outbox``:

    * outbox marks: the outbox's last rowid at each point where this process's ingest would
      once have drained the index (after every chunk of a batch), so a batch of several
      chunks is indexed in the same groups (and the same entry order) as chunk by chunk;
    * entry drafts (``app.entry_drafts``) of the records this process just stored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox_marks: list[int] = []
        self.drafts: dict[int, object] = {}  # record id -> app.entry_drafts.EntryDraft
        self.drafts_wanted = True  # False once a drain's backend could not take them

    def mark_outbox(self) -> None:
        (last,) = self.execute("SELECT coalesce(max(rowid), 0) FROM index_outbox").fetchone()
        self.outbox_marks.append(int(last))

    def take_marks(self) -> list[int]:
        marks, self.outbox_marks = self.outbox_marks, []
        return marks

    def take_drafts(self) -> dict[int, object]:
        drafts, self.drafts = self.drafts, {}
        return drafts


def open_store(path: Path) -> StoreConnection:
    """Connect (creating the file and schema if needed). Autocommit off: use transaction()."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30,
                           factory=StoreConnection)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(resources.files("store").joinpath("schema.sql").read_text("utf-8"))
    _migrate(conn)
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added after a store was first created (schema.sql has them for new stores)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
    if "profile" not in columns:
        conn.execute("ALTER TABLE records ADD COLUMN profile TEXT")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now() -> str:
    """The UTC time to the second, ISO 8601 (formatted once per second: ingest asks often)."""
    second = int(time.time())
    cached_second, text = _last[0]
    if second != cached_second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _last[0] = (second, text)
    return text


_last: list[tuple[int, str]] = [(-1, "")]  # (second, its text), swapped as one object
