"""``unioncat sources add|list|show|disable|enable|key`` and ``unioncat harvest``."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli_base import ConfigOption, settings_from
from app.harvest import HarvestResult
from app.source_config import new_api_key, source_from, sync_configured_sources
from store.db import open_store, transaction
from store.runs import latest_runs, list_runs
from store.sources import Source, get_source, list_sources, save_source

sources_cli = typer.Typer(no_args_is_help=True, help="Member libraries and their feeds.")
console = Console(stderr=True)
OUTCOME_STYLE = {"ok": "green", "unchanged": "green", "running": "cyan", "partial": "yellow",
                 "refused": "yellow", "interrupted": "yellow", "failed": "bold red"}


@sources_cli.command("add")
def add(code: str,
        name: Annotated[str, typer.Option(help="name with diacritics")],
        library_type: Annotated[str, typer.Option("--type", help="provincial, district, "
                                                  "university, school...")] = "other",
        protocol: Annotated[str, typer.Option(help="oai, marc-url or marc-file")] = "oai",
        endpoint: Annotated[str, typer.Option(help="OAI base URL, file URL or path")] = "",
        metadata_prefix: Annotated[str, typer.Option(help="marc21, marcxml, oai_dc")] = "marc21",
        oai_set: Annotated[str, typer.Option("--set", help="OAI set")] = "",
        district: str = "", commune: str = "", contact: str = "",
        lat: float | None = None, lon: float | None = None,
        interval: Annotated[float, typer.Option(help="harvest interval, hours")] = 24.0,
        priority: int = 0,
        holdings_field: Annotated[str, typer.Option(help="852, 952 (Koha), 090...")] = "852",
        restricted: bool = False, config: ConfigOption = None) -> None:
    """Register (or update) a member library."""
    values: dict[str, Any] = dict(
        code=code, name=name, library_type=library_type, protocol=protocol, endpoint=endpoint,
        metadata_prefix=metadata_prefix, oai_set=oai_set, district=district, commune=commune,
        contact=contact, lat=lat, lon=lon, harvest_interval_hours=interval, priority=priority,
        holdings_field=holdings_field, restricted=restricted)
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            known = get_source(conn, code)
            source = source_from(values, known)
            save_source(conn, source)
    except ValueError as error:
        console.print(f"[red]cannot add source:[/red] {error}")
        raise typer.Exit(2) from error
    finally:
        conn.close()
    typer.echo(f"{'updated' if known else 'added'} {code}: {source.name}")


@sources_cli.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False,
          config: ConfigOption = None) -> None:
    """Every registered library (unioncat.toml sources included)."""
    found = _all_sources(config)
    if as_json:
        typer.echo(json.dumps([s.to_json() for s in found], ensure_ascii=False, indent=2))
        return
    table = Table("code", "name", "type", "protocol", "endpoint", "enabled")
    for s in found:
        table.add_row(s.code, s.name, s.library_type, s.protocol, s.endpoint,
                      "yes" if s.enabled else "[red]no[/red]")
    Console().print(table)


@sources_cli.command("show")
def show(code: str, config: ConfigOption = None) -> None:
    """One library's registry entry and its recent harvests."""
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        source = get_source(conn, code)
        runs = list_runs(conn, code, 5)
    finally:
        conn.close()
    if source is None:
        console.print(f"[red]unknown source {code}[/red]")
        raise typer.Exit(1)
    typer.echo(json.dumps({**source.to_json(), "recent_runs": runs}, ensure_ascii=False,
                          indent=2))


@sources_cli.command("disable")
def disable(code: str, config: ConfigOption = None) -> None:
    """Stop harvesting a library (its records stay)."""
    _set_enabled(code, False, config)


@sources_cli.command("enable")
def enable(code: str, config: ConfigOption = None) -> None:
    """Harvest a disabled library again."""
    _set_enabled(code, True, config)


@sources_cli.command("key")
def key(code: str, config: ConfigOption = None) -> None:
    """Print a new upload API key for a library (shown once; the old key stops working)."""
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            new_key = new_api_key(conn, code)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    finally:
        conn.close()
    typer.echo(new_key)


