"""Backend calls from the event loop (search.inline): inline within the budget, else
abandoned and run again in a worker thread with the same answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from search import inline
from search.query import Scope, SearchRequest, Term
from sru.handler import handle_sru
from sru.settings import SruSettings
from tests.conftest import FIXTURES, Catalog

EVERYTHING = Scope(visibility="staff")
# hundreds of hits: more than 1,000 VM steps the first time (later, ranked ids are cached)
WIDE = SearchRequest(Term("any", "=", "a"), EVERYTHING, 0, 10)


@pytest.fixture
def filled(catalog: Catalog) -> Catalog:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-A")
    return catalog


def test_a_read_past_its_deadline_is_interrupted(filled: Catalog) -> None:
    with pytest.raises(inline.Overran), filled.backend.briefly(0.0):
        filled.backend.search(WIDE)
    # the connection is left as it was: the same search runs to the end outside the block
    assert filled.backend.search(WIDE).total > 100


def test_an_interrupted_read_leaves_its_thread_a_fresh_connection(filled: Catalog) -> None:
    """CPython 3.11 leaves a statement interrupted between rows marked busy in its cache,
    so every later run of that SQL on the connection would be prepared again: the
    backend closes the interrupted connection instead (``SqliteFtsBackend._retire``)."""
    backend = filled.backend
    before = backend._reader()
    with pytest.raises(inline.Overran), backend.briefly(0.0):
        backend.search(WIDE)
    assert backend._reader() is not before
    assert backend.search(WIDE).total > 100


def test_a_prefix_search_never_runs_inline(filled: Catalog) -> None:
    prefix = SearchRequest(Term("title", "=", "hist", truncation="right"), EVERYTHING, 0, 10)
    with pytest.raises(inline.Overran), filled.backend.briefly(60.0):
        filled.backend.search(prefix)


def _threads_used(catalog: Catalog, budget: float, monkeypatch: pytest.MonkeyPatch,
                  func: Callable[[], object]) -> tuple[object, set[str]]:
    """What ``inline.call`` of ``func`` returns, and the threads the backend searched in."""
    monkeypatch.setattr(inline, "BUDGET_S", budget)
    seen: set[str] = set()
    search = catalog.backend.search

    def traced(request: SearchRequest) -> object:
        seen.add(threading.current_thread().name)
        return search(request)
    monkeypatch.setattr(catalog.backend, "search", traced)
    return asyncio.run(inline.call(catalog.backend, func)), seen


def test_a_quick_search_runs_on_the_loop(filled: Catalog, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    result, threads = _threads_used(filled, 60.0, monkeypatch,
                                    lambda: filled.backend.search(WIDE))
    assert threads == {threading.main_thread().name}
    assert result == filled.backend.search(WIDE)


def test_an_overrunning_search_moves_to_a_thread_with_the_same_answer(
        filled: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    result, threads = _threads_used(filled, 0.0, monkeypatch,
                                    lambda: filled.backend.search(WIDE))
    assert len(threads) == 2 and threading.main_thread().name in threads  # tried, then moved
    assert result == filled.backend.search(WIDE)


def test_sru_answers_the_same_after_an_overrun(filled: Catalog, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """Overran is a BaseException: the SRU handler's error handling does not turn it into
    a diagnostic on the way out."""
    params = {"version": "1.2", "operation": "searchRetrieve", "query": "a",
              "maximumRecords": "5"}
    settings = SruSettings()
    answer, threads = _threads_used(filled, 0.0, monkeypatch, lambda: handle_sru(
        filled.backend, params, settings=settings))
    assert len(threads) == 2
    expected = handle_sru(filled.backend, params, settings=settings)
    assert answer == expected
    assert b"numberOfRecords>" in expected.body and b"diagnostic" not in expected.body


def test_many_brief_reads_past_the_deadline_leave_the_connection_usable(filled: Catalog
                                                                         ) -> None:
    """SQLite counts a cached statement's steps across runs, so after a few hundred reads
    even BEGIN or COMMIT would reach a progress check: past the deadline, an interrupted
    COMMIT left the transaction open and every later search failed."""
    cheap = SearchRequest(Term("title", "=", "poems"), EVERYTHING, 0, 3)
    filled.backend.search(cheap)  # its ranked ids are cached: each run is a few statements
    overran = 0
    for _ in range(1500):
        try:
            with filled.backend.briefly(0.0):
                filled.backend.search(cheap)
        except inline.Overran:
            overran += 1
    assert overran > 0
    assert filled.backend.search(WIDE).total > 100


def test_an_interrupted_fill_of_the_hits_table_is_an_overrun(filled: Catalog) -> None:
    """A query that is not one MATCH fills ``temp.hits`` first; SQLite rolls back the whole
    transaction when that INSERT is interrupted, and the read must still end as Overran
    (it used to fail with "cannot commit - no transaction is active")."""
    wide_years = SearchRequest(Term("year", ">", "1000"), EVERYTHING, 0, 10)
    with pytest.raises(inline.Overran), filled.backend.briefly(0.0):
        filled.backend.search(wide_years)
    assert filled.backend.search(wide_years).total > 100
