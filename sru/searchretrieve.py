"""The searchRetrieve operation: CQL -> neutral query -> backend -> records."""

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
from sru.request import SruRequest
from sru.responses import DIAGNOSTIC_SCHEMA, Builder
from sru.schemas import RecordSchema, find_schema
from sru.settings import SruSettings
from sru.sortkeys import parse_sort_keys
from sru.xcql import xcql_into

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
                    scope: Scope) -> tuple[etree._Element, SRUDiagnostic | None]:
    build = Builder(request.version)
    root = build.root("searchRetrieveResponse")
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
        return _failed(build, root, request, checked, diagnostic_of(error))
    except SRUDiagnostic as diag:
        return _failed(build, root, request, checked, diag)
    build.add(root, "numberOfRecords", str(result.total))
    if request.is_v2:
        build.add(root, "resultCountPrecision", RESULT_COUNT_EXACT)
    if result.hits and checked.size > 0:
        records = build.add(root, "records")
        for offset, doc in enumerate(result.hits):
            position = checked.start + offset
            _record(build, records, checked, doc, position)
    following = checked.start + len(result.hits)
    if result.hits and following <= result.total:
        build.add(root, "nextRecordPosition", str(following))
    _echo(build, root, request, checked)
    return root, None


def _record(build: Builder, records: etree._Element, checked: Plan, doc: CatalogDocument,
            position: int) -> None:
    assert checked.schema is not None
    try:
        data = checked.schema.render(doc)
        schema = checked.schema.identifier
    except Exception as error:  # a record we cannot render is a surrogate diagnostic
        diag = RecordTemporarilyUnavailable(f"{doc.id}: {error}")
        data = build.diagnostic(diag)
        schema = DIAGNOSTIC_SCHEMA
    build.record(records, schema, data, position, checked.as_string)


def _failed(build: Builder, root: etree._Element, request: SruRequest, checked: Plan,
            diag: SRUDiagnostic) -> tuple[etree._Element, SRUDiagnostic]:
    build.add(root, "numberOfRecords", "0")
    _echo(build, root, request, checked)
    build.diagnostics(root, [diag])
    return root, diag


def _echo(build: Builder, root: etree._Element, request: SruRequest, checked: Plan) -> None:
    echo = build.add(root, "echoedSearchRetrieveRequest")
    build.add(echo, "version", request.version)
    if "query" in request.params:
        build.add(echo, "query", _text(request.get("query")))
    if checked.cql is not None and not request.is_v2:
        xcql_into(build.add(echo, "xQuery"), checked.cql)
    build.add(echo, "startRecord", str(checked.start))
    build.add(echo, "maximumRecords", str(checked.size))
    if request.is_v2:
        build.add(echo, "recordXMLEscaping", "string" if checked.as_string else "xml")
    else:
        build.add(echo, "recordPacking", "string" if checked.as_string else "xml")
    if checked.schema is not None:
        build.add(echo, "recordSchema", checked.schema.identifier)
    if request.get("sortKeys") and not request.is_v2:
        build.add(echo, "sortKeys", _text(request.get("sortKeys")))


def _text(value: str) -> str:
    return "".join(c for c in value if c in "\t\n\r" or ord(c) >= 0x20)
