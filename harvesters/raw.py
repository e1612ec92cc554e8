"""What every harvester yields: one record's bytes as the member library sent them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Syntax = Literal["iso2709", "marcxml", "oai_dc"]


@dataclass(frozen=True)
class RawRecord:
    data: bytes
    syntax: Syntax
    position: int  # 1-based place in its file or feed, for error messages
    origin: str = ""  # file name, URL or OAI identifier
    local_id: str | None = None  # known before parsing (OAI identifier), else from 001
    datestamp: str | None = None
    deleted: bool = False
    error: str | None = None  # framing already failed: set aside with this reason