def _set_enabled(code: str, enabled: bool, config: Any) -> None:
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            changed = conn.execute("UPDATE sources SET enabled=? WHERE code=?",
                                   (int(enabled), code)).rowcount
    finally:
        conn.close()
    if not changed:
        console.print(f"[red]unknown source {code}[/red]")
        raise typer.Exit(1)
    typer.echo(f"{code} {'enabled' if enabled else 'disabled'}")


def _all_sources(config: Any) -> list[Source]:
    settings = settings_from(config)
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            sync_configured_sources(conn, settings.sources)
        return list_sources(conn)
    finally:
        conn.close()


def harvest(codes: Annotated[list[str] | None, typer.Argument(help="source codes "
                                                             "(default: every enabled one)")]
            = None,
            full: Annotated[bool, typer.Option("--full", help="re-harvest everything and "
                                               "delete what the feed no longer has")] = False,
            status: Annotated[bool, typer.Option("--status", help="show the latest run of "
                                                 "each source and exit")] = False,
            workers: Annotated[int, typer.Option(help="sources harvested at once")] = 4,
            config: ConfigOption = None) -> None:
    """Harvest member libraries (OAI-PMH, MARC by URL or file), resuming where it stopped."""
    from app.backends import open_backend
    from app.harvest_run import harvest_sources, select_sources

    settings = settings_from(config)
    if status:
        _print_status(settings)
        return
    try:
        chosen = select_sources(settings, codes or [])
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    backend = open_backend(settings)
    try:
        with _HarvestProgress(chosen) as shown:
            results = harvest_sources(settings, chosen, backend, full=full, workers=workers,
                                      progress=shown.update)
    finally:
        backend.close()
    _report(results)


class _HarvestProgress:
    """A rich progress line per source, updated from the harvest threads."""

    def __init__(self, sources: list[Source]) -> None:
        self.progress = Progress(TextColumn("{task.description:<12}"), BarColumn(),
                                 TextColumn("{task.completed:>8,} read {task.fields[state]}"),
                                 TimeElapsedColumn(), console=console,
                                 disable=not sys.stderr.isatty())
        self.tasks: dict[str, TaskID] = {
            s.code: self.progress.add_task(s.code, total=None, state="") for s in sources}

    def __enter__(self) -> _HarvestProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, result: HarvestResult) -> None:
        f = result.figures
        state = (f"+{f.added} ~{f.updated} -{f.deleted} !{f.set_aside} "
                 f"[{OUTCOME_STYLE.get(result.outcome, 'white')}]{result.outcome}[/]")
        self.progress.update(self.tasks[result.source], completed=f.read, total=result.total,
                             state=state)


def _report(results: list[HarvestResult]) -> None:
    failed = 0
    for r in results:
        f = r.figures
        typer.echo(f"harvest {r.source}: {r.outcome}: {f.read} read, {f.added} added, "
                   f"{f.updated} updated, {f.deleted} deleted, {f.set_aside} set aside, "
                   f"{f.pages} pages, {f.retries} retries, {f.restarts} restarts, "
                   f"{f.cleaned_chars} bad characters removed"
                   + (f" ({r.error})" if r.error else ""))
        failed += r.outcome == "failed"
    if failed:
        raise typer.Exit(1)


def _print_status(settings: Any) -> None:
    conn = open_store(settings.store_path)
    try:
        runs = latest_runs(conn)
    finally:
        conn.close()
    table = Table("source", "name", "outcome", "started", "ended", "read", "added", "updated",
                  "deleted", "set aside", "errors")
    for r in runs:
        style = OUTCOME_STYLE.get(r["outcome"], "white")
        table.add_row(r["source"], r["name"] or "", f"[{style}]{r['outcome']}[/]",
                      r["started_at"], r["ended_at"] or "", *(str(r[k]) for k in (
                          "read", "added", "updated", "deleted", "set_aside")),
                      (r["errors"] or "")[:60])
    Console(width=200).print(table)


def register(cli: typer.Typer) -> None:
    cli.add_typer(sources_cli, name="sources")
    cli.command("harvest")(harvest)
