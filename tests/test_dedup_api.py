"""The clustered view through the JSON API: create_app over real SQLite store and index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.indexer import drain_outbox
from app.ingest import ingest_records
from app.main import create_app
from app.settings import Settings
from harvesters.marcfile import read_marc_path
from normalizers.dedup import DedupClusterer
from store.sources import Source
from tests.conftest import FIXTURES, Catalog

LIBS = (("VN-DT-001", "provincial", False), ("VN-DT-010", "district", False),
        ("VN-DT-090", "armed-forces", True))
TOKEN = "admin-secret"


@pytest.fixture
def client(catalog: Catalog, settings: Settings) -> Iterator[TestClient]:
    for code, kind, restricted in LIBS:
        src = catalog.add_source(Source(code, f"Thư viện {code}", kind, restricted=restricted))
        ingest_records(catalog.conn, src, read_marc_path(FIXTURES / "lc-vietnamese.mrc"),
                       DedupClusterer())
    drain_outbox(catalog.conn, catalog.backend)
    from dataclasses import replace

    app = create_app(replace(settings, admin_token=TOKEN), backend=catalog.backend)
    with TestClient(app) as test_client:
        yield test_client


def test_search_and_facets_count_entries_not_records(client: TestClient) -> None:
    body = client.get("/api/search", params={"page_size": 3}).json()
    assert body["total"] == 120  # 3 x 120 records, one entry per manifestation
    libraries = {f["value"]: f["count"] for f in body["facets"]["library"]}
    assert libraries == {"VN-DT-001": 120, "VN-DT-010": 120}  # restricted one hidden
    admin = client.get("/api/search", headers={"authorization": f"Bearer {TOKEN}"}).json()
    assert admin["total"] == 120
    hit = admin["hits"][0]
    assert len(hit["holdings"]) == 3 and len(hit["member_ids"]) == 3


def test_marcxml_has_one_852_per_visible_holding(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "against the flood"}).json()["hits"][0]
    xml = client.get(f"/api/records/{hit['id']}.xml").text
    assert xml.count('tag="852"') == 2  # public view: the armed-forces holding stays out


def test_members_and_their_own_marc(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "spring essence"}).json()["hits"][0]
    members = client.get(f"/api/records/{hit['id']}/members").json()
    assert {m["source"] for m in members} == {"VN-DT-001", "VN-DT-010"}
    assert sum(m["preferred"] for m in members) == 1
    assert all(m["isbns"] == ["9781556591488"] for m in members)
    own = client.get(members[0]["links"]["marcxml"])
    assert own.status_code == 200 and b"Spring essence" in own.content
    assert client.get(members[0]["links"]["iso2709"]).content[:5].isdigit()
    hidden = client.get(f"/api/records/{hit['id']}/members/VN-DT-090:"
                        f"{members[0]['local_id']}.xml")
    assert hidden.status_code == 404
    staff = client.get(f"/api/records/{hit['id']}/members",
                       headers={"authorization": f"Bearer {TOKEN}"}).json()
    assert len(staff) == 3


def test_admin_split_and_merge(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "spring essence"}).json()["hits"][0]
    a, b = hit["member_ids"][0], hit["member_ids"][1]
    assert client.post("/api/admin/dedup/split", json={"a": a, "b": b}).status_code == 403
    auth = {"authorization": f"Bearer {TOKEN}"}
    done = client.post("/api/admin/dedup/split", json={"a": a, "b": b, "note": "test"},
                       headers=auth).json()
    assert done["entries"][a] != done["entries"][b]
    found = client.get("/api/search", params={"q": "spring essence"}, headers=auth).json()
    assert found["total"] == 2
    assert client.get("/api/admin/dedup/explain", params={"a": a, "b": b},
                      headers=auth).json()["override"] == "split"
    client.post("/api/admin/dedup/forget", json={"a": a, "b": b}, headers=auth)
    found = client.get("/api/search", params={"q": "spring essence"}, headers=auth).json()
    assert found["total"] == 1 and len(found["hits"][0]["holdings"]) == 3


def test_sru_shows_the_clustered_view(client: TestClient) -> None:
    """SRU counts entries, not records, and its MARCXML carries one 852 per public holding."""
    body = client.get("/sru", params={"version": "1.2", "operation": "searchRetrieve",
                                      "query": 'dc.title="spring essence"',
                                      "maximumRecords": "5"}).text
    assert "<zs:numberOfRecords>1</zs:numberOfRecords>" in body
    assert body.count('tag="852"') == 2
    everything = client.get("/sru", params={"version": "2.0", "query": "cql.allRecords=1",
                                            "maximumRecords": "0"}).text
    assert "<sruResponse:numberOfRecords>120</sruResponse:numberOfRecords>" in everything
