"""The deduplicating clusterer: one catalog entry per manifestation.

``place`` stores the record's match keys and profile, then finds candidate records through
the keys (``store.dedup.candidates``: indexed look-ups, never all pairs), groups them by
cluster and joins the best cluster whose every member verifies (complete linkage: a record
must match each member, not just one, so clusters never chain two different books
together). A cluster holds at most one record per source. Manual overrides win: 'split'
pairs never share a cluster, a 'merge' pair joins whatever the rules say.

When a record leaves a cluster (deleted, changed so it no longer fits), the remaining
members are re-checked and single-record entries nearby are offered the freed place, so the
result does not depend on which copy arrived first. A cluster keeps its id ("uc" + the
founding record's id) while any member remains; a founder that leaves gets a new id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from normalizers.bib import Bib
from normalizers.clustering import add_cluster, current_cluster, drop_if_empty
from normalizers.marc import Record, decode_field
from normalizers.matching import verify
from normalizers.matchkeys import Profile, keys_of, profile_of
from store import dedup as db
from store.records import STORED_MARC, set_cluster

FORCED = 100.0  # score of a cluster joined through a manual 'merge'
MAX_ATTRACT = 20  # single-record entries offered a freed place after a departure
PROFILE_TAGS = frozenset({b"010", b"022", b"024", b"035", b"100", b"110", b"111", b"245",
                          b"490", b"700", b"710", b"711", b"830"})


@dataclass(frozen=True)
class Member:
    record_id: int
    who: tuple[str, str]  # (source, local_id)
    profile: Profile


class DedupClusterer:
    """The ``Clusterer`` protocol with deduplication (see the module doc)."""

    wants_profiles = True

    def __init__(self) -> None:
        self._held: HeldRules | None = None

    @contextmanager
    def batch(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Read the blocklist and whether any override exists once for a batch of ``place``
        calls (inside the caller's transaction, which ingest does not let change them)."""
        self._held = HeldRules(db.blocked_ids(conn), db.has_overrides(conn))
        try:
            yield
        finally:
            self._held = None

    def place(self, conn: sqlite3.Connection, record_id: int,
              profile_json: str | None = None) -> set[str]:
        profile = index_record(conn, record_id, profile_json)
        if profile is None:
            return self.remove(conn, record_id)
        changed: set[str] = set()
        old = current_cluster(conn, record_id)
        if old is not None:
            others = [m for m in _members(conn, old) if m.record_id != record_id]
            me = Member(record_id, db.identity(conn, record_id), profile)
            if others and self._fit(conn, me, others) is not None:
                return {old}
            changed |= self._leave(conn, record_id, old, alone_ok=not others)
            if not others and current_cluster(conn, record_id) == old:
                return changed | {old}
        return changed | self._join_best(conn, record_id, profile)

    def place_new(self, conn: sqlite3.Connection, record_id: int, who: tuple[str, str],
                  profile_json: str | None, store: Callable[[str | None], object],
                  keys: Collection[tuple[str, str]] | None = None) -> set[str]:
        """``place`` of a new record: candidates are looked up before it is stored (its own
        keys would not count), so a record that matches nothing is stored in the cluster it
        founds, and its keys are computed once (``keys``: by the caller, from the same
        profile). The profile is decoded only if some cluster is near."""
        if profile_json is None:
            store(None)
            return self.place(conn, record_id)
        profile = None
        if keys is None:
            profile = Profile.loads(profile_json)
            keys = keys_of(profile)
        rules = self._rules(conn, who)
        near = self._near(conn, record_id, keys, rules)
        me = Member(record_id, who, profile or Profile.loads(profile_json)) if near else None
        ranked = self._score(conn, me, near, rules) if me else []
        cluster_id = None if ranked else fresh_cluster_id(conn, record_id)
        store(cluster_id)
        db.write_keys(conn, record_id, keys, profile_json, fresh=True)
        if cluster_id is None:
            return self._join_ranked(conn, record_id, ranked)
        add_cluster(conn, cluster_id)
        return {cluster_id}

    def remove(self, conn: sqlite3.Connection, record_id: int) -> set[str]:
        db.drop_keys(conn, record_id)
        old = current_cluster(conn, record_id)
        if old is None:
            return set()
        set_cluster(conn, record_id, None)
        return {old} | self._recheck(conn, old)

    def reassign(self, conn: sqlite3.Connection, record_id: int) -> set[str]:
        """Take a record out of its entry and place it afresh (after an override changed)."""
        changed: set[str] = set()
        old = current_cluster(conn, record_id)
        if old is not None:
            set_cluster(conn, record_id, None)
            changed |= {old} | self._recheck(conn, old)
        profile = index_record(conn, record_id)
        if profile is None:
            return changed
        return changed | self._join_best(conn, record_id, profile)

    def _leave(self, conn: sqlite3.Connection, record_id: int, old: str,
               alone_ok: bool) -> set[str]:
        """Take a record out of ``old`` unless it is alone there and matches nothing else."""
        if alone_ok:
            profile = Profile.loads(db.profiles(conn, [record_id])[record_id])
            best = self._best(conn, record_id, profile)
            if best is None or best == old:
                return set()
        set_cluster(conn, record_id, None)
        return {old} | self._recheck(conn, old)

    def _join_best(self, conn: sqlite3.Connection, record_id: int, profile: Profile) -> set[str]:
        """Join the best cluster, then merge in other clusters this record bridges."""
        ranked = self._ranked(conn, record_id, profile)
        if not ranked:
            return {open_fresh_cluster(conn, record_id)}
        return self._join_ranked(conn, record_id, ranked)

    def _join_ranked(self, conn: sqlite3.Connection, record_id: int,
                     ranked: list[str]) -> set[str]:
        best = ranked[0]
        set_cluster(conn, record_id, best)
        changed = {best}
        for other in ranked[1:]:
            changed |= self._absorb(conn, best, other)
        return changed

    def _best(self, conn: sqlite3.Connection, record_id: int, profile: Profile) -> str | None:
        ranked = self._ranked(conn, record_id, profile)
        return ranked[0] if ranked else None

    def _ranked(self, conn: sqlite3.Connection, record_id: int, profile: Profile) -> list[str]:
        """Clusters this record may join, best first."""
        me = Member(record_id, db.identity(conn, record_id), profile)
        return self._rank(conn, me, keys_of(profile))

    def _rank(self, conn: sqlite3.Connection, me: Member,
              keys: Collection[tuple[str, str]]) -> list[str]:
        rules = self._rules(conn, me.who)
        return self._score(conn, me, self._near(conn, me.record_id, keys, rules), rules)

    @staticmethod
    def _near(conn: sqlite3.Connection, record_id: int, keys: Collection[tuple[str, str]],
              rules: Rules) -> list[str]:
        """Clusters of the records sharing a key with this one or merged with it."""
        found = db.candidates(conn, record_id, keys)
        found |= _merge_partners(conn, rules)
        return sorted(set(db.cluster_of(conn, found).values()))

    @staticmethod
    def _score(conn: sqlite3.Connection, me: Member, near: list[str], rules: Rules
               ) -> list[str]:
        """The ``near`` clusters ``me`` may join, best first."""
        scored: list[tuple[float, int, str]] = []
        for cluster_id in near:
            members = [m for m in _members(conn, cluster_id) if m.record_id != me.record_id]
            score = fit(conn, me, members, rules) if members else None
            if score is not None:
                scored.append((score, -members[0].record_id, cluster_id))
        return [c for _, _, c in sorted(scored, reverse=True)]

    def _absorb(self, conn: sqlite3.Connection, target: str, other: str) -> set[str]:
        """Move every member of ``other`` into ``target`` if each fits there."""
        inside = _members(conn, target)
        moving = _members(conn, other)
        for member in moving:
            if self._fit(conn, member, inside) is None:
                return set()
            inside.append(member)
        for member in moving:
            set_cluster(conn, member.record_id, target)
        drop_if_empty(conn, other)
        return {other}

    def _recheck(self, conn: sqlite3.Connection, cluster_id: str) -> set[str]:
        """After a departure: eject members that no longer fit, offer the place to others."""
        members = _members(conn, cluster_id)
        if not members:
            drop_if_empty(conn, cluster_id)
            return set()
        changed: set[str] = set()
        kept = [members[0]]
        for member in members[1:]:
            if self._fit(conn, member, kept) is not None:
                kept.append(member)
                continue
            set_cluster(conn, member.record_id, None)
            changed |= self._join_best(conn, member.record_id, member.profile)
        return changed | self._attract(conn, cluster_id, kept)

    def _attract(self, conn: sqlite3.Connection, cluster_id: str,
                 kept: list[Member]) -> set[str]:
        """Single-record entries that match the cluster now may join it."""
        near: set[int] = set()
        for member in kept:
            near |= db.candidates(conn, member.record_id, keys_of(member.profile))
        changed: set[str] = set()
        clusters = db.cluster_of(conn, near - {m.record_id for m in kept})
        for record_id, other in sorted(clusters.items())[:MAX_ATTRACT]:
            if other == cluster_id or len(db.members(conn, other)) != 1:
                continue
            profile = Profile.loads(db.profiles(conn, [record_id])[record_id])
            if self._best(conn, record_id, profile) == cluster_id:
                set_cluster(conn, record_id, cluster_id)
                drop_if_empty(conn, other)
                kept.append(Member(record_id, db.identity(conn, record_id), profile))
                changed |= {other, cluster_id}
        return changed


    def _rules(self, conn: sqlite3.Connection, who: tuple[str, str]) -> Rules:
        held = self._held
        if held is None or held.overrides:
            return rules_for(conn, who, None if held is None else held.blocked)
        return Rules(frozenset(), frozenset(), held.blocked)

    def _fit(self, conn: sqlite3.Connection, me: Member, members: list[Member]) -> float | None:
        held = self._held
        if held is None or held.overrides:
            return fit(conn, me, members)
        return fit(conn, me, members, Rules(frozenset(), frozenset(), held.blocked))


