"""The SRU endpoint as one plain function: ``handle_sru(backend, params, ...) -> SruResponse``.

No web framework here: the app mounts it with a thin route (see docs/sru.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from search.backend import SearchBackend
from search.query import PUBLIC, Scope
from sru.diagnostics import GeneralSystemError, SRUDiagnostic, UnsupportedParameterValue
from sru.explain import ZEEREX_SCHEMA, explain_record
from sru.request import BadSoap, SruRequest, build_request, read_params
from sru.responses import (
    Builder,
    Document,
    Tree,
    safe_stylesheet,
    serialize,
    soap_envelope,
    soap_fault,
)
from sru.scan import scan
from sru.searchretrieve import record_escaping, search_retrieve
from sru.settings import SruSettings

log = logging.getLogger(__name__)

XML_1 = "text/xml; charset=utf-8"
XML_2 = "application/sru+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
ACCEPTED = {"application/sru+xml": XML_2, "application/xml": "application/xml; charset=utf-8",
            "text/xml": XML_1, "application/json": JSON, "*/*": XML_2}


@dataclass(frozen=True)
class SruResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def handle_sru(backend: SearchBackend, params: Mapping[str, str], *, method: str = "GET",
               body: bytes = b"", content_type: str = "",
               settings: SruSettings | None = None, base_url: str = "",
               scope: Scope = PUBLIC) -> SruResponse:
    """Answer one SRU request (GET, form POST or SOAP) for ``scope``.

    ``params`` are the URL query parameters; for a POST, ``body`` and ``content_type``
    are the request's. ``base_url`` is informational (kept for the explain record's
    host/port when settings leave them unset). Never raises for bad input: every fault
    is an SRU diagnostic (HTTP 200 in 1.x, 4xx in 2.0) or a SOAP Client fault.
    """
    settings = settings or SruSettings()
    try:
        raw, binding, element = read_params(params, method=method, body=body,
                                            content_type=content_type)
    except BadSoap as error:
        return SruResponse(400, {"Content-Type": XML_1}, soap_fault(str(error)))
    request = build_request(raw, binding, element, settings.default_version)
    try:
        return _answer(backend, request, settings, scope)
    except Exception:  # a fault of ours, never of the request: diagnostic 1, logged
        log.exception("SRU request failed: %r", raw)
        return _render(request, _general_failure(request), GeneralSystemError(), settings)


def _answer(backend: SearchBackend, request: SruRequest, settings: SruSettings,
            scope: Scope) -> SruResponse:
    document: Document
    if request.operation == "searchRetrieve":
        document, failure = search_retrieve(backend, request, settings, scope)
    elif request.operation == "scan":
        root, failure = scan(backend, request, settings, scope)
        document = Tree(root, request.version)
    else:
        document, failure = explain(request, settings)
    return _render(request, document, failure, settings)


def explain(request: SruRequest, settings: SruSettings) -> tuple[Tree, SRUDiagnostic | None]:
    build = Builder(request.version)
    root = build.root("explainResponse")
    failure = request.problem
    as_string = False
    if failure is None:
        try:
            as_string = record_escaping(request)
        except SRUDiagnostic as diag:
            failure = diag
    if failure is None or failure.code in (4, 7):  # still describe ourselves
        build.record(root, ZEEREX_SCHEMA, explain_record(settings, request.version),
                     as_string)
    echo = build.add(root, "echoedExplainRequest")
    build.add(echo, "version", request.version)
    if failure is not None:
        build.diagnostics(root, [failure])
    return Tree(root, request.version), failure


def _general_failure(request: SruRequest) -> Tree:
    build = Builder(request.version, scan=request.operation == "scan")
    name = {"searchRetrieve": "searchRetrieveResponse", "scan": "scanResponse"}.get(
        request.operation, "explainResponse")
    root = build.root(name)
    if request.operation == "searchRetrieve":
        build.add(root, "numberOfRecords", "0")
    build.diagnostics(root, [GeneralSystemError()])
    return Tree(root, request.version)


def _render(request: SruRequest, document: Document, failure: SRUDiagnostic | None,
            settings: SruSettings) -> SruResponse:
    status = 200
    if request.is_v2 and failure is not None:
        status = failure.http_status
    stylesheet = safe_stylesheet(request.get("stylesheet"))
    if request.binding == "soap":
        return SruResponse(status if request.is_v2 else 200, {"Content-Type": XML_1},
                           soap_envelope(document.xml()))
    if not request.is_v2:
        return SruResponse(status, {"Content-Type": XML_1},
                           serialize(document.xml(), stylesheet))
    accept = request.get("httpAccept").split(";", 1)[0].strip().lower() or "application/sru+xml"
    if accept not in ACCEPTED:
        diag = UnsupportedParameterValue(f"httpAccept: {request.get('httpAccept')}")
        document.replace_diagnostics(diag)
        return SruResponse(diag.http_status, {"Content-Type": XML_2}, serialize(document.xml()))
    if ACCEPTED[accept] == JSON:
        data = {"version": request.version, "operation": request.operation,
                **document.fields()}
        return SruResponse(status, {"Content-Type": JSON},
                           json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return SruResponse(status, {"Content-Type": ACCEPTED[accept]},
                       serialize(document.xml(), stylesheet))
