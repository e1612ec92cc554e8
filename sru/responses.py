"""SRU response documents for 1.1/1.2 (SRW namespace) and 2.0 (OASIS namespaces)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from sru.diagnostics import SRUDiagnostic
from sru.request import SOAP_NS, Version


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
# Record XML rendered as text travels in the tree as this processing instruction and is
# unwrapped when the response is serialized (escaped text never contains "?>").
SPLICE = "unioncat-record"
_SPLICE_OPEN = b"<?" + SPLICE.encode() + b" "


def unsplice(xml: bytes) -> bytes:
    """The response with every spliced record's text in place of its instruction (split
    and find, not a lazy regex: a response carries tens of kilobytes of records)."""
    parts = xml.split(_SPLICE_OPEN)
    out = [parts[0]]
    for part in parts[1:]:
        end = part.index(b"?>")
        out += (part[:end], part[end + 2:])
    return b"".join(out)


def record_text(holder: etree._Element) -> str:
    """A recordData's record as XML text (spliced or element)."""
    child = holder[0]
    if isinstance(child, etree._ProcessingInstruction):
        return str(child.text or "")
    return etree.tostring(child, encoding="unicode")


def namespaces(version: Version) -> Namespaces:
    return SRU_2 if version == "2.0" else SRW_1


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
        ns = self.ns.diagnostic
        element = etree.Element(f"{{{ns}}}diagnostic", nsmap={"diag": ns})
        etree.SubElement(element, f"{{{ns}}}uri").text = diag.uri
        if diag.details:
            etree.SubElement(element, f"{{{ns}}}details").text = _xml_text(diag.details)
        etree.SubElement(element, f"{{{ns}}}message").text = diag.message
        return element

    def diagnostics(self, parent: etree._Element, diags: Sequence[SRUDiagnostic]) -> None:
        if diags:
            holder = self.add(parent, "diagnostics")
            for diag in diags:
                holder.append(self.diagnostic(diag))

    def record(self, parent: etree._Element, schema: str, data: etree._Element | str,
               position: int, as_string: bool) -> etree._Element:
        """A record: packed as XML or as an escaped string (1.x recordPacking=string,
        2.0 recordXMLEscaping=string)."""
        record = self.add(parent, "record")
        self.add(record, "recordSchema", schema)
        if self.version == "2.0":
            self.add(record, "recordXMLEscaping", "string" if as_string else "xml")
        else:
            self.add(record, "recordPacking", "string" if as_string else "xml")
        holder = self.add(record, "recordData")
        if as_string:
            holder.text = data if isinstance(data, str) else etree.tostring(data,
                                                                             encoding="unicode")
        elif isinstance(data, str):
            holder.append(etree.ProcessingInstruction(SPLICE, data))
        else:
            holder.append(data)
        self.add(record, "recordPosition", str(position))
        return record


def _xml_text(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def serialize(root: etree._Element, stylesheet: str = "") -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if stylesheet:
        head += (b'<?xml-stylesheet type="text/xsl" href="' + stylesheet.encode("utf-8")
                 + b'"?>\n')
    return head + unsplice(etree.tostring(root, encoding="utf-8"))


def soap_envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_NS})
    etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(payload)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + unsplice(etree.tostring(
        envelope, encoding="utf-8"))


def soap_fault(reason: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_NS})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_NS}}}Body"),
                             f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(fault, "faultstring").text = _xml_text(reason)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        envelope, encoding="utf-8")


def safe_stylesheet(value: str) -> str:
    """A stylesheet URL we can echo in a processing instruction, or ""."""
    if not value or len(value) > 500 or any(c in value for c in '"<>?\\') or not all(
            c.isprintable() for c in value):
        return ""
    return value
