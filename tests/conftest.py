"""Shared fixtures: real SQLite stores and indexes in tmp directories, real MARC files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.indexer import drain_outbox
from app.ingest import IngestCounts, ingest_records
from app.settings import Settings, load_settings
from harvesters.marcfile import read_marc_path
from normalizers.clustering import SingletonClusterer
from search.sqlite_fts import SqliteFtsBackend
from store.db import open_store, transaction
from store.sources import Source, save_source

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "none.toml", env={}, data_dir=tmp_path / "data")


class Catalog:
    """A store plus its index, filled through the real ingest path."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn = open_store(settings.store_path)
        self.backend = SqliteFtsBackend(settings.index_path)

    def add_source(self, source: Source) -> Source:
        with transaction(self.conn):
            save_source(self.conn, source)
        return source

    def ingest(self, path: Path, source: str, library_type: str = "provincial",
               restricted: bool = False) -> IngestCounts:
        src = self.add_source(Source(source, f"Thư viện {source}", library_type,
                                     restricted=restricted))
        counts = ingest_records(self.conn, src, read_marc_path(path), SingletonClusterer())
        drain_outbox(self.conn, self.backend)
        return counts

    def close(self) -> None:
        self.backend.close()
        self.conn.close()


@pytest.fixture
def catalog(settings: Settings) -> Iterator[Catalog]:
    cat = Catalog(settings)
    yield cat
    cat.close()
