"""Facet counts are entries, not holdings, over the whole result set in scope."""

from __future__ import annotations

from normalizers.text import fold
from search.backend import SearchBackend
from search.document import CatalogDocument, FacetCount, Holding
from search.query import PUBLIC, MatchAll, Query, Scope, SearchRequest

from .catalog import PUBLIC_IDS
from .helpers import STAFF, term


def _facets(backend: SearchBackend, query: Query, *indexes: str,
            scope: Scope = PUBLIC, size: int = 20) -> dict[str, dict[str, int]]:
    request = SearchRequest(query, scope=scope, size=1, facets=indexes,  # type: ignore[arg-type]
                            facet_size=size)
    result = backend.search(request)
    return {name: {f.value: f.count for f in counts} for name, counts in result.facets.items()}


def test_entry_held_by_three_libraries_counts_once_per_format(loaded: SearchBackend) -> None:
    facets = _facets(loaded, term("id", "hcm-toan-tap"), "format", "library", "language")
    assert facets["format"] == {"book": 1}
    assert facets["language"] == {"vie": 1}
    assert facets["library"] == {"VN-DT-001": 1, "VN-DT-002": 1, "VN-DT-U01": 1}


def test_facets_over_whole_result_not_page(loaded: SearchBackend) -> None:
    facets = _facets(loaded, MatchAll(), "format", "language")
    assert facets["format"] == {"book": len(PUBLIC_IDS) - 2, "serial": 1, "map": 1}
    assert facets["language"] == {"vie": len(PUBLIC_IDS) - 2, "eng": 2}


def test_library_facet_counts(loaded: SearchBackend) -> None:
    library = _facets(loaded, MatchAll(), "library")["library"]
    assert library == {"VN-DT-001": 6, "VN-DT-002": 3, "VN-DT-003": 3, "VN-DT-U01": 4,
                       "VN-DT-C01": 1, "VN-DT-S01": 2}


def test_library_type_and_district_count_entries(loaded: SearchBackend) -> None:
    facets = _facets(loaded, MatchAll(), "library_type", "district")
    # hcm-toan-tap is held by a provincial and a university library, both in Cao Lãnh.
    assert facets["district"]["Cao Lãnh"] == 8
    assert facets["library_type"]["district"] == 5
    assert "armed_forces" not in facets["library_type"]
    assert "Tân Hồng" not in facets["district"]


def test_facets_are_sorted_by_count_and_cut(loaded: SearchBackend) -> None:
    result = loaded.search(SearchRequest(MatchAll(), facets=("library",), facet_size=2))
    assert result.facets["library"] == [FacetCount("VN-DT-001", 6), FacetCount("VN-DT-U01", 4)]


def test_year_and_subject_facets(loaded: SearchBackend) -> None:
    facets = _facets(loaded, MatchAll(), "year", "subject")
    assert facets["year"]["2013"] == 2
    assert "None" not in facets["year"] and "" not in facets["year"]
    assert facets["subject"]["Văn học Việt Nam"] == 3
    assert facets["subject"]["Việt Nam -- Lịch sử"] == 3


def test_facets_follow_the_query(loaded: SearchBackend) -> None:
    facets = _facets(loaded, term("language", "eng"), "library", "year")
    assert facets["library"] == {"VN-DT-U01": 2, "VN-DT-C01": 1}
    assert facets["year"] == {"2013": 2}


def test_restricted_holdings_never_in_public_facets(loaded: SearchBackend) -> None:
    facets = _facets(loaded, term("subject", "quân sự"), "library", "subject", "year")
    assert facets["library"] == {"VN-DT-001": 1}
    assert facets["subject"]["Quân sự -- Việt Nam"] == 1
    assert "2001" not in facets["year"]


def test_staff_facets_see_restricted(loaded: SearchBackend) -> None:
    facets = _facets(loaded, term("subject", "quân sự"), "library", scope=STAFF)
    assert facets["library"] == {"VN-DT-QS1": 2, "VN-DT-001": 1}


def test_library_scope_facets(loaded: SearchBackend) -> None:
    scope = Scope(libraries=frozenset({"VN-DT-002"}))
    facets = _facets(loaded, MatchAll(), "library", "format", scope=scope)
    assert facets["library"] == {"VN-DT-002": 3}
    assert facets["format"] == {"book": 3}


def test_a_value_split_over_display_variants_is_counted_whole(backend: SearchBackend) -> None:
    """Thirteen entries give one subject key thirteen display forms; twelve other subjects
    have two entries each. The subject facet is the key's 13, shown in one of its forms
    (an engine that counted display forms would rank the variants last and drop them)."""
    variants = [f"{w}{a}r" for w in "Ww" for a in "aàáâãäåāă"][:13]
    held = (Holding("VN-DT-001"),)
    docs = [CatalogDocument(id=f"v{i}", title=f"Variant {i}", subjects=(v,), holdings=held)
            for i, v in enumerate(variants)]
    docs += [CatalogDocument(id=f"o{i}-{j}", title=f"Other {i}", subjects=(f"Topic {i}",),
                             holdings=held) for i in range(12) for j in range(2)]
    backend.upsert(docs)
    top = _facets(backend, MatchAll(), "subject", size=1)["subject"]
    assert list(top.values()) == [13]
    assert fold(next(iter(top))) == "war"
    two = _facets(backend, MatchAll(), "subject", size=3)["subject"]
    assert list(two.values()) == [13, 2, 2]
    assert list(two)[1:] == ["Topic 0", "Topic 1"]
