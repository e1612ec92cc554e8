"""Settings of the Z39.50 target (the app builds one from its own configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from search.query import PUBLIC, Scope


@dataclass(frozen=True)
class Z3950Settings:
    host: str = "127.0.0.1"
    port: int = 2100  # 0 picks a free port (tests)
    database: str = "union"
    scope: Scope = PUBLIC
    extra_databases: Mapping[str, Scope] = field(default_factory=dict)
    idle_timeout: float = 300.0  # seconds without a byte from the client
    max_pdu_size: int = 1024 * 1024  # largest request accepted
    max_connections: int = 100
    preferred_message_size: int = 4 * 1024 * 1024  # ceiling for the negotiated value
    exceptional_record_size: int = 8 * 1024 * 1024
    max_result_set: int = 5000  # positions a present may ask for in one result set
    max_result_sets: int = 20  # named result sets per connection
    max_scan_terms: int = 200

    def scopes(self) -> dict[str, Scope]:
        """Database name -> the scope its clients see."""
        return {self.database: self.scope, **self.extra_databases}
