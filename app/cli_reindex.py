"""`unioncat reindex`: rebuild the search index from the store (after an upgrade, or to
move to OpenSearch), optionally re-normalizing stored records first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from app.backends import open_backend
from app.cli_base import console, settings_from
from app.clusterers import make_clusterer
from app.reindex import reindex as rebuild_index
from app.reindex import renormalize
from store.db import open_store


def reindex(backend: Annotated[str | None, typer.Option(
                "--backend", help="sqlite-fts or opensearch (default: the configured one)")
            ] = None,
            renormalize_records: Annotated[bool, typer.Option(
                "--renormalize", help="re-derive normalized records from raw bytes first")
            ] = False,
            config: Annotated[Path | None, typer.Option("--config", "-c")] = None) -> None:
    """Rebuild the search index from the store (zero downtime on OpenSearch)."""
    settings = settings_from(config)
    if backend:
        settings = replace(settings, search_backend=backend)
    conn = open_store(settings.store_path)
    engine = open_backend(settings)
    try:
        if renormalize_records:
            changed = renormalize(conn, make_clusterer(settings))
            typer.echo(f"renormalized: {changed} records changed")
        count = rebuild_index(conn, engine, progress=(
            (lambda n: console.print(f"  {n:,} entries", end="\r"))
            if console.is_terminal else None))
    except ValueError as error:
        console.print(f"[red]cannot reindex:[/red] {error}")
        raise typer.Exit(2) from error
    finally:
        engine.close()
        conn.close()
    typer.echo(f"reindex {settings.search_backend}: {count} entries indexed")


def register(cli: typer.Typer) -> None:
    cli.command("reindex")(reindex)