@dataclass(frozen=True)
class HeldRules:
    """What ``batch`` read once: the blocklist, and whether any override exists at all."""

    blocked: frozenset[str]
    overrides: bool


@dataclass(frozen=True)
class Rules:
    """What overrides and the blocklist say about one record."""

    splits: frozenset[tuple[str, str]]
    merges: frozenset[tuple[str, str]]
    blocked: frozenset[str]


def rules_for(conn: sqlite3.Connection, who: tuple[str, str],
              blocked: frozenset[str] | None = None) -> Rules:
    overrides = db.overrides_of(conn, who)
    other = [(o.kind, o.b if o.a == who else o.a) for o in overrides]
    return Rules(frozenset(p for k, p in other if k == "split"),
                 frozenset(p for k, p in other if k == "merge"),
                 db.blocked_ids(conn) if blocked is None else blocked)


def fit(conn: sqlite3.Connection, me: Member, members: list[Member],
        rules: Rules | None = None) -> float | None:
    """Score of ``me`` joining these members, or None if it must not."""
    if any(m.who[0] == me.who[0] for m in members):
        return None
    rules = rules or rules_for(conn, me.who)
    if any(m.who in rules.splits for m in members):
        return None
    if any(m.who in rules.merges for m in members):
        return FORCED
    total, positive = 0.0, 0
    for member in members:
        verdict = verify(me.profile, member.profile, rules.blocked)
        if verdict.match:
            total, positive = total + verdict.score, positive + 1
        elif verdict.hard:
            return None
    return total / len(members) if positive else None


