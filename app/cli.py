"""The ``unioncat`` command line: ingest, serve, demo, stats (and registered sub-commands)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from app.backends import open_backend
from app.cli_base import ConfigOption, cli, console, settings_from
from app.clusterers import make_clusterer
from app.indexer import drain_outbox, loading
from app.ingest import IngestCounts, ingest_records
from app.settings import Settings
from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from search.backend import SearchBackend
from store.db import open_store, transaction
from store.sources import ensure_source, save_source
from store.stats import store_stats


def run_ingest(conn: sqlite3.Connection, backend: SearchBackend, settings: Settings,
               code: str, raws: Iterable[RawRecord], label: str) -> IngestCounts:
    """Ingest with a progress line, then bring the search index up to date."""
    with transaction(conn):
        source = ensure_source(conn, code)
    with _progress() as progress:
        task = progress.add_task(label, total=None, rate="")

        def after_batch(counts: IngestCounts) -> None:
            drain_outbox(conn, backend)
            progress.update(task, completed=counts.read, rate=f"{counts.per_second:,.0f}/s")

        with loading(backend):
            counts = ingest_records(conn, source, raws, make_clusterer(settings),
                                    after_batch=after_batch, workers=settings.parse_workers)
            drain_outbox(conn, backend)
    return counts


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed:,} records {task.fields[rate]}"),
                    TimeElapsedColumn(), console=console)


@cli.command()
def ingest(files: Annotated[list[Path], typer.Argument(help="MARC files (ISO 2709 or MARCXML,"
                                                       " optionally gzip)")],
           source: Annotated[str, typer.Option("--source", "-s", help="member library code")],
           config: ConfigOption = None) -> None:
    """Load MARC records of one member library into the union catalog."""
    settings = settings_from(config)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        console.print(f"[red]no such file:[/red] {', '.join(missing)}")
        raise typer.Exit(2)
    conn, backend = open_store(settings.store_path), open_backend(settings)
    total = IngestCounts()
    try:
        for path in files:
            total.add(run_ingest(conn, backend, settings, source, read_marc_path(path),
                                 path.name))
    except ValueError as error:
        console.print(f"[red]cannot ingest:[/red] {error}")
        raise typer.Exit(2) from error
    finally:
        backend.close()
        conn.close()
    typer.echo(f"ingest {source}: {total.summary()}")


@cli.command()
def demo(config: ConfigOption = None) -> None:
    """Register the six demo libraries and load the bundled demo records."""
    from app.demo import DEMO_SOURCES, demo_records

    settings = settings_from(config)
    conn, backend = open_store(settings.store_path), open_backend(settings)
    total = IngestCounts()
    try:
        with transaction(conn):
            for source in DEMO_SOURCES:
                save_source(conn, source)
        for source in DEMO_SOURCES:
            total.add(run_ingest(conn, backend, settings, source.code,
                                 demo_records(source.code), source.name))
    finally:
        backend.close()
        conn.close()
    typer.echo(f"demo: {total.summary()}")


@cli.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
          config: ConfigOption = None) -> None:
    """Entries and, per member library, records, deletions and set-aside records."""
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        figures = store_stats(conn)
    finally:
        conn.close()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{figures['entries']:,} catalog entries from {figures['records']:,} records")
    for s in figures["sources"]:
        typer.echo(f"  {s['code']:<12} {s['records']:>8,} records {s['deleted']:>6,} deleted "
                   f"{s['set_aside']:>5,} set aside  last ingest {s['last_ingest_at'] or '-'}"
                   f"  {s['name']}")


@cli.command()
def serve(host: Annotated[str | None, typer.Option(help="listen address")] = None,
          port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
          z3950_port: Annotated[int | None, typer.Option("--z3950-port",
                                                         help="Z39.50 port")] = None,
          workers: Annotated[int | None, typer.Option(
              "--workers", help="serving processes (default 1; use the core count)")] = None,
          config: ConfigOption = None) -> None:
    """Serve the JSON API, SRU and Z39.50 (and run scheduled harvests)."""
    from app.server import ListenError, run_server

    settings = settings_from(config, host=host, port=port, z3950_port=z3950_port,
                             http_workers=workers)
    try:
        run_server(settings)
    except ListenError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error


def main() -> None:
    from app import cli_extra

    cli_extra.register(cli)
    cli()
