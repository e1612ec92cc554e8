"""Member libraries (JSON, GeoJSON), source admin, harvest runs and record upload."""

from __future__ import annotations

import gzip
import io
import sqlite3
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from app.clusterers import make_clusterer
from app.indexer import drain_outbox
from app.ingest import ingest_records
from app.source_config import key_matches, source_from
from app.state import state_of, store_of, visibility_of
from harvesters.marcfile import read_marc
from store.db import transaction
from store.runs import latest_runs, list_runs
from store.sources import Source, get_source, list_sources, save_source

router = APIRouter(tags=["libraries"])
PUBLIC_FIELDS = ("code", "name", "library_type", "district", "commune", "lat", "lon",
                 "contact")
_COUNTS = """
SELECT source, COUNT(*) FROM records r JOIN sources s ON s.code = r.source
WHERE r.deleted = 0 AND (? OR (r.restricted = 0 AND s.restricted = 0)) GROUP BY source
"""


_store = store_of


def _require_admin(request: Request) -> None:
    if visibility_of(request, state_of(request).settings) != "admin":
        raise HTTPException(401, "administrator bearer token required",
                            headers={"WWW-Authenticate": "Bearer"})


def _libraries(request: Request) -> list[dict[str, Any]]:
    """Enabled libraries with their record counts (restricted records only for staff)."""
    staff = visibility_of(request, state_of(request).settings) != "public"
    with _store(request) as conn:
        counts = dict(conn.execute(_COUNTS, (staff,)).fetchall())
        sources = [s for s in list_sources(conn) if s.enabled]
    return [{**{k: getattr(s, k) for k in PUBLIC_FIELDS}, "records": counts.get(s.code, 0)}
            for s in sources]


@router.get("/api/libraries")
def libraries(request: Request) -> list[dict[str, Any]]:
    """The member libraries of the network."""
    return _libraries(request)


@router.get("/api/libraries.geojson")
def libraries_geojson(request: Request) -> dict[str, Any]:
    """Member libraries with coordinates as a GeoJSON FeatureCollection (the network map)."""
    features = [{"type": "Feature", "id": lib["code"],
                 "geometry": {"type": "Point", "coordinates": [lib["lon"], lib["lat"]]},
                 "properties": {k: v for k, v in lib.items() if k not in ("lat", "lon")}}
                for lib in _libraries(request) if lib["lat"] is not None and lib["lon"] is not None]
    return {"type": "FeatureCollection", "features": features}


@router.get("/api/sources", tags=["admin"])
def sources(request: Request) -> list[dict[str, Any]]:
    """Every source with its full registry entry (administrators)."""
    _require_admin(request)
    with _store(request) as conn:
        return [s.to_json() for s in list_sources(conn)]


@router.post("/api/sources", status_code=201, tags=["admin"])
async def add_source(request: Request) -> dict[str, Any]:
    """Register a library: JSON with at least code and name (administrators)."""
    _require_admin(request)
    body = await _json(request)
    with _store(request) as conn, transaction(conn):
        if get_source(conn, str(body.get("code", ""))) is not None:
            raise HTTPException(409, f"source {body.get('code')} exists: use PATCH")
        source = _valid(body, None)
        save_source(conn, source)
    return source.to_json()


@router.patch("/api/sources/{code}", tags=["admin"])
async def update_source(code: str, request: Request) -> dict[str, Any]:
    """Change some fields of a library (``{"enabled": false}`` disables it)."""
    _require_admin(request)
    body = await _json(request)
    with _store(request) as conn, transaction(conn):
        source = _valid(body, _known(conn, code))
        save_source(conn, source)
    return source.to_json()


@router.post("/api/sources/{code}/disable", tags=["admin"])
def disable_source(code: str, request: Request) -> dict[str, Any]:
    _require_admin(request)
    with _store(request) as conn, transaction(conn):
        source = _known(conn, code)
        source.enabled = False
        save_source(conn, source)
    return source.to_json()


@router.get("/api/harvests", tags=["ops"])
def harvests(request: Request, source: str | None = None,
             latest: bool = False) -> list[dict[str, Any]]:
    """Harvest and ingest runs, newest first; ``latest=true``: one per source."""
    with _store(request) as conn:
        return latest_runs(conn) if latest else list_runs(conn, source)


@router.post("/api/sources/{code}/records", tags=["upload"])
async def upload_records(code: str, request: Request) -> dict[str, Any]:
    """A library uploads a MARC file (ISO 2709 or MARCXML, gzip allowed) with its own key."""
    data = await _upload_bytes(request)
    state = state_of(request)
    with _store(request) as conn:
        source = _known(conn, code)
        if not (_key_of(request) and key_matches(conn, code, _key_of(request))) and \
                visibility_of(request, state.settings) != "admin":
            raise HTTPException(403, f"this key may not write records of {code}")
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        counts = ingest_records(conn, source, read_marc(io.BytesIO(data), origin="upload"),
                                make_clusterer(state.settings))
        drain_outbox(conn, state.backend)
    return {"source": code, "read": counts.read, "added": counts.added,
            "updated": counts.updated, "deleted": counts.deleted,
            "set_aside": counts.set_aside}


def _key_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() or request.headers.get("x-api-key", "")


async def _upload_bytes(request: Request) -> bytes:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HTTPException(400, "multipart upload needs a 'file' part")
        return await upload.read()
    return await request.body()


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise HTTPException(400, "body must be JSON") from error
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    return body


def _valid(body: dict[str, Any], base: Source | None) -> Source:
    try:
        return source_from(body, base)
    except (ValueError, TypeError) as error:
        raise HTTPException(422, str(error)) from error


def _known(conn: sqlite3.Connection, code: str) -> Source:
    source = get_source(conn, code)
    if source is None:
        raise HTTPException(404, f"no source {code}")
    return source
