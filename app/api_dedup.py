"""JSON API for deduplication: an entry's member records, and the admin overrides.

``/api/records/{entry}/members`` lists the member records of an entry the caller can see
(the entry and its visible holdings come from the search backend, so scope and restricted
holdings are applied exactly as for the entry itself); each member's own fields and MARC
are read from the store. ``/api/admin/dedup/...`` (administrator token) splits, merges and
explains; the changed entries are re-indexed before the response.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.errors import ApiError
from app.indexer import drain_outbox
from app.state import scope_of, state_of, store_of, visibility_of
from normalizers import overrides
from normalizers.bib import Bib
from normalizers.decode import decode_iso2709
from normalizers.marc import to_marcxml
from search.document import CatalogDocument
from store import dedup as db
from store.db import transaction
from store.records import STORED_MARC, queue_for_index

router = APIRouter(prefix="/api", tags=["dedup"])

_MEMBER_SQL = (f"SELECT r.id, r.source, r.local_id, r.bib, {STORED_MARC} AS marc, "
               "r.call_number, r.updated_at, "
               "s.name FROM records r JOIN sources s ON s.code=r.source "
               "WHERE r.source=? AND r.local_id=? AND r.deleted=0")


class Pair(BaseModel):
    a: str  # "SOURCE:local-id"
    b: str
    note: str = ""


_store = store_of


def _entry(request: Request, entry_id: str) -> CatalogDocument:
    found = state_of(request).backend.get([entry_id], scope_of(request))
    if not found:
        raise ApiError(404, "not_found", f"no catalog entry {entry_id!r}")
    return found[0]


def _visible_members(doc: CatalogDocument) -> list[str]:
    return list(dict.fromkeys(h.record_id for h in doc.holdings if h.record_id))


@router.get("/records/{entry_id}/members")
def members(request: Request, entry_id: str) -> list[dict[str, Any]]:
    """The member records of an entry (one per library), each with its own fields."""
    doc = _entry(request, entry_id)
    with _store(request) as conn:
        rows = [_member_row(conn, name) for name in _visible_members(doc)]
    found = [row for row in rows if row is not None]
    best = next((row["id"] for row in found if row["marc"] == doc.marc), None)
    return [_member_json(entry_id, row, row["id"] == best) for row in found]


def _member_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    source, _, local_id = name.partition(":")
    row: sqlite3.Row | None = conn.execute(_MEMBER_SQL, (source, local_id)).fetchone()
    return row


def _member_json(entry_id: str, row: sqlite3.Row, preferred: bool) -> dict[str, Any]:
    bib = Bib.loads(row["bib"])
    name = f"{row['source']}:{row['local_id']}"
    base = f"/api/records/{entry_id}/members/{name}"
    return {"id": name, "source": row["source"], "library_name": row["name"],
            "local_id": row["local_id"], "preferred": preferred,
            "title": bib.title, "responsibility": bib.responsibility,
            "creators": bib.creators, "publisher": bib.publisher, "place": bib.place,
            "year": bib.year, "edition": bib.edition, "isbns": bib.isbns,
            "issns": bib.issns, "identifiers": bib.identifiers, "subjects": bib.subjects,
            "classification": bib.classification, "physical": bib.physical,
            "volume": bib.volume, "format": bib.format, "language": bib.language,
            "encoding_level": bib.encoding_level, "call_number": row["call_number"],
            "updated": row["updated_at"],
            "links": {"marcxml": base + ".xml", "iso2709": base + ".mrc"}}


def _member_marc(request: Request, entry_id: str, name: str) -> bytes:
    doc = _entry(request, entry_id)
    if name not in _visible_members(doc):
        raise ApiError(404, "not_found", f"{name!r} is not a member of {entry_id!r}; list them "
                       f"at /api/records/{entry_id}/members")
    with _store(request) as conn:
        row = _member_row(conn, name)
    if row is None:
        raise ApiError(404, "not_found", f"member record {name!r} is gone")
    marc: bytes = row["marc"]
    return marc


@router.get("/records/{entry_id}/members/{name}.xml", response_class=Response,
            responses={200: {"content": {"application/marcxml+xml": {}}}})
def member_marcxml(request: Request, entry_id: str, name: str) -> Response:
    """One member library's own record, as it sent it (repaired, NFC), in MARCXML."""
    record = decode_iso2709(_member_marc(request, entry_id, name)).record
    return Response(b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_marcxml(record),
                    media_type="application/marcxml+xml")


