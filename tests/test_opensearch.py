"""OpenSearch-specific behaviour on a real node (the shared behaviour is in tests/contract).

Runs when ``UNIONCAT_TEST_OPENSEARCH_URL`` names a node (``make test`` starts one with
deploy/opensearch-dev/start.sh); each test gets its own uniquely named alias and indices.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from search.document import CatalogDocument, Holding
from search.opensearch import BulkError, OpenSearchBackend, ReindexError
from search.query import MatchAll, ScanRequest, Scope, SearchRequest, SortKey, Term

URL = os.environ.get("UNIONCAT_TEST_OPENSEARCH_URL", "")
pytestmark = [pytest.mark.opensearch,
              pytest.mark.skipif(not URL, reason="UNIONCAT_TEST_OPENSEARCH_URL not set")]


def _make(max_result_window: int = 10_000) -> OpenSearchBackend:
    return OpenSearchBackend(URL, f"unioncat-t-{uuid.uuid4().hex[:10]}", replicas=0,
                             max_result_window=max_result_window)


@pytest.fixture
def backend() -> Iterator[OpenSearchBackend]:
    engine = _make()
    yield engine
    engine.drop()
    engine.close()


def _docs(n: int, prefix: str = "d", title: str = "Sách") -> list[CatalogDocument]:
    return [CatalogDocument(
        id=f"{prefix}{i:05d}", title=f"{title} {i}", creators=(f"Tác giả {i % 7}",),
        subjects=("Lịch sử Việt Nam",), year=1950 + i % 70,
        holdings=(Holding(f"VN-L{i % 5}", library_type="public"),))
        for i in range(n)]


def _tokens(backend: OpenSearchBackend, analyzer: str, text: str) -> list[str]:
    response = backend.client.indices.analyze(index=backend.alias, body={
        "analyzer": analyzer, "text": text})
    return [t["token"] for t in response["tokens"]]


def test_analysis_chain_folds_vietnamese(backend: OpenSearchBackend) -> None:
    backend.ensure_index()
    assert _tokens(backend, "vn_folded", "Đà Nẵng") == ["da", "nang"]
    assert _tokens(backend, "vn_folded", "NGUYỄN Văn Đức") == ["nguyen", "van", "duc"]
    assert _tokens(backend, "vn_exact", "Đà Nẵng") == ["đà", "nẵng"]


def test_icu_is_detected_not_assumed(backend: OpenSearchBackend) -> None:
    backend.ensure_index()
    settings = backend.client.indices.get_settings(index=backend.alias)
    (index_settings,) = settings.values()
    folded = index_settings["settings"]["index"]["analysis"]["analyzer"]["vn_folded"]
    expected = "icu_folding" if backend.has_icu() else "asciifolding"
    assert expected in folded["filter"]


def test_exact_diacritics_rank_first(backend: OpenSearchBackend) -> None:
    backend.upsert([
        CatalogDocument(id="viet", title="Tiếng Việt"),
        CatalogDocument(id="viet2", title="viết văn viết báo viết truyện"),
        CatalogDocument(id="viet3", title="Viet"),
    ])
    hits = backend.search(SearchRequest(Term("title", "=", "Việt"))).hits
    assert hits[0].id == "viet"
    assert {d.id for d in hits} == {"viet", "viet2", "viet3"}
    hits = backend.search(SearchRequest(Term("title", "=", "viết"))).hits
    assert hits[0].id == "viet2"


def test_bulk_indexes_thousands_and_reports_rate(backend: OpenSearchBackend) -> None:
    docs = _docs(3000)
    backend.upsert(docs)
    assert backend.stats().entries == 3000
    assert backend.last_bulk is not None and backend.last_bulk.ok == 3000
    print(f"\nbulk: {backend.last_bulk.ok} docs in {backend.last_bulk.seconds:.2f}s "
          f"= {backend.last_bulk.per_second:.0f} docs/s")
    result = backend.search(SearchRequest(Term("creator", "=", "tac gia 3"),
                                          facets=("library",)))
    assert result.total == len([d for d in docs if d.creators == ("Tác giả 3",)])
    assert sum(f.count for f in result.facets["library"]) == result.total


def test_bulk_item_errors_are_raised(backend: OpenSearchBackend) -> None:
    backend.ensure_index()
    bad = {"_op_type": "index", "_index": backend.alias, "_id": "x",
           "_source": {"not_in_mapping": 1}}  # the mapping is strict
    with pytest.raises(BulkError) as caught:
        backend._bulk([bad])
    assert caught.value.errors


def test_delete_ignores_unknown_ids(backend: OpenSearchBackend) -> None:
    backend.upsert(_docs(3))
    backend.delete(["d00001", "nope"])
    assert backend.stats().entries == 2


def test_paging_past_the_result_window_uses_search_after() -> None:
    engine = _make(max_result_window=20)
    try:
        engine.upsert(_docs(75))
        by_id = [SortKey("title")]
        full = [d.id for d in engine.search(SearchRequest(MatchAll(), size=20,
                                                          sort=tuple(by_id))).hits]
        expected = sorted((d for d in _docs(75)), key=lambda d: (d.title.lower(), d.id))
        assert full == [d.id for d in expected[:20]]
        page = engine.search(SearchRequest(MatchAll(), start=47, size=15, sort=tuple(by_id),
                                           facets=("library",)))
        assert page.total == 75
        assert [d.id for d in page.hits] == [d.id for d in expected[47:62]]
        assert sum(f.count for f in page.facets["library"]) == 75
        tail = engine.search(SearchRequest(MatchAll(), start=70, size=30, sort=tuple(by_id)))
        assert [d.id for d in tail.hits] == [d.id for d in expected[70:]]
        # relevance order is stable across the window boundary too
        query = Term("subject", "=", "lich su")
        ranked = [d.id for d in engine.search(SearchRequest(query, size=20)).hits]
        deep = [d.id for d in engine.search(SearchRequest(query, start=10, size=30)).hits]
        assert deep[:10] == ranked[10:20]
        assert len(deep) == 30
    finally:
        engine.drop()
        engine.close()


def test_reindex_switches_alias_without_downtime(backend: OpenSearchBackend) -> None:
    backend.upsert(_docs(10, prefix="old"))
    first = backend.client.indices.get_alias(name=backend.alias)
    seen_during: list[int] = []

    def stream() -> Iterator[CatalogDocument]:
        for i, doc in enumerate(_docs(25, prefix="new")):
            if i == 12:  # mid-build: the live alias still answers from the old index
                seen_during.append(backend.search(SearchRequest(MatchAll())).total)
            yield doc

    report = backend.reindex(stream())
    assert seen_during == [10]
    assert report.documents == 25 and report.previous == tuple(first)
    assert report.index == f"{backend.alias}-v2"
    assert list(backend.client.indices.get_alias(name=backend.alias)) == [report.index]
    assert not backend.client.indices.exists(index=next(iter(first)))
    assert backend.search(SearchRequest(MatchAll())).total == 25
    backend.upsert(_docs(1, prefix="after"))  # writes go to the new index
    assert backend.stats().entries == 26


def test_failed_reindex_leaves_live_index_alone(backend: OpenSearchBackend) -> None:
    backend.upsert(_docs(5))

    def broken() -> Iterator[CatalogDocument]:
        yield from _docs(3, prefix="x")
        raise ReindexError("source went away")

    with pytest.raises(ReindexError):
        backend.reindex(broken())
    assert list(backend.client.indices.get_alias(name=backend.alias)) == [
        f"{backend.alias}-v1"]
    assert not backend.client.indices.exists(index=f"{backend.alias}-v2")
    assert backend.search(SearchRequest(MatchAll())).total == 5


def test_truncated_phrase_with_many_expansions(backend: OpenSearchBackend) -> None:
    backend.upsert([CatalogDocument(id=f"p{i}", title=f"lịch s{i:03d}x") for i in range(300)])
    result = backend.search(SearchRequest(Term("title", "adj", "lich s", "right")))
    assert result.total == 300


def test_restricted_entries_hidden_everywhere(backend: OpenSearchBackend) -> None:
    backend.upsert([
        CatalogDocument(id="secret", title="Tài liệu mật", subjects=("Quốc phòng",),
                        holdings=(Holding("VN-QD", library_type="army", restricted=True),)),
        CatalogDocument(id="open", title="Tài liệu mở",
                        holdings=(Holding("VN-A", library_type="public"),
                                  Holding("VN-QD", library_type="army", restricted=True))),
    ])
    public = backend.search(SearchRequest(Term("any", "=", "tai lieu"),
                                          facets=("library", "library_type", "subject")))
    assert [d.id for d in public.hits] == ["open"]
    assert [h.library for h in public.hits[0].holdings] == ["VN-A"]
    assert [f.value for f in public.facets["library"]] == ["VN-A"]
    assert public.facets["subject"] == []
    assert backend.get(["secret", "open"], Scope())[0].id == "open"
    assert [e.term for e in backend.scan(ScanRequest("library", ""))] == ["VN-A"]
    assert backend.scan(ScanRequest("subject", "")) == []
    staff = Scope(visibility="staff")
    assert backend.search(SearchRequest(Term("library", "=", "VN-QD"), scope=staff)).total == 2
    assert backend.search(SearchRequest(Term("library", "=", "VN-QD"))).total == 0


def test_health_and_stats(backend: OpenSearchBackend) -> None:
    backend.upsert(_docs(4))
    health = backend.health()
    assert health.ok and backend.alias in health.detail
    stats = backend.stats()
    assert stats.entries == 4 and stats.backend == "opensearch"
    assert stats.detail["indices"] == [f"{backend.alias}-v1"]


def test_unreachable_node_is_unhealthy() -> None:
    engine = OpenSearchBackend("http://127.0.0.1:1", "nowhere", timeout=2)
    assert not engine.health().ok
    engine.close()
