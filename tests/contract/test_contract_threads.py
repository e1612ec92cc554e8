"""One writer upserting while several threads read (the FastAPI thread pool case)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from search.backend import SearchBackend
from search.query import MatchAll, SearchRequest

from .catalog import KIEU, PUBLIC_IDS
from .helpers import term


def test_reads_during_writes_see_whole_batches(loaded: SearchBackend) -> None:
    copies = [replace(KIEU, id=f"kieu-{i}") for i in range(200)]

    def write() -> None:
        for start in range(0, len(copies), 20):
            loaded.upsert(copies[start:start + 20])

    def read(_: int) -> list[int]:
        totals = []
        for _ in range(15):
            result = loaded.search(SearchRequest(term("title", "truyện kiều"), size=0))
            totals.append(result.total)
        return totals

    with ThreadPoolExecutor(max_workers=4) as pool:
        writer = pool.submit(write)
        readers = list(pool.map(read, range(3)))
        writer.result()
    assert all((total - 1) % 20 == 0 for totals in readers for total in totals)
    assert loaded.search(SearchRequest(MatchAll(), size=0)).total == len(PUBLIC_IDS) + 200
