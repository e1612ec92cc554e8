"""Member libraries from ``unioncat.toml``/API payloads, and their upload API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from store.sources import Source, get_source, save_source

ALIASES = {"type": "library_type", "set": "oai_set", "interval": "harvest_interval_hours",
           "interval_hours": "harvest_interval_hours", "url": "endpoint",
           "prefix": "metadata_prefix", "latitude": "lat", "longitude": "lon"}
_FIELDS = {f.name for f in fields(Source)}
METADATA_PREFIXES = ("marc21", "marcxml", "oai_dc")


def source_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical field names; unknown keys are an error the operator can read."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = ALIASES.get(key.replace("-", "_"), key.replace("-", "_"))
        if name not in _FIELDS:
            raise ValueError(f"source field {key!r} is unknown: use one of "
                             + ", ".join(sorted(_FIELDS)))
        values[name] = value
    return values


def source_from(data: Mapping[str, Any], base: Source | None = None) -> Source:
    """A validated Source: ``data`` over ``base`` (for updates) or over the defaults."""
    values = source_values(data)
    if base is None:
        if "code" not in values or "name" not in values:
            raise ValueError("a source needs at least a code and a name")
        source = Source(**values)
    else:
        values.pop("code", None)
        source = replace(base, **values)
    validate(source)
    return source


def validate(source: Source) -> None:
    source.validate()
    if source.metadata_prefix not in METADATA_PREFIXES:
        raise ValueError(f"metadata prefix {source.metadata_prefix!r}: choose one of "
                         + ", ".join(METADATA_PREFIXES))
    if source.protocol in ("oai", "marc-url") and source.endpoint and not \
            source.endpoint.startswith(("http://", "https://")):
        raise ValueError(f"endpoint {source.endpoint!r} of an {source.protocol} source must "
                         "be an http(s) URL")
    for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        value = getattr(source, name)
        if value is not None and not low <= float(value) <= high:
            raise ValueError(f"{name} {value} is outside {low}..{high}")
    if source.harvest_interval_hours <= 0:
        raise ValueError("harvest interval must be a positive number of hours")


def sync_configured_sources(conn: sqlite3.Connection,
                            configured: Iterable[Mapping[str, Any]]) -> int:
    """Write unioncat.toml's [[sources]] into the store (inside the caller's transaction)."""
    count = 0
    for data in configured:
        values = source_values(data)
        known = get_source(conn, str(values.get("code", "")))
        source = source_from(values, known)
        save_source(conn, source)
        count += 1
    return count


def new_api_key(conn: sqlite3.Connection, code: str) -> str:
    """A fresh upload key for one library; only its hash is kept."""
    if get_source(conn, code) is None:
        raise ValueError(f"unknown source {code!r}")
    key = f"uc_{code}_{secrets.token_urlsafe(24)}"
    conn.execute("UPDATE sources SET api_key_hash=? WHERE code=?", (hash_key(key), code))
    return key


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(conn: sqlite3.Connection, code: str, key: str) -> bool:
    row = conn.execute("SELECT api_key_hash FROM sources WHERE code=?", (code,)).fetchone()
    stored = str(row[0]) if row and row[0] else ""
    return bool(stored and key) and hmac.compare_digest(stored, hash_key(key))