def _members(conn: sqlite3.Connection, cluster_id: str) -> list[Member]:
    rows = db.members(conn, cluster_id)
    found = db.profiles(conn, [r[0] for r in rows])
    return [Member(r[0], (r[1], r[2]), Profile.loads(found[r[0]])) for r in rows
            if r[0] in found]


def _merge_partners(conn: sqlite3.Connection, rules: Rules) -> set[int]:
    return {rid for p in rules.merges
            if (rid := db.record_by_member_id(conn, f"{p[0]}:{p[1]}"))}


def index_record(conn: sqlite3.Connection, record_id: int,
                 profile_json: str | None = None) -> Profile | None:
    """Compute and store a live record's profile and match keys (None if not live).

    ``profile_json``: the profile of a record the caller has just stored live (ingest),
    so the record need not be read back."""
    if profile_json is not None:
        profile = Profile.loads(profile_json)
        db.write_keys(conn, record_id, keys_of(profile), profile_json)
        return profile
    row = conn.execute(f"SELECT {STORED_MARC}, bib, profile FROM records WHERE id=? AND deleted=0",
                       (record_id,)).fetchone()
    if row is None or row[1] is None:
        return None
    # Ingest computes the profile beside the parse (in a worker); older rows lack it.
    profile = (Profile.loads(row[2]) if row[2]
               else profile_of(stored_record(row[0] or b""), Bib.loads(row[1])))
    db.write_keys(conn, record_id, keys_of(profile), profile.dumps())
    return profile


def stored_record(marc: bytes) -> Record:
    """The profile's fields of the store's MARC (repaired UTF-8 ISO 2709), read directly."""
    if len(marc) < 25 or not marc[12:17].isdigit():
        return Record("     nam a22     a 4500")
    base = int(marc[12:17])
    fields = []
    for pos in range(24, base - 1 - 11, 12):
        tag = marc[pos:pos + 3]
        if tag in PROFILE_TAGS:
            start = base + int(marc[pos + 7:pos + 12])
            data = marc[start:start + int(marc[pos + 3:pos + 7])].rstrip(b"\x1e")
            fields.append(decode_field(tag.decode("ascii"), data.decode("utf-8", "replace")))
    return Record(marc[:24].decode("ascii", "replace"), fields)


def open_fresh_cluster(conn: sqlite3.Connection, record_id: int) -> str:
    """A new entry founded by this record: 'uc<id>', or 'uc<id>-<n>' if that id lives on."""
    cluster_id = fresh_cluster_id(conn, record_id)
    add_cluster(conn, cluster_id)
    set_cluster(conn, record_id, cluster_id)
    return cluster_id


def fresh_cluster_id(conn: sqlite3.Connection, record_id: int) -> str:
    """The id of a new entry this record would found (see ``open_fresh_cluster``)."""
    suffix = 1
    while True:
        cluster_id = f"uc{record_id}" if suffix == 1 else f"uc{record_id}-{suffix}"
        busy = conn.execute("SELECT 1 FROM records WHERE cluster_id=? AND deleted=0 AND id<>? "
                            "LIMIT 1", (cluster_id, record_id)).fetchone()
        if busy is None:
            break
        suffix += 1
    return cluster_id
