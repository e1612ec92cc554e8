"""Registry of extra routers (SRU, libraries, harvests, admin); each module adds itself here."""

from __future__ import annotations

from typing import Any


def all_routers() -> list[Any]:
    from app import api_dedup, api_sources, api_sru

    found: list[Any] = [api_sru.router, api_dedup.router, api_sources.router]
    return found