@router.get("/records/{entry_id}/members/{name}.mrc", response_class=Response,
            responses={200: {"content": {"application/marc": {}}}})
def member_iso2709(request: Request, entry_id: str, name: str) -> Response:
    """One member library's own record as ISO 2709 (UTF-8)."""
    return Response(_member_marc(request, entry_id, name), media_type="application/marc")


# ------------------------------------------------------------------ admin: overrides

def _require_admin(request: Request) -> None:
    if visibility_of(request, state_of(request).settings) != "admin":
        raise ApiError(403, "forbidden", "dedup overrides need the administrator token "
                       "(Authorization: Bearer ...)")


def _apply(request: Request, action: str, pair: Pair) -> dict[str, Any]:
    _require_admin(request)
    with _store(request) as conn:
        try:
            with transaction(conn):
                changed = _run(conn, action, pair)
                queue_for_index(conn, changed)
        except overrides.OverrideError as error:
            raise ApiError(409, "override_refused", str(error)) from error
        drain_outbox(conn, state_of(request).backend)
        entries = {name: overrides.show(conn, name)["id"] for name in (pair.a, pair.b)}
    return {"action": action, "a": pair.a, "b": pair.b, "changed": sorted(changed),
            "entries": entries}


def _run(conn: sqlite3.Connection, action: str, pair: Pair) -> set[str]:
    if action == "split":
        return overrides.split(conn, pair.a, pair.b, pair.note)
    if action == "merge":
        return overrides.merge(conn, pair.a, pair.b, pair.note)
    return overrides.forget(conn, pair.a, pair.b)


@router.post("/admin/dedup/split")
def split(request: Request, pair: Pair) -> dict[str, Any]:
    """These two records must never share an entry (kept across re-harvests)."""
    return _apply(request, "split", pair)


@router.post("/admin/dedup/merge")
def merge(request: Request, pair: Pair) -> dict[str, Any]:
    """These two records belong in one entry (kept across re-harvests)."""
    return _apply(request, "merge", pair)


@router.post("/admin/dedup/forget")
def forget(request: Request, pair: Pair) -> dict[str, Any]:
    """Drop the override between two records; the rules decide again."""
    return _apply(request, "forget", pair)


@router.get("/admin/dedup/overrides")
def list_overrides(request: Request) -> list[dict[str, str]]:
    _require_admin(request)
    with _store(request) as conn:
        return [{"kind": o.kind, "a": f"{o.a[0]}:{o.a[1]}", "b": f"{o.b[0]}:{o.b[1]}",
                 "note": o.note} for o in db.list_overrides(conn)]


@router.get("/admin/dedup/explain")
def explain(request: Request, a: str, b: str) -> dict[str, Any]:
    """Why two records are (not) in one entry: the rules' verdict and the shared keys."""
    _require_admin(request)
    with _store(request) as conn:
        try:
            return overrides.explain(conn, a, b)
        except overrides.OverrideError as error:
            raise ApiError(404, "not_found", str(error)) from error


@router.get("/admin/dedup/entries/{name}")
def show(request: Request, name: str) -> dict[str, Any]:
    """An entry's member records and the overrides that touch them."""
    _require_admin(request)
    with _store(request) as conn:
        try:
            return overrides.show(conn, name)
        except overrides.OverrideError as error:
            raise ApiError(404, "not_found", str(error)) from error
