"""Harvest ``marc-url`` and ``marc-file`` sources: a whole file, skipped when unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from app.harvest import HarvestResult, Progress
from app.ingest import IngestCounts, ingest_records
from harvesters.fetch import RetryPolicy
from harvesters.marcfile import read_marc_path
from harvesters.marcurl import fetch_marc_url
from normalizers.clustering import Clusterer
from store.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
from store.db import transaction
from store.runs import RunFigures, add_to_run, finish_run, interrupt_stale, start_run
from store.sources import Source


def harvest_marc_url(conn: sqlite3.Connection, source: Source, http: httpx.Client,
                     clusterer: Clusterer, *, full: bool = False,
                     policy: RetryPolicy | None = None,
                     progress: Progress | None = None) -> HarvestResult:
    cp = load_checkpoint(conn, source.code)
    result = _start(conn, source, "marc-url")
    etag, modified = ("", "") if full else (cp.etag, cp.last_modified)
    fetched = fetch_marc_url(http, source.endpoint, etag, modified, policy)
    if not fetched.changed or fetched.path is None:
        return _finish(conn, result, "unchanged", None)
    try:
        _ingest_file(conn, source, fetched.path, clusterer, result, progress)
    finally:
        fetched.path.unlink(missing_ok=True)
    cp.etag, cp.last_modified = fetched.etag, fetched.last_modified
    return _finish(conn, result, "ok", cp)


def harvest_marc_file(conn: sqlite3.Connection, source: Source, clusterer: Clusterer, *,
                      full: bool = False, progress: Progress | None = None) -> HarvestResult:
    """A file on the server's disk; its size and mtime stand in for an ETag."""
    path = Path(source.endpoint)
    cp = load_checkpoint(conn, source.code)
    result = _start(conn, source, "marc-file")
    stat = path.stat()
    tag = f"{stat.st_size}-{stat.st_mtime_ns}"
    if tag == cp.etag and not full:
        return _finish(conn, result, "unchanged", None)
    _ingest_file(conn, source, path, clusterer, result, progress)
    cp.etag = tag
    return _finish(conn, result, "ok", cp)


def _start(conn: sqlite3.Connection, source: Source, kind: str) -> HarvestResult:
    with transaction(conn):
        interrupt_stale(conn, source.code, None)
        run_id = start_run(conn, source.code, kind, source.endpoint, "file", None)
    return HarvestResult(source.code, run_id)


def _ingest_file(conn: sqlite3.Connection, source: Source, path: Path, clusterer: Clusterer,
                 result: HarvestResult, progress: Progress | None) -> None:
    def after_batch(total: IngestCounts) -> None:
        result.figures.read = total.read
        if progress:
            progress(result)

    counts = ingest_records(conn, source, read_marc_path(path), clusterer,
                            after_batch=after_batch)
    result.figures = RunFigures(read=counts.read, added=counts.added, updated=counts.updated,
                                deleted=counts.deleted, set_aside=counts.set_aside, pages=1)


def _finish(conn: sqlite3.Connection, result: HarvestResult, outcome: str,
            cp: Checkpoint | None) -> HarvestResult:
    result.outcome = outcome
    with transaction(conn):
        add_to_run(conn, result.run_id, result.figures)
        finish_run(conn, result.run_id, outcome)
        if cp is not None:
            save_checkpoint(conn, cp)
    return result
