"""The scan operation: browse one index from a term, with entry counts per term."""

from __future__ import annotations

from lxml import etree

from search.backend import SearchBackend
from search.query import QueryError, ScanRequest, Scope
from sru.cql import CQLSyntaxError, SearchClause, parse
from sru.cql_to_query import diagnostic_of, resolve_index
from sru.diagnostics import (
    MandatoryParameterNotSupplied,
    QuerySyntaxError,
    ResponsePositionOutOfRange,
    SRUDiagnostic,
    UnsupportedIndex,
    UnsupportedRelation,
    UnsupportedRelationModifier,
)
from sru.params import integer
from sru.request import SruRequest
from sru.responses import Builder
from sru.settings import SruSettings
from sru.terms import unescape

SCAN_RELATIONS = ("=", "==", "exact", "scr")


def scan_request(request: SruRequest, settings: SruSettings, scope: Scope) -> ScanRequest:
    text = request.get("scanClause")
    if not text.strip():
        raise MandatoryParameterNotSupplied("scanClause")
    try:
        parsed = parse(text)
    except CQLSyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    clause = parsed.root
    if not isinstance(clause, SearchClause) or parsed.sort_keys:
        raise QuerySyntaxError("scanClause must be one search clause: index relation term")
    index = resolve_index(clause.index, {})
    if not index.scan or index.target is None:
        raise UnsupportedIndex(f"{index.qualified} cannot be scanned")
    if clause.relation.value.lower() not in SCAN_RELATIONS:
        raise UnsupportedRelation(f"{clause.relation.value} in scan")
    if clause.relation.modifiers:
        raise UnsupportedRelationModifier(clause.relation.modifiers[0].name)
    count = min(integer(request, "maximumTerms", settings.default_terms, 1), settings.max_terms)
    position = integer(request, "responsePosition", 1, 0)
    if position > count + 1:
        raise ResponsePositionOutOfRange(f"responsePosition {position} > maximumTerms + 1")
    return ScanRequest(index.target, unescape(clause.term), count, position, scope)


def scan(backend: SearchBackend, request: SruRequest, settings: SruSettings,
         scope: Scope) -> tuple[etree._Element, SRUDiagnostic | None]:
    build = Builder(request.version, scan=True)
    root = build.root("scanResponse")
    failure: SRUDiagnostic | None = None
    try:
        if request.problem is not None:
            raise request.problem
        entries = backend.scan(scan_request(request, settings, scope))
    except QueryError as error:
        failure = diagnostic_of(error)
    except SRUDiagnostic as diag:
        failure = diag
    if failure is None and entries:
        terms = build.add(root, "terms")
        for entry in entries:
            term = build.add(terms, "term")
            build.add(term, "value", entry.term)
            build.add(term, "numberOfRecords", str(entry.count))
    echo = build.add(root, "echoedScanRequest")
    build.add(echo, "version", request.version)
    build.add(echo, "scanClause", "".join(
        c for c in request.get("scanClause") if c in "\t\n\r" or ord(c) >= 0x20))
    for name in ("responsePosition", "maximumTerms"):
        value = request.get(name)
        if value.isdigit():
            build.add(echo, name, value)
    if failure is not None:
        build.diagnostics(root, [failure])
    return root, failure
