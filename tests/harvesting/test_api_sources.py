"""Libraries, GeoJSON, source admin, harvest runs and keyed upload over a real store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.source_config import new_api_key
from store.db import transaction
from tests.conftest import FIXTURES, Catalog

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def admin_settings(settings: Settings) -> Settings:
    return replace(settings, admin_token="admin-secret", dedup=False)


@pytest.fixture
def client(admin_settings: Settings) -> Iterator[TestClient]:
    catalog = Catalog(admin_settings)
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-DT-001")
    catalog.ingest(FIXTURES / "marc8.dat", "VN-DT-090", library_type="armed-forces",
                   restricted=True)
    with TestClient(create_app(admin_settings, backend=catalog.backend)) as test_client:
        yield test_client
    catalog.close()


def test_admin_adds_patches_and_disables(client: TestClient) -> None:
    body = {"code": "VN-DT-010", "name": "Thư viện huyện Cao Lãnh", "type": "district",
            "protocol": "oai", "endpoint": "http://127.0.0.1:9/oai", "lat": 10.4256,
            "lon": 105.7283}
    assert client.post("/api/sources", json=body).status_code == 401
    created = client.post("/api/sources", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Thư viện huyện Cao Lãnh"
    assert client.post("/api/sources", json=body, headers=ADMIN).status_code == 409
    bad = client.patch("/api/sources/VN-DT-010", json={"protocol": "ftp"}, headers=ADMIN)
    assert bad.status_code == 422
    patched = client.patch("/api/sources/VN-DT-010", json={"priority": 2}, headers=ADMIN)
    assert patched.json()["priority"] == 2
    geo = client.get("/api/libraries.geojson").json()
    assert "VN-DT-010" in [f["id"] for f in geo["features"]]
    point = next(f for f in geo["features"] if f["id"] == "VN-DT-010")
    assert point["geometry"]["coordinates"] == [105.7283, 10.4256]
    assert client.post("/api/sources/VN-DT-010/disable", headers=ADMIN).json()["enabled"] is False
    assert "VN-DT-010" not in [lib["code"] for lib in client.get("/api/libraries").json()]


def test_libraries_hide_restricted_counts_from_the_public(client: TestClient) -> None:
    public = {lib["code"]: lib for lib in client.get("/api/libraries").json()}
    assert public["VN-DT-001"]["records"] == 300
    assert public["VN-DT-090"]["records"] == 0
    assert "endpoint" not in public["VN-DT-001"]
    admin = {lib["code"]: lib for lib in client.get("/api/libraries", headers=ADMIN).json()}
    assert admin["VN-DT-090"]["records"] > 0


def test_upload_with_the_library_key_only(client: TestClient, admin_settings: Settings) -> None:
    catalog = Catalog(admin_settings)
    try:
        with transaction(catalog.conn):
            key = new_api_key(catalog.conn, "VN-DT-001")
            other = new_api_key(catalog.conn, "VN-DT-090")
    finally:
        catalog.close()
    data = (FIXTURES / "lc-vietnamese.mrc").read_bytes()
    url = "/api/sources/VN-DT-001/records"
    assert client.post(url, content=data).status_code == 403
    assert client.post(url, content=data, headers={"X-API-Key": other}).status_code == 403
    done = client.post(url, files={"file": ("x.mrc", data)},
                       headers={"Authorization": f"Bearer {key}"})
    assert done.status_code == 200, done.text
    assert done.json()["added"] > 0
    again = client.post(url, content=data, headers={"X-API-Key": key}).json()
    assert again["added"] == again["updated"] == 0


def test_harvest_runs_are_listed(client: TestClient) -> None:
    runs = client.get("/api/harvests").json()
    assert isinstance(runs, list)
