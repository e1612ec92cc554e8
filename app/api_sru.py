"""SRU at /sru: a thin adapter over ``sru.handler.handle_sru``.

Two doors lead to the same answer: the FastAPI route (documented in OpenAPI, and what a
mounted or wrapped app reaches) and ``answer_sru``, which ``UnioncatApp`` calls straight
from the ASGI scope before any framework layer (routing, telemetry, middleware, exit
stacks, Request/Response objects): those layers cost a tenth of a served SRU request's CPU.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request, Response
from starlette.datastructures import URL
from starlette.types import Receive, Scope, Send

from app.settings import Settings
from app.state import AppState, visibility_from
from search import inline
from search.query import PUBLIC
from search.query import Scope as SearchScope
from sru.handler import SruResponse, handle_sru
from sru.settings import SruSettings

router = APIRouter(tags=["sru"])

MAX_BODY = 1024 * 1024  # a form POST or SOAP envelope carries a query, not a document
SRU_METHODS = frozenset(("GET", "POST"))
_TOO_LARGE = b"SRU request body over 1 MiB: send the query with GET or a shorter POST\n"


@lru_cache(maxsize=64)  # one per settings and Host header: built on every request otherwise
def _sru_settings(settings: Settings, base_url: str) -> SruSettings:
    url = urlsplit(base_url)
    return SruSettings(title=settings.catalog_title, host=url.hostname or settings.host,
                       port=url.port or settings.port, path="sru",
                       default_records=settings.sru_default_records,
                       max_records=settings.sru_max_records)


@lru_cache(maxsize=64)  # the Host header is the client's: the cache bounds what it can cost
def _base_url(scheme: str, host: str, server: tuple[str, int] | None, root_path: str) -> str:
    """What Starlette's ``Request.base_url`` gives for these scope parts."""
    path = root_path if root_path.endswith("/") else root_path + "/"
    headers = [(b"host", host.encode("latin-1"))] if host else []
    return str(URL(scope={"type": "http", "scheme": scheme, "server": server, "path": path,
                          "root_path": root_path, "query_string": b"", "headers": headers}))


_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {}, "application/sru+xml": {}}}}


@router.get("/sru", response_class=Response, responses=_XML, operation_id="sru_get")
@router.post("/sru", response_class=Response, responses=_XML, operation_id="sru_post")
async def sru(request: Request) -> Response:
    """SRU 1.1, 1.2 and 2.0 (GET, POST, SOAP): explain, searchRetrieve, scan."""
    answer = await _answer(request.app.state.unioncat, request.scope, request.receive)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


async def answer_sru(state: AppState, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer GET or POST /sru from the raw ASGI scope (``UnioncatApp``'s fast path)."""
    answer = await _answer(state, scope, receive)
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
               for name, value in answer.headers.items()]
    headers.append((b"content-length", str(len(answer.body)).encode("latin-1")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _answer(state: AppState, scope: Scope, receive: Receive) -> SruResponse:
    method: str = scope["method"]
    body = await _body(receive) if method == "POST" else b""
    if body is None:
        return SruResponse(413, {"Content-Type": "text/plain; charset=utf-8"}, _TOO_LARGE)
    headers = _headers(scope)
    server = scope.get("server")
    base_url = _base_url(scope.get("scheme", "http"), headers.get("host", ""),
                         tuple(server) if server else None,
                         scope.get("app_root_path", scope.get("root_path", "")))
    settings = state.settings
    visibility = visibility_from(headers.get("authorization", ""),
                                 headers.get("x-api-key", ""), settings)
    # parse_qsl as Starlette's QueryParams does (last value of a repeated name wins)
    params = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    return await inline.call(
        state.backend, handle_sru, state.backend, params, method=method, body=body,
        content_type=headers.get("content-type", ""),
        settings=_sru_settings(settings, base_url), base_url=base_url,
        scope=PUBLIC if visibility == "public" else SearchScope(visibility=visibility))


_WANTED = frozenset((b"host", b"content-type", b"authorization", b"x-api-key"))


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers SRU reads, by lower-case name (the first of repeated ones)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        name = name.lower()
        if name in _WANTED and name.decode("latin-1") not in found:
            found[name.decode("latin-1")] = value.decode("latin-1")
    return found


async def _body(receive: Receive) -> bytes | None:
    """The request body, or None once it passes ``MAX_BODY``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client left; answer what came
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
