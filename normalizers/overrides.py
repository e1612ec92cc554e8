"""Cataloguers' dedup decisions: split two records apart, merge two together, explain.

Records are named "SOURCE:local-id" (what holdings and ``member_ids`` show). Overrides are
stored by that name, so they survive re-harvests and re-clustering; applying one re-places
the affected record at once and returns the entries whose documents changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from typing import Any

from normalizers.clustering import current_cluster
from normalizers.dedup import DedupClusterer, index_record
from normalizers.matching import verify
from normalizers.matchkeys import Profile, keys_of
from store import dedup as db


class OverrideError(ValueError):
    """An override that cannot be applied; the message says why."""


def _record(conn: sqlite3.Connection, member_id: str) -> int:
    found = db.record_by_member_id(conn, member_id)
    if found is None:
        raise OverrideError(f"no live record {member_id!r}: name records as SOURCE:local-id")
    return found


def _pair(conn: sqlite3.Connection, a: str, b: str) -> tuple[int, int]:
    first, second = _record(conn, a), _record(conn, b)
    if first == second:
        raise OverrideError("a record cannot be split from or merged with itself")
    return first, second


def split(conn: sqlite3.Connection, a: str, b: str, note: str = "") -> set[str]:
    """These two must never share an entry."""
    first, second = _pair(conn, a, b)
    db.add_override(conn, db.Override("split", db.identity(conn, first),
                                      db.identity(conn, second), note))
    if current_cluster(conn, first) != current_cluster(conn, second):
        return set()
    return DedupClusterer().reassign(conn, max(first, second))


def merge(conn: sqlite3.Connection, a: str, b: str, note: str = "") -> set[str]:
    """These two belong in one entry (b joins a's entry)."""
    first, second = _pair(conn, a, b)
    who_a, who_b = db.identity(conn, first), db.identity(conn, second)
    if who_a[0] == who_b[0]:
        raise OverrideError(f"both records come from {who_a[0]}: an entry holds one record "
                            "per library")
    target = current_cluster(conn, first)
    clash = [m for m in db.members(conn, target or "") if m[1] == who_b[0] and m[0] != second]
    if clash:
        raise OverrideError(f"{target} already holds {clash[0][1]}:{clash[0][2]} from the "
                            "same library; split that one out first")
    db.add_override(conn, db.Override("merge", who_a, who_b, note))
    if target is not None and target == current_cluster(conn, second):
        return set()
    return DedupClusterer().reassign(conn, second)


def forget(conn: sqlite3.Connection, a: str, b: str) -> set[str]:
    """Drop the override between two records and let the rules decide again."""
    first, second = _pair(conn, a, b)
    if not db.remove_override(conn, db.identity(conn, first), db.identity(conn, second)):
        raise OverrideError(f"no override between {a} and {b}")
    return DedupClusterer().reassign(conn, max(first, second))


def explain(conn: sqlite3.Connection, a: str, b: str) -> dict[str, Any]:
    """What the rules say about two records, and which keys they share."""
    first, second = _pair(conn, a, b)
    pa, pb = _profile(conn, first), _profile(conn, second)
    verdict = verify(pa, pb, db.blocked_ids(conn))
    overrides = [o.kind for o in db.overrides_of(conn, db.identity(conn, first))
                 if db.identity(conn, second) in (o.a, o.b)]
    return {"a": a, "b": b, "match": verdict.match, "score": round(verdict.score, 3),
            "reason": verdict.reason, "override": overrides[0] if overrides else None,
            "shared_keys": sorted(f"{k}:{v}" for k, v in keys_of(pa) & keys_of(pb)),
            "same_entry": current_cluster(conn, first) == current_cluster(conn, second),
            "profiles": {a: asdict(pa), b: asdict(pb)}}


def show(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    """An entry (by cluster id, or by one of its records) with members and overrides."""
    cluster_id = name
    if not db.members(conn, name):
        cluster_id = current_cluster(conn, _record(conn, name)) or ""
    members = db.members(conn, cluster_id)
    if not members:
        raise OverrideError(f"no catalog entry {name!r}")
    names = [f"{s}:{local}" for _, s, local in members]
    overrides = {(o.kind, f"{o.a[0]}:{o.a[1]}", f"{o.b[0]}:{o.b[1]}")
                 for _, s, local in members for o in db.overrides_of(conn, (s, local))}
    return {"id": cluster_id, "members": names,
            "overrides": [{"kind": k, "a": x, "b": y} for k, x, y in sorted(overrides)]}


def _profile(conn: sqlite3.Connection, record_id: int) -> Profile:
    stored = db.profiles(conn, [record_id]).get(record_id)
    if stored is not None:
        return Profile.loads(stored)
    profile = index_record(conn, record_id)
    if profile is None:
        raise OverrideError(f"record {record_id} is not live")
    return profile
