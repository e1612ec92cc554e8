"""SRU at /sru: a thin adapter over ``sru.handler.handle_sru``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Settings
from app.state import scope_of, state_of
from search import inline
from sru.handler import handle_sru
from sru.settings import SruSettings

router = APIRouter(tags=["sru"])


def sru_settings(request: Request) -> SruSettings:
    """The SRU settings for the host the client addressed (explain names it)."""
    return _sru_settings(state_of(request).settings, str(request.base_url))


@lru_cache(maxsize=64)  # one per settings and Host header: built on every request otherwise
def _sru_settings(settings: Settings, base_url: str) -> SruSettings:
    url = urlsplit(base_url)
    return SruSettings(title=settings.catalog_title, host=url.hostname or settings.host,
                       port=url.port or settings.port, path="sru",
                       default_records=settings.sru_default_records,
                       max_records=settings.sru_max_records)


_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {}, "application/sru+xml": {}}}}


@router.get("/sru", response_class=Response, responses=_XML, operation_id="sru_get")
@router.post("/sru", response_class=Response, responses=_XML, operation_id="sru_post")
async def sru(request: Request) -> Response:
    """SRU 1.1, 1.2 and 2.0 (GET, POST, SOAP): explain, searchRetrieve, scan."""
    return await _sru_response(request)


async def _sru_response(request: Request) -> Response:
    body = await request.body() if request.method == "POST" else b""
    backend = state_of(request).backend
    # parse_qsl as Starlette's QueryParams does (last value of a repeated name wins),
    # without building its multi-dict
    params = dict(parse_qsl(request.scope["query_string"].decode("latin-1"),
                            keep_blank_values=True))
    answer = await inline.call(
        backend, handle_sru, backend, params,
        method=request.method, body=body, content_type=request.headers.get("content-type", ""),
        settings=sru_settings(request), base_url=str(request.base_url),
        scope=scope_of(request))
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


class SruFastPath:
    """ASGI middleware answering GET and POST /sru itself, before FastAPI's router and its
    per-request layers (routing, dependency solving, exit stacks): a few tenths of a
    millisecond of CPU on every request of the protocol's hot path. The route above stays
    for the OpenAPI description and gives the same answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"] != "/sru"
                or scope["method"] not in ("GET", "POST")):
            await self.app(scope, receive, send)
            return
        response = await _sru_response(Request(scope, receive))
        await response(scope, receive, send)
