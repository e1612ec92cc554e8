"""Sub-commands contributed by other modules (sources, harvest, dedup, reindex)."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Each capability adds its commands here."""
    from app import cli_sources

    cli_sources.register(cli)
    from app import cli_dedup

    cli_dedup.register(cli)
    from app import cli_reindex

    cli_reindex.register(cli)
