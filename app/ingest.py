"""The ingest writer: RawRecords -> parsed, repaired, stored, clustered, queued for index.

``apply_batch`` runs inside the caller's transaction, so a harvester can commit a page of
records together with its checkpoint; ``ingest_records`` is the file path, committing
every ``batch_size`` records. Re-running either on the same input changes nothing.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context
from typing import Any, Literal

from app.entry_drafts import EntryDraft, draft_entry
from harvesters.raw import RawRecord
from normalizers.bib import Bib, bib_from_record
from normalizers.clustering import Clusterer
from normalizers.holdings import call_number
from normalizers.marc import FieldIndex, MarcError
from normalizers.matchkeys import keys_of, profile_of
from normalizers.parse import parse_raw
from search.sqlite_drafts import rows_draft
from store.db import StoreConnection, now, transaction
from store.records import (
    NormalizedRecord,
    insert_record,
    mark_deleted,
    next_record_id,
    queue_for_index,
    record_hash,
    record_hashes,
    replace_record,
    set_aside,
)
from store.sources import Source

log = logging.getLogger("unioncat.ingest")
REPAIR_NO_001 = "no 001 control number: id derived from the record's content"


@dataclass
class IngestCounts:
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    set_aside: int = 0
    repaired: int = 0
    repairs: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def add(self, other: IngestCounts) -> None:
        for name in ("read", "added", "updated", "unchanged", "deleted", "set_aside",
                     "repaired"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.repairs.items():
            self.repairs[reason] = self.repairs.get(reason, 0) + count

    @property
    def per_second(self) -> float:
        return self.read / max(time.monotonic() - self.started, 1e-9)

    def summary(self) -> str:
        return (f"{self.read} read, {self.added} added, {self.updated} updated, "
                f"{self.deleted} deleted, {self.set_aside} set aside, "
                f"{self.unchanged} unchanged, {self.repaired} repaired, "
                f"{self.per_second:,.0f} records/s")


@dataclass(frozen=True)
class Prepared:
    """A raw record parsed and normalized (in a worker process), ready to store."""

    raw: RawRecord
    local_id: str | None = None
    deleted: bool = False
    record: NormalizedRecord | None = None
    error: str | None = None
    draft: EntryDraft | None = None  # the entry it would found alone, when asked for


def prepare(raw: RawRecord, holdings_field: str, restricted: bool, source: str,
            draft_for: Source | None = None, profiles: bool = True) -> Prepared:
    """Everything about one record that needs no store: pure, so it can run in a worker.
    With ``draft_for`` (the record's source), also draft its one-record entry; without
    ``profiles`` (``Clusterer.wants_profiles``), no match profile or keys.

    Whatever goes wrong with one record sets that record aside; the batch goes on."""
    try:
        return _prepare(raw, holdings_field, restricted, source, draft_for, profiles)
    except Exception as error:  # a bug meets odd data: keep the bytes and the reason
        log.exception("record %s at %d could not be normalized", raw.origin, raw.position)
        return Prepared(raw, error=f"could not be normalized ({type(error).__name__}: "
                                   f"{error}); report this record to the unioncat team")


def _prepare(raw: RawRecord, holdings_field: str, restricted: bool, source: str,
             draft_for: Source | None, profiles: bool) -> Prepared:
    if raw.deleted and raw.local_id:
        return Prepared(raw, raw.local_id, deleted=True)
    try:
        decoded = parse_raw(raw)
    except (MarcError, ValueError, UnicodeError) as error:
        return Prepared(raw, error=str(error))
    record = decoded.record
    local_id = raw.local_id or record.control("001").strip()
    if not local_id:
        local_id = "h" + hashlib.sha1(raw.data).hexdigest()[:16]
        decoded.repairs.append(REPAIR_NO_001)
    if record.leader[5:6] == "d" or raw.deleted:
        return Prepared(raw, local_id, deleted=True)
    fields = FieldIndex(record)  # one tag index for the Bib, profile and call number
    bib = bib_from_record(fields)
    profile = profile_of(fields, bib) if profiles else None
    marc = decoded.encoded()
    if marc == raw.data:  # most records: one object, pickled once on its way to the writer
        marc = raw.data
    normalized = NormalizedRecord(
        source=source, local_id=local_id, raw=raw.data,
        raw_hash=hashlib.sha1(raw.data).hexdigest(), marc=marc,
        bib_json=bib.dumps(), profile_json=None if profile is None else profile.dumps(),
        repairs=tuple(decoded.repairs),
        call_number=call_number(fields, holdings_field), restricted=restricted,
        datestamp=raw.datestamp,
        match_keys=None if profile is None else tuple(sorted(keys_of(profile))))
    return Prepared(raw, local_id, record=normalized,
                    draft=_draft(normalized, bib, draft_for) if draft_for else None)


def _draft(record: NormalizedRecord, bib: Bib, source: Source) -> EntryDraft | None:
    try:
        return draft_entry(record, bib, source)
    except Exception:  # no shortcut then: the drain builds the entry (and reports the error)
        log.exception("entry of record %s could not be drafted", record.local_id)
        return None


def prepare_many(raws: list[RawRecord], holdings_field: str, restricted: bool,
                 source: str, profiles: bool = True,
                 draft_for: Source | None = None) -> list[Prepared]:
    return [prepare(raw, holdings_field, restricted, source, draft_for, profiles)
            for raw in raws]


def apply_batch(conn: sqlite3.Connection, source: Source, raws: Iterable[RawRecord],
                clusterer: Clusterer) -> IngestCounts:
    """Store a batch inside the caller's open transaction."""
    return apply_prepared(conn, source, prepare_many(
        list(raws), source.holdings_field, source.restricted, source.code,
        clusterer.wants_profiles), clusterer)


def apply_prepared(conn: sqlite3.Connection, source: Source, items: Iterable[Prepared],
                   clusterer: Clusterer) -> IngestCounts:
    counts = IngestCounts()
    changed: set[str] = set()
    batch = list(items)
    stored = _Stored(conn, batch)
    with clusterer.batch(conn):
        for item in batch:
            counts.read += 1
            changed |= _apply_one(conn, source, item, clusterer, counts, stored)
    queue_for_index(conn, changed)
    return counts


class _Stored:
    """What the store says about a batch's records, read once for the batch rather than one
    statement per record: only this writer adds or replaces records, one item at a time."""

    def __init__(self, conn: sqlite3.Connection, items: list[Prepared]) -> None:
        self._conn = conn
        self._next_id: int | None = None
        seen = Counter(item.local_id for item in items if item.local_id)
        # a local id twice in the batch: its second item must see the first, so query then
        self._once = {(r.source, r.local_id) for item in items if (r := item.record)
                      and seen[r.local_id] == 1}
        self._known = record_hashes(conn, self._once)

    def record_hash(self, record: NormalizedRecord) -> tuple[int, str, bool] | None:
        """``store.records.record_hash`` of the record as the batch found it."""
        who = (record.source, record.local_id)
        if who in self._once:
            return self._known.get(who)
        return record_hash(self._conn, *who)

    def next_record_id(self) -> int:
        """``store.records.next_record_id``, counted on after the first in the batch."""
        if self._next_id is None:
            self._next_id = next_record_id(self._conn)
        self._next_id += 1
        return self._next_id - 1


def _apply_one(conn: sqlite3.Connection, source: Source, item: Prepared,
               clusterer: Clusterer, counts: IngestCounts, stored: _Stored) -> set[str]:
    if item.error is not None:
        raw = item.raw
        counts.set_aside += set_aside(conn, source.code, raw.origin, raw.position, raw.data,
                                      item.error)
        return set()
    if item.deleted and item.local_id:
        return _delete(conn, source, item.local_id, item.raw.datestamp, clusterer, counts)
    record = item.record
    assert record is not None
    if record.repairs:
        counts.repaired += 1
        for reason in record.repairs:
            counts.repairs[reason] = counts.repairs.get(reason, 0) + 1
    known = stored.record_hash(record)
    if known is None:
        return _add(conn, item, record, clusterer, counts, stored.next_record_id())
    change, record_id = replace_record(conn, record, known)
    if change == "unchanged":
        counts.unchanged += 1
        return set()
    _keep_draft(conn, record_id, item)
    counts.added += change == "added"
    counts.updated += change == "updated"
    return clusterer.place(conn, record_id, record.profile_json)


def _add(conn: sqlite3.Connection, item: Prepared, record: NormalizedRecord,
         clusterer: Clusterer, counts: IngestCounts, record_id: int) -> set[str]:
    """A record new to the store (as ``record_id``), placed by the clusterer as it is
    stored."""

    def store(cluster_id: str | None) -> None:
        insert_record(conn, record, record_id, cluster_id)

    _keep_draft(conn, record_id, item)
    counts.added += 1
    return clusterer.place_new(conn, record_id, (record.source, record.local_id),
                               record.profile_json, store, record.match_keys)


def _keep_draft(conn: sqlite3.Connection, record_id: int, item: Prepared) -> None:
    if item.draft is not None and isinstance(conn, StoreConnection):
        conn.drafts[record_id] = item.draft


def _delete(conn: sqlite3.Connection, source: Source, local_id: str, datestamp: str | None,
            clusterer: Clusterer, counts: IngestCounts) -> set[str]:
    change, record_id = mark_deleted(conn, source.code, local_id, datestamp)
    if change != "deleted" or record_id is None:
        counts.unchanged += 1
        return set()
    counts.deleted += 1
    return clusterer.remove(conn, record_id)


CHUNK = 500  # records per parse job, and per outbox group one drain used to index
WAIT_SIGNIFICANT = 0.02  # seconds the writer may wait for parsed chunks per commit
BALANCE_STEP = 0.125  # change of ``_Balance.value`` per commit
BALANCE_START = 0.0  # tests start at 1.0 (every chunk drafted)


def ingest_records(conn: sqlite3.Connection, source: Source, raws: Iterable[RawRecord],
                   clusterer: Clusterer, *, batch_size: int = 2000,
                   after_batch: Callable[[IngestCounts], None] | None = None,
                   workers: int = 0) -> IngestCounts:
    """Ingest a stream, one transaction per batch; ``after_batch`` sees running totals.

    Records are parsed and applied in chunks of ``CHUNK``. With ``workers`` > 0, parsing
    runs in that many processes up to two batches ahead of the writer (memory stays flat on
    any file size). A batch of several chunks drains as if drained after each chunk: the
    store connection keeps an outbox mark per chunk (see ``app.indexer``); a connection
    that cannot keep marks commits and calls ``after_batch`` per chunk.
    """
    size = min(CHUNK, max(batch_size, 1))
    per_commit = max(batch_size // size, 1)
    marks = isinstance(conn, StoreConnection)
    if after_batch is not None and not marks:
        per_commit = 1
    # Drafted entries are kept only until the drain that follows each commit.
    balance = _Balance(workers > 0, after_batch is not None and marks, BALANCE_START)
    total = IngestCounts()
    args = (source.holdings_field, source.restricted, source.code, clusterer.wants_profiles)
    with _fewer_collections(), _preparer(workers) as submit:
        pending: deque[Future[list[Prepared]]] = deque()
        for chunk in _batches(iter(raws), size):
            plan = balance.plan()
            job = _inline if plan == "inline" else submit
            pending.append(job(prepare_many, chunk, *args, source if plan == "draft" else None))
            if len(pending) == 2 * per_commit:
                started = time.perf_counter()
                group = [pending.popleft().result() for _ in range(per_commit)]
                balance.adjust(time.perf_counter() - started > WAIT_SIGNIFICANT,
                               isinstance(conn, StoreConnection) and conn.drafts_wanted)
                _commit(conn, source, group, clusterer, total, after_batch)
        while pending:
            group = [pending.popleft().result() for _ in range(min(per_commit, len(pending)))]
            _commit(conn, source, group, clusterer, total, after_batch)
    return total


def _commit(conn: sqlite3.Connection, source: Source, chunks: list[list[Prepared]],
            clusterer: Clusterer, total: IngestCounts,
            after_batch: Callable[[IngestCounts], None] | None) -> None:
    if isinstance(conn, StoreConnection):  # not taken by a drain since the last commit:
        conn.take_marks()  # ``after_batch`` does not drain here, so they would go stale
        if conn.take_drafts():
            conn.drafts_wanted = False
    with transaction(conn):
        for items in chunks:
            total.add(apply_prepared(conn, source, items, clusterer))
            if after_batch and isinstance(conn, StoreConnection):
                conn.mark_outbox()  # where a drain after this chunk would have stopped
        conn.execute("UPDATE sources SET last_ingest_at=? WHERE code=?", (now(), source.code))
    if after_batch:
        after_batch(total)


@dataclass
class _Balance:
    """Shares the work between the single writer and the parse workers, from whether the
    writer had to wait for parsed chunks at its last commit. ``value`` > 0: that share of
    chunks also gets its one-record entries drafted by the workers (``app.entry_drafts``),
    taking work off the writer; < 0: the writer parses that share itself (it would only
    wait otherwise). Off without workers."""

    enabled: bool
    drafts: bool  # whether drafted entries can reach the drain (see ``ingest_records``)
    value: float = 0.0
    credit: float = 0.0

    def plan(self) -> Literal["inline", "plain", "draft"]:
        self.credit += abs(self.value)
        if not self.enabled or self.credit < 1.0:
            return "plain"
        self.credit -= 1.0
        return "draft" if self.value > 0 else "inline"

    def adjust(self, waited: bool, backend_takes_drafts: bool) -> None:
        if self.enabled:
            moved = self.value + (-BALANCE_STEP if waited else BALANCE_STEP)
            drafts = self.drafts and backend_takes_drafts
            self.value = min(1.0 if drafts else 0.0, max(-1.0, moved))


def _inline(fn: Callable[..., list[Prepared]], *args: object) -> Future[list[Prepared]]:
    """Run ``fn`` here and now, as a done Future."""
    done: Future[list[Prepared]] = Future()
    done.set_result(fn(*args))
    return done


@contextmanager
def _preparer(workers: int) -> Iterator[Callable[..., Future[list[Prepared]]]]:
    """``submit(fn, *args)`` in a process pool, or inline (a done Future) without workers."""
    if workers <= 0:
        yield _inline
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        yield lambda fn, *args: _unpacked(pool.submit(_packed, fn, *args))


# A Prepared as nested tuples of its fields' values: the writer reads those back from the
# worker's pickle several times faster than dataclasses, and they leave less to the GC.
Packed = tuple[Any, ...]


def _packed(fn: Callable[..., list[Prepared]], *args: object) -> list[Packed]:
    return [_pack(item) for item in fn(*args)]


def _pack(item: Prepared) -> Packed:
    record, draft = item.record, item.draft
    return (_values(item.raw), item.local_id, item.deleted,
            None if record is None else _values(record), item.error,
            None if draft is None else (draft.key, tuple(draft.rows)))


def _values(obj: object) -> tuple[Any, ...]:
    """A dataclass's field values in field order (``__init__`` sets them in that order)."""
    return tuple(vars(obj).values())


def _unpack(packed: Packed) -> Prepared:
    raw, local_id, deleted, record, error, draft = packed
    return Prepared(RawRecord(*raw), local_id, deleted,
                    None if record is None else NormalizedRecord(*record), error,
                    None if draft is None else EntryDraft(draft[0], rows_draft(draft[1])))


def _unpacked(future: Future[list[Packed]]) -> Future[list[Prepared]]:
    """``future``'s items unpacked where it completes (the pool's result thread, which reads
    the pickles too), so the writer's wait for a chunk measures the same as before."""
    done: Future[list[Prepared]] = Future()

    def finish(packed: Future[list[Packed]]) -> None:
        try:
            done.set_result([_unpack(item) for item in packed.result()])
        except Exception as error:  # the worker's, or the pool's cancellation
            done.set_exception(error)

    future.add_done_callback(finish)
    return done


GC_YOUNG = 50_000  # allocations between young-generation collections while ingesting


class _YoungGeneration:
    """Collects the young generation every ``GC_YOUNG`` allocations, not Python's 700, while
    any ingest runs: a chunk's parsed items and rows live for a batch and form no cycles, so
    each collection only walked them again (a tenth of the writer's CPU time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ingests = 0
        self._before = gc.get_threshold()

    @contextmanager
    def raised(self) -> Iterator[None]:
        with self._lock:
            if not self._ingests:
                self._before = gc.get_threshold()
                gc.set_threshold(max(GC_YOUNG, self._before[0]), *self._before[1:])
            self._ingests += 1
        try:
            yield
        finally:
            with self._lock:
                self._ingests -= 1
                if not self._ingests:
                    gc.set_threshold(*self._before)


_fewer_collections = _YoungGeneration().raised


def _batches(items: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    while batch := list(islice(items, size)):
        yield batch
