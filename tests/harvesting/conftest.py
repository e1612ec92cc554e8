"""Fixtures: a real OAI-PMH provider on 127.0.0.1, a store and index on tmp files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from search.sqlite_fts import SqliteFtsBackend
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.oai_provider import Feed, Provider, feed_from

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO = Path(__file__).resolve().parents[2] / "demo" / "lc-demo.mrc.gz"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", dedup=False)


@pytest.fixture
def conn(settings: Settings) -> Iterator[sqlite3.Connection]:
    connection = open_store(settings.store_path)
    yield connection
    connection.close()


@pytest.fixture
def backend(settings: Settings) -> Iterator[SqliteFtsBackend]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = SqliteFtsBackend(settings.index_path)
    yield engine
    engine.close()


@pytest.fixture
def sample_feed() -> Feed:
    """300 real LC records."""
    return feed_from(FIXTURES / "lc-sample.mrc")


@pytest.fixture
def provider(sample_feed: Feed) -> Iterator[Provider]:
    with Provider(sample_feed, batch_size=50) as running:
        yield running


def register(conn: sqlite3.Connection, code: str, url: str, prefix: str = "marc21") -> Source:
    source = Source(code, f"Thư viện {code}", "district", protocol="oai", endpoint=url,
                    metadata_prefix=prefix)
    with transaction(conn):
        save_source(conn, source)
    return source


def live_records(conn: sqlite3.Connection, code: str) -> dict[str, str]:
    rows = conn.execute("SELECT local_id, raw_hash FROM records WHERE source=? AND deleted=0",
                        (code,))
    return {r[0]: r[1] for r in rows}
