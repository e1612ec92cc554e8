"""What a running app holds: its settings and its search backend (and who is asking)."""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Request

from app.settings import Settings
from search.backend import SearchBackend
from search.query import Scope, Visibility
from store.db import open_store


@dataclass
class AppState:
    settings: Settings
    backend: SearchBackend

    def store(self) -> sqlite3.Connection:
        """A store connection for admin and statistics routes (never for search)."""
        return open_store(self.settings.store_path)


@contextmanager
def store_of(request: Request) -> Iterator[sqlite3.Connection]:
    """A store connection for one admin or statistics request, closed after it."""
    conn = state_of(request).store()
    try:
        yield conn
    finally:
        conn.close()


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.unioncat
    return state


def visibility_of(request: Request, settings: Settings) -> Visibility:
    """Staff and administrators identify with a bearer token; everyone else is public."""
    return visibility_from(request.headers.get("authorization", ""),
                           request.headers.get("x-api-key", ""), settings)


def visibility_from(authorization: str, api_key: str, settings: Settings) -> Visibility:
    """The visibility an ``Authorization`` (bearer) or ``X-API-Key`` header value earns."""
    token = authorization.removeprefix("Bearer ").strip() or api_key
    if settings.admin_token and token and hmac.compare_digest(token, settings.admin_token):
        return "admin"
    if settings.staff_token and token and hmac.compare_digest(token, settings.staff_token):
        return "staff"
    return "public"


def scope_of(request: Request, libraries: frozenset[str] | None = None) -> Scope:
    return Scope(libraries=libraries,
                 visibility=visibility_of(request, state_of(request).settings))
