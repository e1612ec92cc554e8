"""Harvest from a real OAI-PMH provider (the ``oaipmh`` package's server) on 127.0.0.1."""

from __future__ import annotations

import sqlite3

from app.harvest_run import harvest_sources
from app.settings import Settings
from search.sqlite_fts import SqliteFtsBackend
from store.runs import list_runs
from tests.oai_provider import Provider, feed_from

from .conftest import DEMO, live_records, register


def test_initial_incremental_and_changes(settings: Settings, conn: sqlite3.Connection,
                                         backend: SqliteFtsBackend) -> None:
    feed = feed_from(DEMO, limit=1000)
    with Provider(feed, batch_size=100) as provider:
        source = register(conn, "VN-DT-010", provider.url)
        first, = harvest_sources(settings, [source], backend)
        assert first.outcome == "ok", first.error
        assert first.figures.added == 1000
        assert set(live_records(conn, source.code)) == set(feed.items)
        assert backend.stats().entries == 1000

        again, = harvest_sources(settings, [source], backend)
        assert (again.outcome, again.figures.added, again.figures.updated,
                again.figures.deleted) == ("ok", 0, 0, 0)

        ids = sorted(feed.items)
        feed.delete(ids[:10])
        feed.change(ids[500:510], "Đã sửa")
        before = live_records(conn, source.code)
        third, = harvest_sources(settings, [source], backend)
        assert (third.figures.added, third.figures.updated, third.figures.deleted) == (0, 10, 10)
        after = live_records(conn, source.code)
        assert set(after) == set(feed.live())
        assert len(after) == 990
        assert {k for k in after if after[k] != before[k]} == set(ids[500:510])
        assert backend.stats().entries == 990
    runs = list_runs(conn, source.code)
    assert [r["outcome"] for r in runs] == ["ok", "ok", "ok"]
    assert runs[0]["list_from"] is not None  # incremental


def test_full_reharvest_deletes_what_is_gone(settings: Settings, conn: sqlite3.Connection,
                                             backend: SqliteFtsBackend,
                                             provider: Provider) -> None:
    source = register(conn, "VN-DT-011", provider.url)
    harvest_sources(settings, [source], backend)
    gone = sorted(provider.feed.items)[:7]
    for ident in gone:  # vanished without a deleted header
        del provider.feed.items[ident]
    provider.feed.add([])  # re-sort
    incremental, = harvest_sources(settings, [source], backend)
    assert incremental.figures.deleted == 0
    full, = harvest_sources(settings, [source], backend, full=True)
    assert full.outcome == "ok"
    assert full.figures.deleted == 7
    assert set(live_records(conn, source.code)) == set(provider.feed.items)


def test_full_reharvest_refuses_empty_feed(settings: Settings, conn: sqlite3.Connection,
                                           backend: SqliteFtsBackend,
                                           provider: Provider) -> None:
    source = register(conn, "VN-DT-012", provider.url)
    harvest_sources(settings, [source], backend)
    count = len(live_records(conn, source.code))
    provider.feed.items.clear()
    provider.feed.add([])
    full, = harvest_sources(settings, [source], backend, full=True)
    assert full.outcome == "refused"
    assert len(live_records(conn, source.code)) == count == 300


def test_oai_dc_goes_through_dublin_core_mapping(settings: Settings, conn: sqlite3.Connection,
                                                 backend: SqliteFtsBackend,
                                                 provider: Provider) -> None:
    source = register(conn, "VN-DT-013", provider.url, prefix="oai_dc")
    result, = harvest_sources(settings, [source], backend)
    assert result.outcome == "ok"
    assert result.figures.added == 300
    title = conn.execute("SELECT json_extract(bib, '$.title') FROM records WHERE local_id=?",
                         ("oai:lc.test:00000002",)).fetchone()[0]
    assert title.startswith("Botanical materia medica")


def test_feed_that_changes_granularity(settings: Settings, conn: sqlite3.Connection,
                                       backend: SqliteFtsBackend, provider: Provider) -> None:
    source = register(conn, "VN-DT-014", provider.url)
    harvest_sources(settings, [source], backend)
    provider.feed.granularity = "YYYY-MM-DD"  # now refuses seconds in 'from'
    provider.feed.change(sorted(provider.feed.items)[:3])
    result, = harvest_sources(settings, [source], backend)
    assert result.outcome == "ok", result.error
    assert result.figures.updated == 3
    assert result.figures.added == 0


def test_many_sources_concurrently(settings: Settings, conn: sqlite3.Connection,
                                   backend: SqliteFtsBackend, provider: Provider) -> None:
    sources = [register(conn, f"VN-DT-02{i}", provider.url) for i in range(4)]
    results = harvest_sources(settings, sources, backend, workers=4)
    assert [r.outcome for r in results] == ["ok"] * 4
    for source in sources:
        assert len(live_records(conn, source.code)) == 300
    assert backend.stats().entries == 1200
