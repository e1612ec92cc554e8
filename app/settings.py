"""One settings object, from unioncat.toml and UNIONCAT_* environment variables.

Nothing here runs at import: ``load_settings()`` is called by the CLI or a test.
Precedence: defaults < unioncat.toml < environment < explicit overrides.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    z3950_port: int = 2100
    z3950_database: str = "union"
    search_backend: str = "sqlite-fts"
    opensearch_url: str = "http://127.0.0.1:9200"
    opensearch_index: str = "unioncat"
    opensearch_user: str = ""
    opensearch_password: str = ""
    opensearch_ca_certs: str = ""
    sru_max_records: int = 100
    sru_default_records: int = 10
    catalog_title: str = "Mục lục liên hợp thư viện tỉnh"
    admin_token: str = ""
    staff_token: str = ""
    dedup: bool = True
    http_workers: int = 1  # serving processes (HTTP and Z39.50); set to the core count
    scheduled_harvests: bool = True  # `unioncat serve` harvests sources by their interval
    ingest_workers: int = -1  # parsing processes beside the writer; -1: one per spare core
    sources: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        """For handing the exact settings to worker processes."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["data_dir"] = str(self.data_dir)
        data["sources"] = list(self.sources)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        data["sources"] = tuple(data.get("sources", ()))
        return _coerce(data)

    @property
    def parse_workers(self) -> int:
        if self.ingest_workers >= 0:
            return self.ingest_workers
        return min(max((os.cpu_count() or 1) - 1, 0), 4)

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.sqlite"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "index.sqlite"


def load_settings(config: Path | None = None, env: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    env = os.environ if env is None else env
    path = config or Path(env.get("UNIONCAT_CONFIG", "unioncat.toml"))
    values: dict[str, Any] = _from_toml(path) if path.exists() else {}
    values.update(_from_env(env))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _coerce(values)


def _from_toml(path: Path) -> dict[str, Any]:
    data = tomllib.loads(path.read_text("utf-8"))
    flat: dict[str, Any] = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    for section, table in data.items():
        if isinstance(table, dict):
            flat.update({f"{section}_{k}": v for k, v in table.items()})
    if "search_backend" not in flat and isinstance(data.get("search"), dict):
        flat["search_backend"] = data["search"].get("backend")
    flat["sources"] = tuple(data.get("sources", ()))
    return flat


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    names = {f.name for f in fields(Settings)} - {"sources"}
    return {name: env[f"UNIONCAT_{name.upper()}"] for name in names
            if f"UNIONCAT_{name.upper()}" in env}


def _coerce(values: dict[str, Any]) -> Settings:
    kinds = {f.name: f.type for f in fields(Settings)}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in kinds:
            continue
        kind = kinds[name]
        if kind == "Path":
            clean[name] = Path(value)
        elif kind == "int":
            clean[name] = _int(name, value)
        elif kind == "bool":
            clean[name] = value if isinstance(value, bool) else str(value).lower() in (
                "1", "true", "yes", "on")
        else:
            clean[name] = value
    return replace(Settings(), **clean)


def _int(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a whole number, got {value!r}") from None
