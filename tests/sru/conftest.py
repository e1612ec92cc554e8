"""A real SRU server for the tests: Starlette + uvicorn on 127.0.0.1, mounting
``sru.handler.handle_sru`` over a real ``SqliteFtsBackend`` holding the MARC fixtures."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harvesters.marcfile import read_marc_path
from normalizers.bib import bib_from_record
from normalizers.documents import Member, build_document
from normalizers.marc import to_iso2709
from normalizers.parse import parse_raw
from search.backend import SearchBackend
from search.document import CatalogDocument
from search.query import PUBLIC, Scope
from search.sqlite_fts import SqliteFtsBackend
from sru.handler import SruResponse, handle_sru
from sru.settings import SruSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIBRARIES = (
    ("VN-TG-001", "Thư viện tỉnh", "public", "Thành phố"),
    ("VN-TG-002", "Thư viện huyện Châu Thành", "public", "Châu Thành"),
    ("VN-TG-003", "Thư viện Trường Đại học", "university", "Thành phố"),
    ("VN-TG-QD1", "Thư viện Bộ chỉ huy quân sự", "armed-forces", "Thành phố"),
)
RESTRICTED_LIBRARY = "VN-TG-QD1"
STAFF = Scope(visibility="staff")


def _documents() -> list[CatalogDocument]:
    docs: list[CatalogDocument] = []
    number = 0
    for name in ("lc-sample.mrc", "lc-vietnamese.mrc"):
        for raw in read_marc_path(FIXTURES / name):
            record = parse_raw(raw).record
            number += 1
            members = [_member(number, record_no, record, raw.origin or name)
                       for record_no in _holders(number)]
            docs.append(build_document(f"uc{number:05d}", members))
    return docs


def _holders(number: int) -> list[int]:
    """Which libraries hold entry ``number``: every 7th is held only by the armed-forces
    library (restricted), every 3rd also by a second library."""
    if number % 7 == 0:
        return [3]
    first = number % 3
    return [first, (first + 1) % 3] if number % 3 == 0 else [first]


def _member(number: int, library: int, record: object, origin: str) -> Member:
    from normalizers.marc import Record

    assert isinstance(record, Record)
    code, lib_name, lib_type, district = LIBRARIES[library]
    return Member(record_id=number * 10 + library, source=code, library_name=lib_name,
                  library_type=lib_type, district=district, priority=0,
                  local_id=record.control("001").strip() or str(number),
                  bib=bib_from_record(record), marc=to_iso2709(record),
                  call_number=f"{code}/{number}", restricted=code == RESTRICTED_LIBRARY,
                  first_seen="2024-01-01T00:00:00", updated_at="2024-01-01T00:00:00")


@pytest.fixture(scope="session")
def documents() -> list[CatalogDocument]:
    return _documents()


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory,
            documents: list[CatalogDocument]) -> Iterator[SearchBackend]:
    engine = SqliteFtsBackend(tmp_path_factory.mktemp("sru") / "search.db")
    engine.upsert(documents)
    yield engine
    engine.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_app(backend: SearchBackend, settings: SruSettings) -> Starlette:
    async def endpoint(request: Request, scope: Scope) -> Response:
        body = await request.body() if request.method == "POST" else b""
        answer: SruResponse = handle_sru(
            backend, dict(request.query_params), method=request.method, body=body,
            content_type=request.headers.get("content-type", ""), settings=settings,
            base_url=str(request.base_url), scope=scope)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    async def public(request: Request) -> Response:
        return await endpoint(request, PUBLIC)

    async def staff(request: Request) -> Response:
        return await endpoint(request, STAFF)

    return Starlette(routes=[Route("/sru", public, methods=["GET", "POST"]),
                             Route("/staff/sru", staff, methods=["GET", "POST"])])


@pytest.fixture(scope="session")
def server(backend: SearchBackend) -> Iterator[str]:
    """Base URL of a live SRU server (``http://127.0.0.1:PORT``)."""
    port = _free_port()
    settings = SruSettings(title="Test union catalog", host="127.0.0.1", port=port)
    config = uvicorn.Config(make_app(backend, settings), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    app_server = uvicorn.Server(config)
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not app_server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("SRU test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def settings() -> SruSettings:
    return SruSettings(title="Test union catalog", host="127.0.0.1", port=8080)
