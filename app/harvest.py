"""Harvest one OAI-PMH source into the store, a page per transaction.

Each page's records, the checkpoint (resumption token, high-water datestamp) and the run's
figures commit together, so a kill -9 at any moment resumes exactly where the store
stands: nothing lost, nothing doubled. A bad or expired token restarts the list from its
'from' (idempotent: records already stored come back 'unchanged'); a repeating token stops
the list; a full re-harvest deletes what the feed no longer has, unless it had nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from app.ingest import IngestCounts, apply_batch
from harvesters.fetch import FetchError, RetryPolicy
from harvesters.oai import OaiClient
from harvesters.oai_xml import FeedError, OaiError, Page
from harvesters.raw import RawRecord
from normalizers.clustering import Clusterer
from store.checkpoints import (
    Checkpoint,
    clear_seen,
    load_checkpoint,
    mark_seen,
    save_checkpoint,
    seen_count,
    unseen_live,
)
from store.db import now, transaction
from store.runs import RunFigures, add_to_run, finish_run, interrupt_stale, start_run
from store.sources import Source

MAX_RESTARTS = 3
HARVEST_ERRORS = (OaiError, FeedError, FetchError, httpx.HTTPError)


@dataclass
class HarvestResult:
    source: str
    run_id: int
    outcome: str = "running"
    figures: RunFigures = field(default_factory=RunFigures)
    error: str = ""
    total: int | None = None  # completeListSize, when the feed says


Progress = Callable[[HarvestResult], None]


class TokenLoop(Exception):
    """The feed handed out a resumption token it had already given in this list."""


def harvest_oai(conn: sqlite3.Connection, source: Source, http: httpx.Client,
                clusterer: Clusterer, *, full: bool = False, policy: RetryPolicy | None = None,
                progress: Progress | None = None) -> HarvestResult:
    policy = policy or RetryPolicy()
    oai = OaiClient(http, source.endpoint, source.metadata_prefix, source.oai_set, policy)
    cp = _begin(conn, source, oai, full)
    result = HarvestResult(source.code, cp.run_id or 0)
    try:
        _run_list(conn, source, oai, cp, clusterer, result, progress)
    except (*HARVEST_ERRORS, TokenLoop) as error:
        result.error = f"{type(error).__name__}: {error}"
        result.outcome = "partial" if isinstance(error, TokenLoop) else "failed"
        with transaction(conn):
            if isinstance(error, TokenLoop):
                _abandon_list(conn, cp)
            finish_run(conn, result.run_id, result.outcome, result.error)
    if progress:
        progress(result)
    return result


def _begin(conn: sqlite3.Connection, source: Source, oai: OaiClient,
           full: bool) -> Checkpoint:
    """Resume the list in progress, or start a new one (and a run record)."""
    granularity = _granularity(oai)
    with transaction(conn):
        cp = load_checkpoint(conn, source.code)
        cp.granularity = granularity or cp.granularity
        if not (cp.in_progress and (cp.full or not full)):
            cp = _new_list(conn, cp, full)
        elif not _run_is_open(conn, cp.run_id):
            cp.run_id = start_run(conn, source.code, "oai", source.endpoint, "resume",
                                  cp.list_from)
        interrupt_stale(conn, source.code, cp.run_id)
        save_checkpoint(conn, cp)
    return cp


def _new_list(conn: sqlite3.Connection, cp: Checkpoint, full: bool) -> Checkpoint:
    cp.list_from = None if full else cp.last_datestamp
    cp.token, cp.high_water, cp.in_progress, cp.full = None, None, True, full
    cp.run_id = start_run(conn, cp.source, "oai", "", "full" if full else "incremental",
                          cp.list_from)
    if full:
        clear_seen(conn, cp.source)
    return cp


def _run_is_open(conn: sqlite3.Connection, run_id: int | None) -> bool:
    row = conn.execute("SELECT outcome FROM ingest_runs WHERE id=?", (run_id,)).fetchone()
    return bool(row and row[0] == "running")


def _granularity(oai: OaiClient) -> str:
    """Identify's granularity; '' when Identify fails (the list request decides)."""
    try:
        return oai.identify().granularity
    except HARVEST_ERRORS:
        return ""


