"""The registry of member libraries (sources) in the store."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, fields
from typing import Any

LIBRARY_TYPES = ("provincial", "district", "commune", "university", "college", "school",
                 "armed-forces", "specialised", "private", "other")
PROTOCOLS = ("oai", "marc-file", "marc-url")


@dataclass
class Source:
    code: str
    name: str
    library_type: str = "other"
    district: str = ""
    commune: str = ""
    lat: float | None = None
    lon: float | None = None
    contact: str = ""
    protocol: str = "marc-file"
    endpoint: str = ""
    metadata_prefix: str = "marc21"
    oai_set: str = ""
    harvest_interval_hours: float = 24.0
    priority: int = 0
    holdings_field: str = "852"
    restricted: bool = False
    enabled: bool = True

    def validate(self) -> None:
        """Raise ValueError with a message the operator can act on."""
        if not self.code or not all(c.isalnum() or c in "-_." for c in self.code):
            raise ValueError(f"source code {self.code!r}: use letters, digits, '-', '_' or '.'"
                             " (ISIL style, e.g. VN-DT-001)")
        if self.library_type not in LIBRARY_TYPES:
            raise ValueError(f"library type {self.library_type!r}: choose one of "
                             + ", ".join(LIBRARY_TYPES))
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol {self.protocol!r}: choose one of " + ", ".join(PROTOCOLS))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = [f.name for f in fields(Source)]


def save_source(conn: sqlite3.Connection, source: Source) -> None:
    """Insert or update a source's registry entry (its records are untouched)."""
    source.validate()
    values = asdict(source)
    updates = ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS if c != "code")
    conn.execute(f"INSERT INTO sources ({', '.join(_COLUMNS)}) VALUES "
                 f"({', '.join(':' + c for c in _COLUMNS)}) "
                 f"ON CONFLICT(code) DO UPDATE SET {updates}", values)


def get_source(conn: sqlite3.Connection, code: str) -> Source | None:
    row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources WHERE code=?",
                       (code,)).fetchone()
    return _source(row) if row else None


def list_sources(conn: sqlite3.Connection) -> list[Source]:
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources ORDER BY code").fetchall()
    return [_source(r) for r in rows]


def _source(row: sqlite3.Row) -> Source:
    data = dict(zip(_COLUMNS, tuple(row), strict=True))
    data["restricted"] = bool(data["restricted"])
    data["enabled"] = bool(data["enabled"])
    return Source(**data)


def ensure_source(conn: sqlite3.Connection, code: str) -> Source:
    """The registered source, or a minimal one registered on first ingest."""
    found = get_source(conn, code)
    if found is None:
        found = Source(code=code, name=code)
        save_source(conn, found)
    return found
