"""The SRU endpoint as one plain function: ``handle_sru(backend, params, ...) -> SruResponse``.

No web framework here: the app mounts it with a thin route (see docs/sru.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from search.backend import SearchBackend
from search.query import PUBLIC, Scope
from sru.diagnostics import GeneralSystemError, SRUDiagnostic, UnsupportedParameterValue
from sru.explain import ZEEREX_SCHEMA, explain_record
from sru.request import BadSoap, SruRequest, build_request, read_params
from sru.responses import (
    Builder,
    namespaces,
    record_text,
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
    if request.operation == "searchRetrieve":
        root, failure = search_retrieve(backend, request, settings, scope)
    elif request.operation == "scan":
        root, failure = scan(backend, request, settings, scope)
    else:
        root, failure = explain(request, settings)
    return _render(request, root, failure, settings)


def explain(request: SruRequest, settings: SruSettings,
            ) -> tuple[etree._Element, SRUDiagnostic | None]:
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
        build.record(root, ZEEREX_SCHEMA, explain_record(settings, request.version), 1,
                     as_string)
        record = root[-1]
        record.remove(record[-1])  # explain records carry no recordPosition
    echo = build.add(root, "echoedExplainRequest")
    build.add(echo, "version", request.version)
    if failure is not None:
        build.diagnostics(root, [failure])
    return root, failure


def _general_failure(request: SruRequest) -> etree._Element:
    build = Builder(request.version, scan=request.operation == "scan")
    name = {"searchRetrieve": "searchRetrieveResponse", "scan": "scanResponse"}.get(
        request.operation, "explainResponse")
    root = build.root(name)
    if request.operation == "searchRetrieve":
        build.add(root, "numberOfRecords", "0")
    build.diagnostics(root, [GeneralSystemError()])
    return root


def _render(request: SruRequest, root: etree._Element, failure: SRUDiagnostic | None,
            settings: SruSettings) -> SruResponse:
    status = 200
    if request.is_v2 and failure is not None:
        status = failure.http_status
    stylesheet = safe_stylesheet(request.get("stylesheet"))
    if request.binding == "soap":
        return SruResponse(status if request.is_v2 else 200, {"Content-Type": XML_1},
                           soap_envelope(root))
    if not request.is_v2:
        return SruResponse(status, {"Content-Type": XML_1}, serialize(root, stylesheet))
    accept = request.get("httpAccept").split(";", 1)[0].strip().lower() or "application/sru+xml"
    if accept not in ACCEPTED:
        diag = UnsupportedParameterValue(f"httpAccept: {request.get('httpAccept')}")
        build = Builder(request.version)
        _replace_diagnostics(root, build, diag)
        return SruResponse(diag.http_status, {"Content-Type": XML_2}, serialize(root))
    if ACCEPTED[accept] == JSON:
        return SruResponse(status, {"Content-Type": JSON}, _json(root, request))
    return SruResponse(status, {"Content-Type": ACCEPTED[accept]}, serialize(root, stylesheet))


def _replace_diagnostics(root: etree._Element, build: Builder, diag: SRUDiagnostic) -> None:
    ns = namespaces(build.version)
    for old in root.findall(f"{{{ns.response}}}diagnostics") + root.findall(
            f"{{{ns.scan}}}diagnostics"):
        root.remove(old)
    holder = etree.SubElement(root, f"{{{root.nsmap[root.prefix]}}}diagnostics")
    holder.append(build.diagnostic(diag))


def _json(root: etree._Element, request: SruRequest) -> bytes:
    """SRU 2.0 ``httpAccept=application/json``: the response's fields, records as XML text."""
    data: dict[str, object] = {"version": request.version, "operation": request.operation}
    for child in root:
        name = etree.QName(child).localname
        if name in ("numberOfRecords", "nextRecordPosition", "resultCountPrecision"):
            data[name] = int(child.text or 0) if name != "resultCountPrecision" else child.text
        elif name == "records":
            data["records"] = [_json_record(r) for r in child]
        elif name == "terms":
            data["terms"] = [{etree.QName(x).localname: x.text for x in term} for term in child]
        elif name == "record":
            data["record"] = _json_record(child)
        elif name == "diagnostics":
            data["diagnostics"] = [{etree.QName(x).localname: x.text for x in diag}
                                   for diag in child]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _json_record(record: etree._Element) -> dict[str, object]:
    out: dict[str, object] = {}
    for part in record:
        name = etree.QName(part).localname
        if name == "recordData":
            out[name] = part.text if len(part) == 0 else record_text(part)
        elif name == "recordPosition":
            out[name] = int(part.text or 0)
        else:
            out[name] = part.text
    return out