def _run_list(conn: sqlite3.Connection, source: Source, oai: OaiClient, cp: Checkpoint,
              clusterer: Clusterer, result: HarvestResult, progress: Progress | None) -> None:
    tokens: set[str] = set()
    restarts = 0
    while True:
        retries_before = oai.policy.retries
        try:
            page = _fetch(oai, cp)
        except OaiError as error:
            if error.code != "badResumptionToken" or not cp.token or restarts >= MAX_RESTARTS:
                raise
            restarts += 1
            tokens.clear()  # the restarted list hands out the same tokens again
            _restart_list(conn, cp, result)
            continue
        if page.token and page.token in tokens:
            _commit_page(conn, source, cp, Page(page.records, None, None, page.cleaned_chars),
                         clusterer, result, oai.policy.retries - retries_before, final=False)
            raise TokenLoop(f"resumption token {page.token[:60]!r} repeated")
        if page.token:
            tokens.add(page.token)
        result.total = page.complete_list_size or result.total
        _commit_page(conn, source, cp, page, clusterer, result,
                     oai.policy.retries - retries_before, final=page.token is None)
        if progress:
            progress(result)
        if page.token is None:
            return


def _fetch(oai: OaiClient, cp: Checkpoint) -> Page:
    if cp.token:
        return oai.next_page(cp.token)
    page, cp.granularity = oai.first_page(cp.list_from, cp.granularity)
    return page


def _restart_list(conn: sqlite3.Connection, cp: Checkpoint, result: HarvestResult) -> None:
    """A refused token: start the same list again from its 'from' (committed)."""
    cp.token = None
    result.figures.restarts += 1
    with transaction(conn):
        save_checkpoint(conn, cp)
        add_to_run(conn, result.run_id, RunFigures(restarts=1))


def _commit_page(conn: sqlite3.Connection, source: Source, cp: Checkpoint, page: Page,
                 clusterer: Clusterer, result: HarvestResult, retries: int,
                 final: bool) -> None:
    with transaction(conn):
        counts = apply_batch(conn, source, page.records, clusterer)
        if cp.full:
            mark_seen(conn, source.code, _live_ids(page.records))
        figures = _figures(counts, page, retries)
        cp.token = page.token
        cp.high_water = max(filter(None, (cp.high_water, page.high_water)), default=None)
        if final:
            figures.deleted += _complete_list(conn, source, cp, clusterer, result)
        save_checkpoint(conn, cp)
        add_to_run(conn, result.run_id, figures)
        conn.execute("UPDATE sources SET last_ingest_at=? WHERE code=?", (now(), source.code))
        if final:
            finish_run(conn, result.run_id, result.outcome, result.error)
    _add(result.figures, figures)


def _complete_list(conn: sqlite3.Connection, source: Source, cp: Checkpoint,
                   clusterer: Clusterer, result: HarvestResult) -> int:
    """The list ended: advance the high-water mark; a full run deletes what is gone."""
    cp.last_datestamp = max(filter(None, (cp.last_datestamp, cp.high_water)), default=None)
    cp.in_progress, cp.list_from, cp.high_water = False, None, None
    result.outcome = "ok"
    if not cp.full:
        return 0
    cp.full = False
    if seen_count(conn, source.code) == 0:
        result.outcome = "refused"
        result.error = "full re-harvest returned no records: nothing deleted"
        return 0
    gone = [RawRecord(b"", "marcxml", i, "full re-harvest", local_id=local_id, deleted=True)
            for i, local_id in enumerate(unseen_live(conn, source.code), start=1)]
    clear_seen(conn, source.code)
    return apply_batch(conn, source, gone, clusterer).deleted


def _abandon_list(conn: sqlite3.Connection, cp: Checkpoint) -> None:
    """After a token loop: the next run starts over from the last completed list."""
    cp.token, cp.in_progress, cp.list_from, cp.high_water, cp.full = None, False, None, None, False
    save_checkpoint(conn, cp)
    clear_seen(conn, cp.source)


def _live_ids(records: list[RawRecord]) -> list[str]:
    return [r.local_id for r in records if r.local_id and not r.deleted]


def _figures(counts: IngestCounts, page: Page, retries: int) -> RunFigures:
    return RunFigures(read=counts.read, added=counts.added, updated=counts.updated,
                      deleted=counts.deleted, set_aside=counts.set_aside, pages=1,
                      cleaned_chars=page.cleaned_chars, retries=retries)


def _add(total: RunFigures, more: RunFigures) -> None:
    for name in vars(more):
        setattr(total, name, getattr(total, name) + getattr(more, name))
