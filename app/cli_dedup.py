"""``unioncat dedup ...``: split, merge, forget, explain, show, block identifiers, recluster."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from app.backends import open_backend
from app.indexer import drain_outbox
from app.settings import Settings, load_settings
from normalizers import overrides
from normalizers.dedup import DedupClusterer
from store import dedup as db
from store.db import open_store, transaction
from store.records import queue_for_index

dedup_cli = typer.Typer(no_args_is_help=True, help="Deduplication: overrides and inspection.")
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c",
                         help="unioncat.toml to read (default ./unioncat.toml)")]
RecordArg = Annotated[str, typer.Argument(help="a member record as SOURCE:local-id")]
NoteOption = Annotated[str, typer.Option("--note", help="why (kept with the override)")]


def register(cli: typer.Typer) -> None:
    cli.add_typer(dedup_cli, name="dedup")


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config, None)
    except (ValueError, OSError) as error:
        typer.echo(f"configuration error: {error}", err=True)
        raise typer.Exit(2) from error


def _change(config: Path | None, action: Callable[[sqlite3.Connection], set[str]]) -> None:
    """Apply one change in a transaction, then re-index the entries it touched."""
    settings = _settings(config)
    conn = open_store(settings.store_path)
    try:
        with transaction(conn):
            changed = action(conn)
            queue_for_index(conn, changed)
        backend = open_backend(settings)
        try:
            drain_outbox(conn, backend)
        finally:
            backend.close()
    except overrides.OverrideError as error:
        typer.echo(f"refused: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        conn.close()
    typer.echo(f"changed entries: {', '.join(sorted(changed)) or 'none'}")


def _read(config: Path | None, action: Callable[[sqlite3.Connection], Any]) -> None:
    conn = open_store(_settings(config).store_path)
    try:
        typer.echo(json.dumps(action(conn), ensure_ascii=False, indent=2))
    except overrides.OverrideError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        conn.close()


@dedup_cli.command()
def split(a: RecordArg, b: RecordArg, note: NoteOption = "",
          config: ConfigOption = None) -> None:
    """These two records must never share a catalog entry."""
    _change(config, lambda conn: overrides.split(conn, a, b, note))


@dedup_cli.command()
def merge(a: RecordArg, b: RecordArg, note: NoteOption = "",
          config: ConfigOption = None) -> None:
    """These two records belong in one catalog entry (b joins a's)."""
    _change(config, lambda conn: overrides.merge(conn, a, b, note))


@dedup_cli.command()
def forget(a: RecordArg, b: RecordArg, config: ConfigOption = None) -> None:
    """Drop the override between two records; the rules decide again."""
    _change(config, lambda conn: overrides.forget(conn, a, b))


@dedup_cli.command()
def show(name: Annotated[str, typer.Argument(help="entry id (uc...) or SOURCE:local-id")],
         config: ConfigOption = None) -> None:
    """An entry's member records and the overrides touching them."""
    _read(config, lambda conn: overrides.show(conn, name))


@dedup_cli.command()
def explain(a: RecordArg, b: RecordArg, config: ConfigOption = None) -> None:
    """What the matching rules say about two records, and why."""
    _read(config, lambda conn: overrides.explain(conn, a, b))


@dedup_cli.command("overrides")
def list_overrides(config: ConfigOption = None) -> None:
    """Every split and merge decision."""
    _read(config, lambda conn: [{"kind": o.kind, "a": f"{o.a[0]}:{o.a[1]}",
                                 "b": f"{o.b[0]}:{o.b[1]}", "note": o.note}
                                for o in db.list_overrides(conn)])


@dedup_cli.command()
def block(kind: Annotated[str, typer.Argument(help="isbn, lccn, oclc, issn, id024...")],
          key: Annotated[str, typer.Argument(help="the identifier as stored (ISBN-13 ...)")],
          note: NoteOption = "", config: ConfigOption = None) -> None:
    """Stop trusting an identifier known to be reused wrongly; re-place its records."""
    def action(conn: sqlite3.Connection) -> set[str]:
        db.block_identifier(conn, kind, key, note)
        clusterer = DedupClusterer()
        changed: set[str] = set()
        for record_id in db.records_with_key(conn, kind, key):
            changed |= clusterer.reassign(conn, record_id)
        return changed

    _change(config, action)
