"""What an SRU endpoint says about itself and the limits it applies."""

from __future__ import annotations

from dataclasses import dataclass

from sru.request import Version


@dataclass(frozen=True)
class SruSettings:
    title: str = "Union catalog"
    description: str = "Union catalog of the province's library network"
    host: str = "localhost"
    port: int = 80
    path: str = "sru"  # the database name in explain (the URL path without "/")
    default_records: int = 10
    max_records: int = 100
    default_terms: int = 20
    max_terms: int = 100
    sort_supported: bool = True
    default_version: Version = "2.0"
    language: str = "vi"
