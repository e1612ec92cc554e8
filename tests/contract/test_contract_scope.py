"""Scope: library views and restricted holdings, through every door."""

from __future__ import annotations

from search.backend import SearchBackend
from search.query import MatchAll, ScanRequest, Scope, SearchRequest

from .catalog import PUBLIC_IDS
from .helpers import STAFF, id_set, term

SA_DEC_VIEW = Scope(libraries=frozenset({"VN-DT-002"}))
ARMY_VIEW = Scope(libraries=frozenset({"VN-DT-QS1"}))


def test_restricted_only_entry_invisible_to_public_search(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "nghệ thuật quân sự")) == set()
    assert id_set(loaded, term("isbn", "9786045151231")) == set()
    assert "quan-su" not in id_set(loaded, MatchAll())


def test_restricted_entry_visible_to_staff(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "nghệ thuật quân sự"), STAFF) == {"quan-su"}
    assert loaded.search(SearchRequest(MatchAll(), scope=STAFF)).total == len(PUBLIC_IDS) + 1
    assert loaded.search(SearchRequest(MatchAll(), scope=Scope(visibility="admin"))).total == (
        len(PUBLIC_IDS) + 1)


def test_public_totals_exclude_restricted(loaded: SearchBackend) -> None:
    assert loaded.search(SearchRequest(term("subject", "quân sự"))).total == 1
    assert loaded.search(SearchRequest(term("subject", "quân sự"), scope=STAFF)).total == 2


def test_restricted_library_cannot_be_probed(loaded: SearchBackend) -> None:
    # chien-tranh is public through the provincial library, but its army holding is not.
    assert id_set(loaded, term("library", "VN-DT-QS1")) == set()
    assert id_set(loaded, term("library_type", "armed_forces")) == set()
    assert id_set(loaded, term("district", "Tân Hồng")) == set()
    assert id_set(loaded, term("library", "VN-DT-QS1"), STAFF) == {"quan-su", "chien-tranh"}


def test_get_hides_restricted_entry_and_strips_restricted_holdings(
        loaded: SearchBackend) -> None:
    assert loaded.get(["quan-su"], Scope()) == []
    (doc,) = loaded.get(["chien-tranh"], Scope())
    assert [h.library for h in doc.holdings] == ["VN-DT-001"]
    (staff_doc,) = loaded.get(["chien-tranh"], STAFF)
    assert {h.library for h in staff_doc.holdings} == {"VN-DT-QS1", "VN-DT-001"}


def test_search_hits_strip_restricted_holdings(loaded: SearchBackend) -> None:
    result = loaded.search(SearchRequest(term("id", "chien-tranh")))
    assert [h.library for h in result.hits[0].holdings] == ["VN-DT-001"]
    assert not any(h.restricted for d in loaded.search(
        SearchRequest(MatchAll(), size=100)).hits for h in d.holdings)


def test_get_keeps_order_and_skips_missing(loaded: SearchBackend) -> None:
    docs = loaded.get(["python", "nope", "quan-su", "truyen-kieu"], Scope())
    assert [d.id for d in docs] == ["python", "truyen-kieu"]


def test_library_view_filters_entries_and_holdings(loaded: SearchBackend) -> None:
    assert id_set(loaded, MatchAll(), SA_DEC_VIEW) == {"hcm-toan-tap", "truyen-kieu", "dat-rung"}
    (doc,) = loaded.get(["hcm-toan-tap"], SA_DEC_VIEW)
    assert [h.library for h in doc.holdings] == ["VN-DT-002"]
    assert loaded.get(["python"], SA_DEC_VIEW) == []
    assert id_set(loaded, term("library", "VN-DT-001"), SA_DEC_VIEW) == set()


def test_restricted_library_view_still_needs_visibility(loaded: SearchBackend) -> None:
    assert id_set(loaded, MatchAll(), ARMY_VIEW) == set()
    staff_army = Scope(libraries=ARMY_VIEW.libraries, visibility="staff")
    assert id_set(loaded, MatchAll(), staff_army) == {"quan-su", "chien-tranh"}


def test_empty_library_view_sees_nothing(loaded: SearchBackend) -> None:
    assert loaded.search(SearchRequest(MatchAll(), scope=Scope(libraries=frozenset()))).total == 0


def test_scan_hides_restricted_terms(loaded: SearchBackend) -> None:
    titles = [e.term for e in loaded.scan(ScanRequest("title", "a", count=50))]
    assert "Nghệ thuật quân sự Việt Nam" not in titles
    assert "Chiến tranh nhân dân Việt Nam" in titles
    libraries = [e.term for e in loaded.scan(ScanRequest("library", "", count=50))]
    assert "VN-DT-QS1" not in libraries
    subjects = {e.term: e.count for e in loaded.scan(ScanRequest("subject", "quan", count=1))}
    assert subjects == {"Quân sự -- Việt Nam": 1}


def test_scan_counts_follow_library_view(loaded: SearchBackend) -> None:
    subjects = {e.term: e.count for e in loaded.scan(
        ScanRequest("subject", "van hoc viet", count=1, scope=SA_DEC_VIEW))}
    assert subjects == {"Văn học Việt Nam": 2}


def test_entry_without_holdings_is_public_only_without_library_view(
        backend: SearchBackend) -> None:
    from search.document import CatalogDocument

    backend.upsert([CatalogDocument(id="orphan", title="Mồ côi")])
    assert id_set(backend, term("title", "mo coi")) == {"orphan"}
    assert id_set(backend, term("title", "mo coi"), SA_DEC_VIEW) == set()


def test_entry_leaving_public_view_leaves_public_search(backend: SearchBackend) -> None:
    """A catalog with no restricted-only entry searched first, then one arrives (or its
    last public holding goes): public searches stop finding it at once."""
    from dataclasses import replace

    from .catalog import CATALOG, QUAN_SU

    public = [d for d in CATALOG if d.id != "quan-su"]
    backend.upsert(public)
    assert id_set(backend, term("subject", "quân sự")) == {"chien-tranh"}
    backend.upsert([QUAN_SU])
    assert id_set(backend, term("subject", "quân sự")) == {"chien-tranh"}
    assert backend.search(SearchRequest(term("subject", "quân sự"))).total == 1
    assert id_set(backend, term("subject", "quân sự"), STAFF) == {"chien-tranh", "quan-su"}
    army_only = next(d for d in CATALOG if d.id == "chien-tranh")
    backend.upsert([replace(army_only, holdings=QUAN_SU.holdings)])
    assert id_set(backend, term("subject", "quân sự")) == set()
    assert backend.search(SearchRequest(term("subject", "quân sự"))).total == 0
