"""``create_app(settings)``: the FastAPI application (nothing happens at import)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from app import api_search
from app.api_sru import SRU_METHODS, answer_sru
from app.backends import open_backend
from app.errors import install_error_handlers
from app.settings import Settings
from app.state import AppState, state_of, store_of
from search.backend import SearchBackend
from store.stats import set_aside_list, store_stats


def create_app(settings: Settings, backend: SearchBackend | None = None) -> FastAPI:
    """Build the app; ``backend`` may be passed in (tests), else opened from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.unioncat.backend.close()

    app = UnioncatApp(title="unioncat", version="0.1.0", lifespan=lifespan,
                  description="Union catalog of the province's libraries: search, records "
                              "for copy cataloguing, SRU, Z39.50 and open data.")
    app.state.unioncat = AppState(settings, backend or open_backend(settings))
    install_error_handlers(app)
    app.include_router(api_search.router)
    for router in _optional_routers():
        app.include_router(router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["ops"])
    app.add_api_route("/api/stats", stats, methods=["GET"], tags=["ops"])
    app.add_api_route("/api/set-aside", set_aside, methods=["GET"], tags=["ops"])
    return app


class UnioncatApp(FastAPI):
    """FastAPI that answers GET and POST /sru itself, before its own layers (telemetry,
    middleware, routing, dependency solving): the protocol's hot path. The /sru route
    stays for OpenAPI and gives the same answers (``sru_fast_path = False`` uses it)."""

    sru_fast_path = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.sru_fast_path and scope["type"] == "http" and scope["path"] == "/sru"
                and scope["method"] in SRU_METHODS):
            scope["app"] = self
            await answer_sru(self.state.unioncat, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _optional_routers() -> list[Any]:
    """Routers of the protocol and admin modules (each a thin adapter)."""
    from app import routers

    return routers.all_routers()


def healthz(request: Request) -> JSONResponse:
    health = state_of(request).backend.health()
    body = {"status": "ok" if health.ok else "degraded", "backend": health.backend,
            "detail": health.detail}
    return JSONResponse(body, 200 if health.ok else 503)


def stats(request: Request) -> dict[str, Any]:
    state = state_of(request)
    with store_of(request) as conn:
        figures = store_stats(conn)
    figures["backend"] = state.backend.stats().backend
    figures["indexed_entries"] = state.backend.stats().entries
    return figures


def set_aside(request: Request, source: str | None = None) -> list[dict[str, Any]]:
    """Records that could not be read, with the reason (newest first)."""
    with store_of(request) as conn:
        return set_aside_list(conn, source)
