"""Drive the real YAZ command-line clients (Debian ``yaz``) against a running target."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pymarc import MARCReader, Record


def yaz_client(address: str, commands: list[str], marc_file: Path | None = None,
               database: str = "union", charset: str | None = "UTF-8",
               timeout: float = 30) -> str:
    """Run a yaz-client session; returns its output (yaz-client exits 0 even on failure)."""
    script = ([f"charset {charset}"] if charset else []) + [f"open {address}/{database}"]
    script += [*commands, "close", "quit"]
    args = ["yaz-client"] + (["-m", str(marc_file)] if marc_file else [])
    done = subprocess.run(args, input="\n".join(script) + "\n", capture_output=True,
                          text=True, timeout=timeout, check=False)
    return done.stdout + done.stderr


def zoomsh(address: str, commands: list[str], database: str = "union",
           timeout: float = 30) -> str:
    args = ["zoomsh", "set charset UTF-8", f"connect {address}/{database}", *commands, "quit"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    return done.stdout + done.stderr


def hits(output: str) -> list[int]:
    """Every "Number of hits" yaz-client printed, in order."""
    return [int(n) for n in re.findall(r"Number of hits: (\d+)", output)]


def diagnostics(output: str) -> list[int]:
    """Bib-1 diagnostic codes yaz-client printed ("Diagnostic message(s) from database")."""
    return [int(n) for n in re.findall(r"\[(\d+)\] ", output)]


def read_marc(path: Path) -> list[Record]:
    with path.open("rb") as handle:
        return [r for r in MARCReader(handle, to_unicode=True, force_utf8=True) if r]
