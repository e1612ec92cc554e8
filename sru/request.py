"""An SRU request from any binding (GET, form POST, SOAP) -> one ``SruRequest``.

Version negotiation follows the SRU version rules: a request's version is also the
highest version the client accepts, so we answer in the highest version we support that
is not above it; below 1.1 is diagnostic 5. SRU 2.0 requests may omit ``version`` and
``operation``: the operation is then inferred (query -> searchRetrieve, scanClause ->
scan, otherwise explain).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from lxml import etree

from sru.diagnostics import (
    MandatoryParameterNotSupplied,
    SRUDiagnostic,
    UnsupportedOperation,
    UnsupportedParameter,
    UnsupportedVersion,
)

Version = Literal["1.1", "1.2", "2.0"]
Operation = Literal["explain", "searchRetrieve", "scan"]
Binding = Literal["get", "post", "soap"]
VERSIONS: tuple[Version, ...] = ("1.1", "1.2", "2.0")
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"

_COMMON = {"version", "operation", "stylesheet", "extraRequestData"}
ALLOWED: dict[tuple[str, Operation], frozenset[str]] = {
    ("1", "searchRetrieve"): frozenset(_COMMON | {
        "query", "startRecord", "maximumRecords", "recordPacking", "recordSchema",
        "recordXPath", "resultSetTTL", "sortKeys"}),
    ("2", "searchRetrieve"): frozenset(_COMMON | {
        "query", "queryType", "startRecord", "maximumRecords", "recordPacking",
        "recordXMLEscaping", "recordSchema", "resultSetTTL", "sortKeys", "httpAccept",
        "renderedBy", "responseType"}),
    ("1", "scan"): frozenset(_COMMON | {"scanClause", "responsePosition", "maximumTerms"}),
    ("2", "scan"): frozenset(_COMMON | {"scanClause", "responsePosition", "maximumTerms",
                                        "httpAccept", "renderedBy", "responseType"}),
    ("1", "explain"): frozenset(_COMMON | {"recordPacking"}),
    ("2", "explain"): frozenset(_COMMON | {"recordXMLEscaping", "recordPacking",
                                           "httpAccept", "renderedBy", "responseType"}),
}
OPERATION_OF_ELEMENT: dict[str, Operation] = {
    "searchRetrieveRequest": "searchRetrieve", "scanRequest": "scan",
    "explainRequest": "explain"}


@dataclass
class SruRequest:
    version: Version
    operation: Operation
    params: dict[str, str]
    binding: Binding = "get"
    #: a diagnostic found while reading the request, answered in ``version``/``operation``
    problem: SRUDiagnostic | None = None
    ignored: list[str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    @property
    def is_v2(self) -> bool:
        return self.version == "2.0"


class BadSoap(ValueError):
    """A SOAP body we cannot read (answered with a SOAP Client fault)."""


def negotiate(requested: str, default: Version) -> tuple[Version, SRUDiagnostic | None]:
    if not requested:
        return default, None
    try:
        major, minor = (int(x) for x in requested.strip().split(".", 1))
    except ValueError:
        return default, UnsupportedVersion(requested)
    wanted = (major, minor)
    if wanted < (1, 1):
        return "1.1", UnsupportedVersion(requested)
    best: Version = "1.1"
    for version in VERSIONS:
        if tuple(int(x) for x in version.split(".")) <= wanted:
            best = version
    return best, None


_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Lone surrogates, control characters and the noncharacters U+FFFE/U+FFFF (not XML
    text, not search text) replaced by spaces."""
    return _UNCLEAN.sub(" ", text)


def read_params(params: Mapping[str, str], *, method: str, body: bytes,
                content_type: str) -> tuple[dict[str, str], Binding, str]:
    """(parameters, binding, SOAP operation element or "") from any binding, cleaned."""
    found, binding, element = _read_params(params, method=method, body=body,
                                           content_type=content_type)
    return {clean(k): clean(v) for k, v in found.items()}, binding, element


def _read_params(params: Mapping[str, str], *, method: str, body: bytes,
                 content_type: str) -> tuple[dict[str, str], Binding, str]:
    mime = content_type.split(";", 1)[0].strip().lower()
    if method.upper() == "POST" and (mime in ("text/xml", "application/soap+xml",
                                              "application/xml")
                                     or (not mime and body.lstrip().startswith(b"<"))):
        soap_params, element = read_soap(body)
        return soap_params, "soap", element
    merged = {k: v for k, v in params.items()}
    if method.upper() == "POST":
        text = body.decode("utf-8", "replace")
        for name, value in parse_qsl(text, keep_blank_values=True):
            merged.setdefault(name, value)
        return merged, "post", ""
    return merged, "get", ""


def read_soap(body: bytes) -> tuple[dict[str, str], str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise BadSoap(f"request body is not well-formed XML: {error}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise BadSoap("expected a SOAP 1.1 Envelope")
    body_el = root.find(f"{{{SOAP_NS}}}Body")
    if body_el is None or len(body_el) == 0:
        raise BadSoap("SOAP Body is missing or empty")
    request = body_el[0]
    if not isinstance(request.tag, str):
        raise BadSoap("SOAP Body holds no request element")
    element = etree.QName(request).localname
    params: dict[str, str] = {}
    for child in request:
        if isinstance(child.tag, str) and len(child) == 0:
            params[etree.QName(child).localname] = (child.text or "").strip()
    return params, element


def build_request(params: dict[str, str], binding: Binding, soap_element: str,
                  default_version: Version) -> SruRequest:
    version, problem = negotiate(params.get("version", ""), default_version)
    if binding == "soap":
        if version == "2.0":
            version = "1.2"  # SOAP is an SRW (1.x) binding
        operation: Operation = OPERATION_OF_ELEMENT.get(soap_element, "explain")
        if soap_element not in OPERATION_OF_ELEMENT and problem is None:
            problem = UnsupportedOperation(soap_element)
    else:
        operation, op_problem = _operation(params, version)
        problem = problem or op_problem
    request = SruRequest(version, operation, params, binding, problem)
    if request.problem is None:
        request.problem = _unknown_parameter(request)
    return request


def _operation(params: Mapping[str, str], version: Version,
               ) -> tuple[Operation, SRUDiagnostic | None]:
    name = params.get("operation", "")
    if name in ("searchRetrieve", "scan", "explain"):
        return name, None  # type: ignore[return-value]
    if name:
        return "explain", UnsupportedOperation(name)
    if version == "2.0" or "version" not in params:
        if "query" in params:
            return "searchRetrieve", None
        if "scanClause" in params:
            return "scan", None
    elif "query" in params or "scanClause" in params:
        return "explain", MandatoryParameterNotSupplied("operation")
    return "explain", None


def _unknown_parameter(request: SruRequest) -> SRUDiagnostic | None:
    allowed = ALLOWED[(request.version[0], request.operation)]
    for name in request.params:
        if name.startswith("x-"):
            request.ignored.append(name)
        elif name not in allowed:
            return UnsupportedParameter(name)
    return None
