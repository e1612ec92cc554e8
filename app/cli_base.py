"""What every ``unioncat`` command module shares: the Typer app, the console (stderr) and
reading settings with a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.settings import Settings, load_settings

cli = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="unioncat: the province's union catalog.")
console = Console(stderr=True)
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c",
                         help="unioncat.toml to read (default ./unioncat.toml)")]


def settings_from(config: Path | None, **overrides: object) -> Settings:
    try:
        return load_settings(config, None, **overrides)
    except (ValueError, OSError) as error:
        console.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from error
