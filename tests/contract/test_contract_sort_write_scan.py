"""Sorting and paging, writes (idempotent upsert, delete), scan."""

from __future__ import annotations

from dataclasses import replace

from search.backend import SearchBackend
from search.query import MatchAll, ScanRequest, Scope, SearchRequest, SortKey

from .catalog import CATALOG, KIEU, PUBLIC_IDS, TAYLOR
from .helpers import ids, term


def _sorted_ids(backend: SearchBackend, *keys: SortKey, start: int = 0, size: int = 100) -> (
        list[str]):
    result = backend.search(SearchRequest(MatchAll(), start=start, size=size, sort=keys))
    return [d.id for d in result.hits]


def test_sort_by_year_ascending_and_descending(loaded: SearchBackend) -> None:
    by_year = {d.id: d.year for d in CATALOG if d.id in PUBLIC_IDS}
    asc = _sorted_ids(loaded, SortKey("year"))
    years = [y for y in (by_year[i] for i in asc) if y is not None]
    assert years == sorted(years) and asc[0] == "dat-rung"
    desc = _sorted_ids(loaded, SortKey("year", descending=True))
    assert [y for y in (by_year[i] for i in desc) if y is not None] == sorted(years,
                                                                               reverse=True)
    assert desc[-1] == "ca-dao"  # no year: last either way
    assert asc[-1] == "ca-dao"


def test_sort_by_title_is_folded(loaded: SearchBackend) -> None:
    found = _sorted_ids(loaded, SortKey("title"))
    assert found[:4] == ["history-vietnam", "ban-do", "ca-dao", "chien-tranh"]
    assert found.index("dat-rung") < found.index("hcm-toan-tap")  # Đ sorts as D


def test_sort_by_creator_and_added(loaded: SearchBackend) -> None:
    assert _sorted_ids(loaded, SortKey("added", descending=True))[:2] == ["ca-dao", "ban-do"]
    by_creator = _sorted_ids(loaded, SortKey("creator"))
    assert by_creator.index("dat-rung") < by_creator.index("truyen-kieu")  # Đoàn < Nguyễn


def test_secondary_sort_key(loaded: SearchBackend) -> None:
    found = _sorted_ids(loaded, SortKey("year", descending=True), SortKey("title"))
    assert found[:3] == ["truyen-kieu", "history-vietnam", "python"]


def test_paging_is_a_window_of_the_full_order(loaded: SearchBackend) -> None:
    full = _sorted_ids(loaded, SortKey("title"))
    pages = [_sorted_ids(loaded, SortKey("title"), start=s, size=4) for s in (0, 4, 8)]
    assert [i for p in pages for i in p] == full
    result = loaded.search(SearchRequest(MatchAll(), start=8, size=4))
    assert result.total == len(PUBLIC_IDS) and len(result.hits) == len(PUBLIC_IDS) - 8


def test_page_beyond_the_end(loaded: SearchBackend) -> None:
    result = loaded.search(SearchRequest(MatchAll(), start=500, size=10))
    assert result.total == len(PUBLIC_IDS) and result.hits == []


def test_size_zero_gives_total_only(loaded: SearchBackend) -> None:
    result = loaded.search(SearchRequest(term("language", "eng"), size=0, facets=("year",)))
    assert result.total == 2 and result.hits == []
    assert result.facets["year"][0].count == 2


def test_hits_are_complete_documents(loaded: SearchBackend) -> None:
    (hit,) = loaded.search(SearchRequest(term("id", "history-vietnam"))).hits
    assert hit == TAYLOR


def test_upsert_is_idempotent(loaded: SearchBackend) -> None:
    loaded.upsert(CATALOG)
    loaded.upsert(CATALOG[:3])
    assert loaded.search(SearchRequest(MatchAll())).total == len(PUBLIC_IDS)
    assert loaded.stats().entries == len(CATALOG)
    assert ids(loaded, term("title", "truyện kiều")) == ["truyen-kieu"]
    facets = loaded.search(SearchRequest(MatchAll(), facets=("library",))).facets
    assert {f.value: f.count for f in facets["library"]}["VN-DT-001"] == 6


def test_upsert_replaces_by_id(loaded: SearchBackend) -> None:
    loaded.upsert([replace(KIEU, title="Kim Vân Kiều truyện", year=1925)])
    assert ids(loaded, term("title", "kim van")) == ["truyen-kieu"]
    assert ids(loaded, term("title", "truyện kiều", "adj")) == []
    assert ids(loaded, term("year", "1925")) == ["truyen-kieu"]
    assert ids(loaded, term("year", "2015")) == []
    (doc,) = loaded.get(["truyen-kieu"], Scope())
    assert doc.title == "Kim Vân Kiều truyện"


def test_same_id_twice_in_one_batch_keeps_the_last(backend: SearchBackend) -> None:
    backend.upsert([KIEU, replace(KIEU, title="Truyện Kiều (bản mới)")])
    assert backend.stats().entries == 1
    assert backend.get(["truyen-kieu"], Scope())[0].title == "Truyện Kiều (bản mới)"


