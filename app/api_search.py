"""JSON API: search and records (thin: build a SearchRequest, shape the answer)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request, Response

from app.errors import ApiError
from app.state import scope_of, state_of
from normalizers.export import iso2709_of, marcxml_of
from search.document import CatalogDocument, SearchResult
from search.query import Bool, Index, MatchAll, SearchRequest, SortField, SortKey, Term
from search.query import Query as QueryNode

router = APIRouter(prefix="/api", tags=["catalog"])

FIELD_PARAMS: tuple[Index, ...] = ("title", "creator", "subject", "isbn", "issn",
                                   "publisher", "language", "format", "library",
                                   "library_type", "district", "series", "classification")
FACETABLE = {"library", "format", "language", "year", "subject", "library_type", "district"}
MAX_PAGE_SIZE = 100


def build_query(q: str, fields: dict[str, str], year_from: int | None,
                year_to: int | None) -> QueryNode:
    clauses: list[QueryNode] = []
    if q.strip():
        clauses.append(_text_term("any", q))
    for index, value in fields.items():
        if value.strip():
            clauses.append(_text_term(index, value))
    if year_from is not None or year_to is not None:
        clauses.append(Term("year", "within", f"{year_from or 0} {year_to or 9999}"))
    if not clauses:
        return MatchAll()
    query = clauses[0]
    for clause in clauses[1:]:
        query = Bool("and", query, clause)
    return query


def _text_term(index: str, value: str) -> Term:
    value = value.strip()
    truncated = value.endswith("*") and len(value) > 1
    return Term(index, "all", value.rstrip("*") if truncated else value,  # type: ignore[arg-type]
                "right" if truncated else "none")


def parse_sort(sort: str) -> tuple[SortKey, ...]:
    name = sort.lstrip("-")
    if name not in get_args(SortField):
        raise ApiError(400, "invalid_sort", f"sort must be one of {', '.join(get_args(SortField))}"
                       " (prefix '-' for descending)")
    return (SortKey(name, sort.startswith("-")),)  # type: ignore[arg-type]


def parse_facets(facets: str) -> tuple[Index, ...]:
    names = tuple(f.strip() for f in facets.split(",") if f.strip())
    unknown = [f for f in names if f not in FACETABLE]
    if unknown:
        raise ApiError(400, "invalid_facet", f"unknown facet {unknown[0]!r}; choose from "
                       + ", ".join(sorted(FACETABLE)))
    return names  # type: ignore[return-value]


@router.get("/search")
def search(request: Request, q: str = "",
           year_from: Annotated[int | None, Query(ge=0, le=9999)] = None,
           year_to: Annotated[int | None, Query(ge=0, le=9999)] = None,
           facets: str = "library,format,language,year",
           page: Annotated[int, Query(ge=1, le=100000)] = 1,
           page_size: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE)] = 20,
           sort: str = "relevance") -> dict[str, Any]:
    """Search the union catalog; an empty query lists everything."""
    fields: dict[str, str] = {name: request.query_params.get(name, "")
                              for name in FIELD_PARAMS}
    query = build_query(q, fields, year_from, year_to)
    if request.query_params.get("year", "").strip():
        year = Term("year", "=", request.query_params["year"].strip())
        query = year if isinstance(query, MatchAll) else Bool("and", query, year)
    result = state_of(request).backend.search(SearchRequest(
        query=query, scope=scope_of(request), start=(page - 1) * page_size, size=page_size,
        sort=parse_sort(sort), facets=parse_facets(facets)))
    return _result_json(result, page, page_size)


def _result_json(result: SearchResult, page: int, page_size: int) -> dict[str, Any]:
    return {
        "total": result.total, "page": page, "page_size": page_size,
        "hits": [summary_json(doc) for doc in result.hits],
        "facets": {name: [{"value": f.value, "count": f.count} for f in counts]
                   for name, counts in result.facets.items()},
    }


def summary_json(doc: CatalogDocument) -> dict[str, Any]:
    data = doc.to_json()
    data.pop("marc")
    data["links"] = {"self": f"/api/records/{doc.id}", "marcxml": f"/api/records/{doc.id}.xml",
                     "iso2709": f"/api/records/{doc.id}.mrc"}
    return data


def _entry(request: Request, record_id: str) -> CatalogDocument:
    found = state_of(request).backend.get([record_id], scope_of(request))
    if not found:
        raise ApiError(404, "not_found", f"no catalog entry {record_id!r}; search with "
                       "/api/search to find entry ids")
    return found[0]


@router.get("/records/{record_id}.xml", response_class=Response,
            responses={200: {"content": {"application/marcxml+xml": {}}}})
def record_marcxml(request: Request, record_id: str) -> Response:
    """The preferred MARC record with every visible holding as 852, in MARCXML."""
    body = marcxml_of(_entry(request, record_id))
    return Response(b'<?xml version="1.0" encoding="UTF-8"?>\n' + body,
                    media_type="application/marcxml+xml")


@router.get("/records/{record_id}.mrc", response_class=Response,
            responses={200: {"content": {"application/marc": {}}}})
def record_iso2709(request: Request, record_id: str) -> Response:
    """The same record as ISO 2709 (UTF-8) for import into an ILS."""
    return Response(iso2709_of(_entry(request, record_id)), media_type="application/marc",
                    headers={"content-disposition": f'attachment; filename="{record_id}.mrc"'})


@router.get("/records/{record_id}")
def record_json(request: Request, record_id: str) -> dict[str, Any]:
    return summary_json(_entry(request, record_id))
