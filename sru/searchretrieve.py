"""The searchRetrieve operation: CQL -> neutral query -> backend -> records as text."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from search.backend import SearchBackend
from search.document import CatalogDocument
from search.query import QueryError, Scope, SearchRequest, SortKey
from sru.cql import CQLQuery, CQLSyntaxError, parse
from sru.cql_to_query import diagnostic_of, map_query
from sru.diagnostics import (
    FirstRecordPositionOutOfRange,
    MandatoryParameterNotSupplied,
    QuerySyntaxError,
    RecordTemporarilyUnavailable,
    SortNotSupported,
    SRUDiagnostic,
    UnsupportedParameter,
    UnsupportedQueryType,
    UnsupportedRecordPacking,
    XPathRetrievalUnsupported,
)
from sru.params import integer
from sru.request import SruRequest, Version
from sru.responses import DIAGNOSTIC_SCHEMA, diagnostic_xml, packing_name, response_namespace
from sru.schemas import RecordSchema, find_schema
from sru.searchresponse import Record, SearchRetrieveResponse
from sru.settings import SruSettings
from sru.sortkeys import parse_sort_keys
from sru.xcql import xcql

RESULT_COUNT_EXACT = "info:srw/vocabulary/resultCountPrecision/1/exact"


@dataclass
class Plan:
    """A checked searchRetrieve request."""

    cql: CQLQuery | None = None
    start: int = 1
    size: int = 10
    schema: RecordSchema | None = None
    as_string: bool = False
    sort: tuple[SortKey, ...] = ()


def record_escaping(request: SruRequest) -> bool:
    """True when records go as escaped strings; diagnostic 71 for unknown packings."""
    packing = request.get("recordPacking").strip()
    if request.is_v2:
        escaping = request.get("recordXMLEscaping").strip() or (
            packing if packing in ("xml", "string") else "xml")
        if packing not in ("", "packed", "xml", "string"):
            raise UnsupportedRecordPacking(packing)
        if escaping not in ("xml", "string"):
            raise UnsupportedRecordPacking(f"recordXMLEscaping: {escaping}")
        return escaping == "string"
    if packing not in ("", "xml", "string"):
        raise UnsupportedRecordPacking(packing)
    return packing == "string"


def plan(request: SruRequest, settings: SruSettings, out: Plan) -> None:
    """Fill ``out`` step by step, so a diagnostic still leaves what was read for the echo."""
    query = request.get("query")
    if "query" not in request.params or not query.strip():
        raise MandatoryParameterNotSupplied("query")
    if request.is_v2 and request.get("queryType", "cql") not in ("cql", ""):
        raise UnsupportedQueryType(request.get("queryType"))
    try:
        out.cql = parse(query)
    except CQLSyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    out.start = integer(request, "startRecord", 1, 1)
    out.size = min(integer(request, "maximumRecords", settings.default_records, 0),
                   settings.max_records)
    out.as_string = record_escaping(request)
    out.schema = find_schema(request.get("recordSchema"))
    if request.get("recordXPath"):
        raise XPathRetrievalUnsupported(request.get("recordXPath"))
    integer(request, "resultSetTTL", 0, 0)
    if request.get("sortKeys"):
        if request.version == "1.2":
            raise UnsupportedParameter("sortKeys (use CQL sortBy in SRU 1.2)")
        if not settings.sort_supported:
            raise SortNotSupported("sortKeys")
        out.sort = parse_sort_keys(request.get("sortKeys"))


def search_retrieve(backend: SearchBackend, request: SruRequest, settings: SruSettings,
                    scope: Scope) -> tuple[SearchRetrieveResponse, SRUDiagnostic | None]:
    checked = Plan(size=settings.default_records)
    try:
        if request.problem is not None:
            raise request.problem
        plan(request, settings, checked)
        assert checked.cql is not None and checked.schema is not None
        mapped = map_query(checked.cql, settings.sort_supported)
        sort = mapped.sort or checked.sort
        result = backend.search(SearchRequest(mapped.query, scope, checked.start - 1,
                                              checked.size, sort))
        if checked.start > 1 and checked.start > result.total:
            raise FirstRecordPositionOutOfRange(
                f"startRecord {checked.start} > {result.total} records")
    except QueryError as error:
        return _failed(request, checked, diagnostic_of(error))
    except SRUDiagnostic as diag:
        return _failed(request, checked, diag)
    response = SearchRetrieveResponse(request.version, checked.as_string, result.total)
    if request.is_v2:
        response.precision = RESULT_COUNT_EXACT
    if checked.size > 0:
        response.records = [_record(request.version, checked.schema, doc, checked.start + n)
                            for n, doc in enumerate(result.hits)]
    following = checked.start + len(result.hits)
    if result.hits and following <= result.total:
        response.next_position = following
    response.echo = _echo(request, checked)
    return response, None


def _record(version: Version, schema: RecordSchema, doc: CatalogDocument,
            position: int) -> Record:
    try:
        data = schema.render(doc)
    except Exception as error:  # a record we cannot render is a surrogate diagnostic
        diag = RecordTemporarilyUnavailable(f"{doc.id}: {error}")
        return Record(DIAGNOSTIC_SCHEMA, diagnostic_xml(version, diag), position)
    text = data if isinstance(data, str) else etree.tostring(data, encoding="unicode")
    return Record(schema.identifier, text, position)


def _failed(request: SruRequest, checked: Plan, diag: SRUDiagnostic,
            ) -> tuple[SearchRetrieveResponse, SRUDiagnostic]:
    return SearchRetrieveResponse(request.version, echo=_echo(request, checked),
                                  diagnostics=[diag]), diag


def _echo(request: SruRequest, checked: Plan) -> str:
    r = response_namespace(request.version)
    parts = [r.text("version", request.version)]
    if "query" in request.params:
        parts.append(r.text("query", request.get("query")))
    if checked.cql is not None and not request.is_v2:
        parts.append(r.wrap("xQuery", xcql(checked.cql)))
    parts += [r.text("startRecord", str(checked.start)),
              r.text("maximumRecords", str(checked.size)),
              r.text(packing_name(request.version), "string" if checked.as_string else "xml")]
    if checked.schema is not None:
        parts.append(r.text("recordSchema", checked.schema.identifier))
    if request.get("sortKeys") and not request.is_v2:
        parts.append(r.text("sortKeys", request.get("sortKeys")))
    return r.wrap("echoedSearchRetrieveRequest", "".join(parts))
