"""Harvest many sources at once, and on schedule.

A thread per source, each with its own store connection and HTTP client: SQLite WAL with
``BEGIN IMMEDIATE`` and a busy timeout serializes the writers page by page, so a slow
library only delays itself. The calling thread alone talks to the search backend: it
drains the index outbox while the harvests run and once more at the end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta

import httpx

from app.clusterers import make_clusterer
from app.harvest import HarvestResult, Progress, harvest_oai
from app.harvest_files import harvest_marc_file, harvest_marc_url
from app.indexer import drain_outbox
from app.settings import Settings
from app.source_config import sync_configured_sources
from search.backend import SearchBackend
from store.db import open_store, transaction
from store.runs import last_attempt, last_success
from store.sources import Source, get_source, list_sources

log = logging.getLogger("unioncat.harvest")
ClientFactory = Callable[[], httpx.Client]
RETRY_FAILED_HOURS = 0.25  # a failed harvest is tried again after 15 minutes
USER_AGENT = "unioncat-harvester/0.1 (+https://github.com/unioncat)"


def default_client() -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0), follow_redirects=True,
                        headers={"User-Agent": USER_AGENT})


def harvest_one(settings: Settings, source: Source, *, full: bool = False,
                client_factory: ClientFactory = default_client,
                progress: Progress | None = None) -> HarvestResult:
    """One source in the calling thread, on its own connection and client."""
    conn = open_store(settings.store_path)
    try:
        with client_factory() as http:
            clusterer = make_clusterer(settings)
            if source.protocol == "oai":
                return harvest_oai(conn, source, http, clusterer, full=full, progress=progress)
            if source.protocol == "marc-url":
                return harvest_marc_url(conn, source, http, clusterer, full=full,
                                        progress=progress)
            return harvest_marc_file(conn, source, clusterer, full=full, progress=progress)
    finally:
        conn.close()


def select_sources(settings: Settings, codes: Sequence[str]) -> list[Source]:
    """Named sources (enabled or not), else every enabled one; config synced first."""
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            sync_configured_sources(conn, settings.sources)
        if codes:
            found = [get_source(conn, c) for c in codes]
            missing = [c for c, s in zip(codes, found, strict=True) if s is None]
            if missing:
                raise ValueError(f"unknown source(s): {', '.join(missing)}")
            return [s for s in found if s is not None]
        return [s for s in list_sources(conn) if s.enabled and s.endpoint]
    finally:
        conn.close()


def harvest_sources(settings: Settings, sources: Sequence[Source], backend: SearchBackend,
                    *, full: bool = False, workers: int = 4,
                    client_factory: ClientFactory = default_client,
                    progress: Progress | None = None) -> list[HarvestResult]:
    """Harvest concurrently (one at a time per source); index as pages commit."""
    unique = list({s.code: s for s in sources}.values())
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="harvest") as pool:
        futures = {s.code: pool.submit(_guarded, settings, s, full, client_factory, progress)
                   for s in unique}
        _drain_while_running(settings, backend, list(futures.values()))
    return [futures[s.code].result() for s in unique]


def _guarded(settings: Settings, source: Source, full: bool, client_factory: ClientFactory,
             progress: Progress | None) -> HarvestResult:
    """A crash in one source (bad endpoint, disk...) is its own failed result."""
    try:
        return harvest_one(settings, source, full=full, client_factory=client_factory,
                           progress=progress)
    except Exception as error:
        log.exception("harvest of %s failed", source.code)
        result = HarvestResult(source.code, 0, "failed", error=f"{type(error).__name__}: {error}")
        if progress:
            progress(result)
        return result


def _drain_while_running(settings: Settings, backend: SearchBackend,
                         futures: list[Future[HarvestResult]]) -> None:
    conn = open_store(settings.store_path)
    try:
        while wait(futures, timeout=1.0).not_done:
            drain_outbox(conn, backend)
        drain_outbox(conn, backend)
    finally:
        conn.close()


def due_sources(settings: Settings, at: datetime | None = None) -> list[Source]:
    """Enabled sources whose interval has passed since their last successful run."""
    at = at or datetime.now(UTC)
    conn = open_store(settings.store_path)
    try:
        return [s for s in list_sources(conn) if s.enabled and s.endpoint
                and _is_due(last_success(conn, s.code), s, at, s.harvest_interval_hours)
                and _is_due(last_attempt(conn, s.code), s, at, RETRY_FAILED_HOURS)]
    finally:
        conn.close()


def _is_due(last: str | None, source: Source, at: datetime, hours: float) -> bool:
    """``hours`` passed since ``last`` (never run: due); a failing source waits too."""
    if last is None:
        return True
    done = datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return at - done >= timedelta(hours=min(hours, source.harvest_interval_hours))


async def harvest_scheduler(settings: Settings, stop_event: asyncio.Event,
                            backend: SearchBackend | None = None,
                            check_every: float = 60.0) -> None:
    """For ``unioncat serve``: harvest each source when its interval has passed."""
    from app.backends import open_backend

    await asyncio.to_thread(select_sources, settings, ())  # sync unioncat.toml sources
    while not stop_event.is_set():
        due = await asyncio.to_thread(due_sources, settings)
        if due:
            engine = backend or open_backend(settings)
            try:
                await asyncio.to_thread(harvest_sources, settings, due, engine)
            finally:
                if backend is None:
                    engine.close()
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=check_every)
        except TimeoutError:
            continue
