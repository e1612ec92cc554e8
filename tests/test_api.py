"""JSON API over a real store and index, through FastAPI's TestClient."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pymarc
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import FIXTURES, Catalog


@pytest.fixture
def client(catalog: Catalog, settings: Settings) -> Iterator[TestClient]:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-001")
    catalog.ingest(FIXTURES / "lc-vietnamese.mrc", "VN-DT-010", library_type="district")
    catalog.ingest(FIXTURES / "marc8.dat", "VN-DT-090", library_type="armed-forces",
                   restricted=True)
    app = create_app(settings, backend=catalog.backend)
    with TestClient(app) as test_client:
        yield test_client


def test_search_answers_total_hits_facets(client: TestClient) -> None:
    body = client.get("/api/search", params={"page_size": 5}).json()
    assert body["total"] == 420  # the restricted library's record is not public
    assert len(body["hits"]) == 5
    assert set(body["facets"]) == {"library", "format", "language", "year"}
    libraries = {f["value"]: f["count"] for f in body["facets"]["library"]}
    assert libraries == {"VN-DT-001": 300, "VN-DT-010": 120}
    hit = body["hits"][0]
    assert {"id", "title", "creators", "holdings", "links"} <= set(hit)
    assert "marc" not in hit


def test_vietnamese_without_diacritics_finds_vietnamese(client: TestClient) -> None:
    folded = client.get("/api/search", params={"q": "viet nam"}).json()
    exact = client.get("/api/search", params={"q": "Việt Nam"}).json()
    assert folded["total"] == exact["total"] > 0
    top = exact["hits"][0]
    text = " ".join([top["title"], *top["subjects"], *top["creators"], top["publisher"]])
    assert "Việt" in text


def test_field_search_year_range_and_sort(client: TestClient) -> None:
    body = client.get("/api/search", params={"year_from": 1990, "year_to": 1999,
                                             "sort": "-year", "page_size": 50}).json()
    years = [h["year"] for h in body["hits"]]
    assert years and all(1990 <= y <= 1999 for y in years)
    assert years == sorted(years, reverse=True)


def test_record_json_marcxml_and_iso2709(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "vietnamese war"}).json()["hits"][0]
    entry = client.get(f"/api/records/{hit['id']}").json()
    assert entry["title"] == hit["title"]
    xml = client.get(f"/api/records/{hit['id']}.xml")
    assert xml.headers["content-type"].startswith("application/marcxml+xml")
    parsed_xml = pymarc.parse_xml_to_array(io.BytesIO(xml.content))[0]
    assert parsed_xml["852"]["a"] == entry["holdings"][0]["library"]
    mrc = client.get(f"/api/records/{hit['id']}.mrc")
    parsed = next(iter(pymarc.MARCReader(mrc.content, to_unicode=True)))
    assert parsed is not None
    assert parsed["245"]["a"].startswith("The Vietnamese war")
    assert parsed["852"]["a"] == "VN-DT-010"


def test_restricted_holdings_never_reach_the_public(client: TestClient,
                                                    settings: Settings) -> None:
    body = client.get("/api/search", params={"q": "Tournier"}).json()
    assert body["total"] == 0
    facets = client.get("/api/search", params={"facets": "library"}).json()["facets"]
    assert "VN-DT-090" not in {f["value"] for f in facets["library"]}


def test_one_error_shape(client: TestClient) -> None:
    missing = client.get("/api/records/uc999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    invalid = client.get("/api/search", params={"page": 0})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_request"
    bad_sort = client.get("/api/search", params={"sort": "colour"})
    assert bad_sort.status_code == 400 and "sort must be" in bad_sort.json()["error"]["message"]
    bad_facet = client.get("/api/search", params={"facets": "colour"})
    assert bad_facet.json()["error"]["code"] == "invalid_facet"


def test_healthz_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/search" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_title_search_finds_varying_and_uniform_titles(client: TestClient) -> None:
    """246/240 titles are searchable as titles (as on library Z39.50 targets)."""
    varying = client.get("/api/search", params={"title": "mulhall harper"}).json()
    assert varying["total"] == 1
    assert varying["hits"][0]["other_titles"] == ["Mulhall-Harper comparative statistical tables"]
    uniform = client.get("/api/search", params={"title": "rime of the ancient mariner"}).json()
    assert uniform["total"] >= 1
    assert uniform["hits"][0]["title"].startswith("So this then is ye Rime")


def test_sru_fast_path_answers_like_the_documented_route(client: TestClient) -> None:
    from app.main import UnioncatApp

    app = client.app
    assert isinstance(app, UnioncatApp) and app.sru_fast_path
    assert "/sru" in client.get("/openapi.json").json()["paths"]
    params = {"version": "1.2", "operation": "searchRetrieve", "query": "dc.title=viet",
              "maximumRecords": "3"}
    token = {"Authorization": "Bearer wrong"}
    fast = [client.get("/sru", params=params), client.post("/sru", data=params),
            client.get("/sru", params=params, headers=token), client.get("/sru")]
    app.sru_fast_path = False
    try:
        routed = [client.get("/sru", params=params), client.post("/sru", data=params),
                  client.get("/sru", params=params, headers=token), client.get("/sru")]
    finally:
        app.sru_fast_path = True
    assert b"<zs:numberOfRecords>" in fast[0].content
    assert b"<zr:explain" in fast[3].content or b"explain" in fast[3].content
    for quick, slow in zip(fast, routed, strict=True):
        assert quick.status_code == slow.status_code == 200
        assert quick.content == slow.content
        assert quick.headers["content-type"] == slow.headers["content-type"]
    assert fast[1].content == fast[0].content


def test_sru_post_body_over_the_limit_is_refused(client: TestClient) -> None:
    from app.api_sru import MAX_BODY

    big = {"version": "1.2", "operation": "searchRetrieve", "query": "a" * (MAX_BODY + 10)}
    answer = client.post("/sru", data=big)
    assert answer.status_code == 413
    assert b"GET" in answer.content
    assert client.get("/sru", params={"query": "dc.title=viet"}).status_code == 200


def test_sru_base_url_is_what_starlette_gives() -> None:
    from starlette.requests import Request

    from app.api_sru import _base_url

    for scheme, host, server, root in [("http", "", ("127.0.0.1", 8000), ""),
                                       ("https", "opac.example.vn", ("10.0.0.1", 443), ""),
                                       ("http", "localhost:8080", None, "/catalog"),
                                       ("http", "[::1]:9000", ("::1", 9000), "/x/")]:
        headers = [(b"host", host.encode())] if host else []
        scope = {"type": "http", "scheme": scheme, "server": server, "path": "/sru",
                 "root_path": root, "query_string": b"q=1", "headers": headers}
        assert _base_url(scheme, host, server, root) == str(Request(scope).base_url)
