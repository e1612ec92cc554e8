"""SRU response documents for 1.1/1.2 (SRW namespace) and 2.0 (OASIS namespaces).

searchRetrieve responses are written as text (sru.searchresponse); explain and scan,
rarely asked and small, are lxml trees built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from lxml import etree

from sru.diagnostics import SRUDiagnostic
from sru.request import SOAP_NS, Version
from sru.xmltext import Namespace, valid


@dataclass(frozen=True)
class Namespaces:
    response: str  # searchRetrieve and explain responses
    scan: str
    diagnostic: str
    response_prefix: str
    scan_prefix: str


SRW_1 = Namespaces("http://www.loc.gov/zing/srw/", "http://www.loc.gov/zing/srw/",
                   "http://www.loc.gov/zing/srw/diagnostic/", "zs", "zs")
SRU_2 = Namespaces("http://docs.oasis-open.org/ns/search-ws/sruResponse",
                   "http://docs.oasis-open.org/ns/search-ws/scan",
                   "http://docs.oasis-open.org/ns/search-ws/diagnostic",
                   "sruResponse", "scan")
DIAGNOSTIC_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def namespaces(version: Version) -> Namespaces:
    return SRU_2 if version == "2.0" else SRW_1


@cache
def response_namespace(version: Version) -> Namespace:
    """The searchRetrieve (and explain) response namespace of ``version``, for text."""
    ns = namespaces(version)
    return Namespace(ns.response_prefix, ns.response)


def packing_name(version: Version) -> str:
    """The element saying whether a record is XML or an escaped string."""
    return "recordXMLEscaping" if version == "2.0" else "recordPacking"


class Document(Protocol):
    """A response ready to send, however it was built."""

    def xml(self) -> bytes:
        """The response element as UTF-8, without XML declaration."""

    def fields(self) -> dict[str, object]:
        """Its content for ``httpAccept=application/json``."""

    def replace_diagnostics(self, diag: SRUDiagnostic) -> None:
        """Answer ``diag`` instead of any diagnostics it held."""


def diagnostic_xml(version: Version, diag: SRUDiagnostic) -> str:
    ns = namespaces(version)
    d = Namespace("diag", ns.diagnostic)
    details = d.text("details", diag.details) if diag.details else ""
    return d.wrap("diagnostic", d.text("uri", diag.uri) + details
                  + d.text("message", diag.message), declare=True)


def diagnostic_fields(diag: SRUDiagnostic) -> dict[str, str]:
    """A diagnostic in JSON: its elements' local names and texts."""
    if diag.details:
        return {"uri": diag.uri, "details": valid(diag.details), "message": diag.message}
    return {"uri": diag.uri, "message": diag.message}


class Builder:
    """Elements in one response namespace, in the order the schemas require."""

    def __init__(self, version: Version, scan: bool = False) -> None:
        self.version = version
        self.ns = namespaces(version)
        self.uri = self.ns.scan if scan else self.ns.response
        self.prefix = self.ns.scan_prefix if scan else self.ns.response_prefix

    def root(self, name: str) -> etree._Element:
        root = etree.Element(f"{{{self.uri}}}{name}", nsmap={self.prefix: self.uri})
        self.add(root, "version", self.version)
        return root

    def add(self, parent: etree._Element, name: str, text: str | None = None,
            ) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.uri}}}{name}")
        if text is not None:
            element.text = text
        return element

    def diagnostic(self, diag: SRUDiagnostic) -> etree._Element:
        return etree.fromstring(diagnostic_xml(self.version, diag))

    def diagnostics(self, parent: etree._Element, diags: Sequence[SRUDiagnostic]) -> None:
        if diags:
            holder = self.add(parent, "diagnostics")
            for diag in diags:
                holder.append(self.diagnostic(diag))

    def record(self, parent: etree._Element, schema: str, data: etree._Element,
               as_string: bool) -> etree._Element:
        """A record without position: packed as XML or as an escaped string (1.x
        recordPacking=string, 2.0 recordXMLEscaping=string)."""
        record = self.add(parent, "record")
        self.add(record, "recordSchema", schema)
        self.add(record, packing_name(self.version), "string" if as_string else "xml")
        holder = self.add(record, "recordData")
        if as_string:
            holder.text = etree.tostring(data, encoding="unicode")
        else:
            holder.append(data)
        return record


class Tree:
    """A response built as an lxml tree (explain, scan, a general failure)."""

    def __init__(self, root: etree._Element, version: Version) -> None:
        self.root = root
        self.version = version

    def xml(self) -> bytes:
        return etree.tostring(self.root, encoding="utf-8")

    def fields(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for child in self.root:
            name = etree.QName(child).localname
            if name in ("numberOfRecords", "nextRecordPosition"):
                data[name] = int(child.text or 0)
            elif name == "resultCountPrecision":
                data[name] = child.text
            elif name == "records":
                data["records"] = [_record_fields(r) for r in child]
            elif name == "terms":
                data["terms"] = [{etree.QName(x).localname: x.text for x in term}
                                 for term in child]
            elif name == "record":
                data["record"] = _record_fields(child)
            elif name == "diagnostics":
                data["diagnostics"] = [{etree.QName(x).localname: x.text for x in diag}
                                       for diag in child]
        return data

    def replace_diagnostics(self, diag: SRUDiagnostic) -> None:
        uri = self.root.nsmap[self.root.prefix]
        for old in self.root.findall(f"{{{uri}}}diagnostics"):
            self.root.remove(old)
        holder = etree.SubElement(self.root, f"{{{uri}}}diagnostics")
        holder.append(etree.fromstring(diagnostic_xml(self.version, diag)))


def _record_fields(record: etree._Element) -> dict[str, object]:
    out: dict[str, object] = {}
    for part in record:
        name = etree.QName(part).localname
        if name == "recordData":
            out[name] = part.text if len(part) == 0 else etree.tostring(part[0],
                                                                        encoding="unicode")
        elif name == "recordPosition":
            out[name] = int(part.text or 0)
        else:
            out[name] = part.text
    return out


def serialize(payload: bytes, stylesheet: str = "") -> bytes:
    """The document around a response element (``Document.xml``)."""
    if stylesheet:
        return (XML_DECLARATION + b'<?xml-stylesheet type="text/xsl" href="'
                + stylesheet.encode("utf-8") + b'"?>\n' + payload)
    return XML_DECLARATION + payload


_ENVELOPE = f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_NS}"><SOAP-ENV:Body>'.encode()


def soap_envelope(payload: bytes) -> bytes:
    return XML_DECLARATION + _ENVELOPE + payload + b"</SOAP-ENV:Body></SOAP-ENV:Envelope>"


def soap_fault(reason: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_NS})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_NS}}}Body"),
                             f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(fault, "faultstring").text = valid(reason)
    return XML_DECLARATION + etree.tostring(envelope, encoding="utf-8")


def safe_stylesheet(value: str) -> str:
    """A stylesheet URL we can echo in a processing instruction, or ""."""
    if not value or len(value) > 500 or any(c in value for c in '"<>?\\') or not all(
            c.isprintable() for c in value):
        return ""
    return value