def test_upsert_can_make_entry_restricted(loaded: SearchBackend) -> None:
    (army,) = [h for d in CATALOG for h in d.holdings if h.restricted][:1]
    loaded.upsert([replace(KIEU, holdings=(army,))])
    assert ids(loaded, term("title", "truyện kiều")) == []
    assert loaded.get(["truyen-kieu"], Scope()) == []


def test_delete(loaded: SearchBackend) -> None:
    loaded.delete(["python", "unknown-id"])
    assert ids(loaded, term("title", "python")) == []
    assert ids(loaded, term("isbn", "1449355730")) == []
    assert loaded.get(["python"], Scope()) == []
    assert loaded.search(SearchRequest(MatchAll())).total == len(PUBLIC_IDS) - 1
    facets = loaded.search(SearchRequest(MatchAll(), facets=("library",))).facets
    assert "VN-DT-C01" not in {f.value for f in facets["library"]}
    scanned = [e.term for e in loaded.scan(ScanRequest("title", "l", count=1))]
    assert scanned != ["Learning Python"]
    loaded.delete([])


def test_scan_titles_in_folded_order_with_position(loaded: SearchBackend) -> None:
    entries = loaded.scan(ScanRequest("title", "d", count=3))
    assert [e.term for e in entries] == ["Đất rừng phương Nam", "Hồ Chí Minh toàn tập. Tập 1",
                                         "Learning Python"]
    assert [e.count for e in entries] == [1, 1, 1]
    around = loaded.scan(ScanRequest("title", "d", count=4, position=3))
    assert [e.term for e in around] == ["Ca dao tục ngữ Việt Nam",
                                        "Chiến tranh nhân dân Việt Nam",
                                        "Đất rừng phương Nam", "Hồ Chí Minh toàn tập. Tập 1"]


def test_scan_counts_entries_per_subject(loaded: SearchBackend) -> None:
    entries = loaded.scan(ScanRequest("subject", "Văn học", count=4))
    assert [(e.term, e.count) for e in entries] == [
        ("Văn học dân gian", 1), ("Văn học thiếu nhi", 1), ("Văn học Việt Nam", 3),
        ("Việt Nam -- Lịch sử", 3)]


def test_scan_keyword_index(loaded: SearchBackend) -> None:
    entries = loaded.scan(ScanRequest("library", "VN-DT-002", count=2))
    assert [(e.term, e.count) for e in entries] == [("VN-DT-002", 3), ("VN-DT-003", 3)]
    years = loaded.scan(ScanRequest("year", "2010", count=3))
    assert [(e.term, e.count) for e in years] == [("2010", 1), ("2011", 1), ("2013", 2)]


def test_scan_creator_unaccented_start(loaded: SearchBackend) -> None:
    (entry,) = loaded.scan(ScanRequest("creator", "nguyen", count=1))
    assert entry.term == "Nguyễn Du" and entry.count == 1


def test_scan_past_the_end_is_empty(loaded: SearchBackend) -> None:
    assert loaded.scan(ScanRequest("title", "zzz", count=5)) == []


def test_stats_and_health(loaded: SearchBackend) -> None:
    assert loaded.stats().entries == len(CATALOG)
    assert loaded.health().ok


def test_whole_catalog_totals_and_facets_follow_writes(loaded: SearchBackend) -> None:
    request = SearchRequest(MatchAll(), facets=("format", "library"))
    before = loaded.search(request)
    assert {f.value: f.count for f in before.facets["format"]}["map"] == 1
    loaded.upsert([replace(KIEU, id="kieu-map", format="map")])
    after = loaded.search(request)
    assert after.total == before.total + 1
    assert {f.value: f.count for f in after.facets["format"]}["map"] == 2
    assert {f.value: f.count for f in after.facets["library"]}["VN-DT-001"] == 7
    loaded.delete(["kieu-map", "ban-do"])
    assert "map" not in {f.value for f in loaded.search(request).facets["format"]}


def test_relevance_pages_are_windows_of_the_full_order(loaded: SearchBackend) -> None:
    query = term("any", "viet")
    full = ids(loaded, query)
    assert len(full) >= 6
    pages = [loaded.search(SearchRequest(query, start=s, size=2)) for s in (0, 2, 4, 6)]
    assert [d.id for p in pages for d in p.hits] == full
    assert {p.total for p in pages} == {len(full)}


def test_a_later_page_sees_writes_made_after_the_first(loaded: SearchBackend) -> None:
    query = term("any", "viet")
    first = loaded.search(SearchRequest(query, start=0, size=2))
    gone = ids(loaded, query)[2]
    loaded.delete([gone])
    later = loaded.search(SearchRequest(query, start=2, size=10))
    assert later.total == first.total - 1
    assert gone not in [d.id for d in later.hits]


def test_the_same_search_again_sees_every_write_in_between(loaded: SearchBackend) -> None:
    query = term("any", "viet")
    before = loaded.search(SearchRequest(query, size=3))
    assert loaded.search(SearchRequest(query, size=3)) == before  # again: same answer
    top = before.hits[0]
    loaded.delete([top.id])
    after = loaded.search(SearchRequest(query, size=3))
    assert after.total == before.total - 1 and top.id not in [d.id for d in after.hits]
    loaded.upsert([top])
    assert loaded.search(SearchRequest(query, size=3)) == before
