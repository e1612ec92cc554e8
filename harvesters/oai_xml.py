"""OAI-PMH response parsing: Identify, ListRecords pages and protocol errors.

Only framing: each record's metadata element is cut out as bytes (MARCXML ``<record>`` or
``<oai_dc:dc>``) and becomes a RawRecord whose local id is the OAI identifier. Characters
XML 1.0 forbids are removed first and counted, so one bad byte does not lose a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from harvesters.raw import RawRecord, Syntax

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
NS = {"oai": OAI_NS, "marc": "http://www.loc.gov/MARC21/slim",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}
_INVALID_RAW = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INVALID_REF = re.compile(rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])"
                          rb"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class OaiError(Exception):
    """An OAI-PMH <error> in a response; ``code`` as the spec names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class FeedError(Exception):
    """A response that is not OAI-PMH at all (HTML error page, truncated XML...)."""


@dataclass(frozen=True)
class IdentifyInfo:
    granularity: str  # "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ"
    earliest: str
    deleted_record: str
    repository_name: str

    @property
    def seconds(self) -> bool:
        return "hh" in self.granularity


@dataclass
class Page:
    records: list[RawRecord] = field(default_factory=list)
    token: str | None = None
    complete_list_size: int | None = None
    cleaned_chars: int = 0

    @property
    def high_water(self) -> str | None:
        stamps = [full_datestamp(r.datestamp) for r in self.records if r.datestamp]
        return max(stamps) if stamps else None


def clean_xml(data: bytes) -> tuple[bytes, int]:
    """Drop control characters XML 1.0 forbids (raw or as references); count them."""
    data, raw_count = _INVALID_RAW.subn(b"", data)
    data, ref_count = _INVALID_REF.subn(b"", data)
    return data, raw_count + ref_count


def parse_response(data: bytes, verb: str) -> tuple[etree._Element, int]:
    """The verb element of a response; raises OaiError / FeedError."""
    cleaned, count = clean_xml(data)
    try:
        root = etree.fromstring(cleaned, _PARSER)
    except etree.XMLSyntaxError as error:
        raise FeedError(f"response is not well-formed XML: {error.msg}") from error
    if etree.QName(root).localname != "OAI-PMH":
        raise FeedError(f"response root is <{etree.QName(root).localname}>, not <OAI-PMH>")
    for err in root.findall("oai:error", NS):
        raise OaiError(err.get("code", "unknown"), (err.text or "").strip())
    body = root.find(f"oai:{verb}", NS)
    if body is None:
        raise FeedError(f"response has no <{verb}> element")
    return body, count


def parse_identify(data: bytes) -> IdentifyInfo:
    body, _ = parse_response(data, "Identify")
    return IdentifyInfo(granularity=_text(body, "granularity") or "YYYY-MM-DD",
                        earliest=_text(body, "earliestDatestamp"),
                        deleted_record=_text(body, "deletedRecord"),
                        repository_name=_text(body, "repositoryName"))


def parse_list_records(data: bytes, prefix: str, origin: str) -> Page:
    """One ListRecords page; ``noRecordsMatch`` is an empty, final page."""
    try:
        body, cleaned = parse_response(data, "ListRecords")
    except OaiError as error:
        if error.code == "noRecordsMatch":
            return Page()
        raise
    page = Page(cleaned_chars=cleaned)
    for position, element in enumerate(body.iterfind("oai:record", NS), start=1):
        page.records.append(_raw_record(element, prefix, origin, position))
    token = body.find("oai:resumptionToken", NS)
    if token is not None:
        page.token = (token.text or "").strip() or None
        size = token.get("completeListSize")
        page.complete_list_size = int(size) if size and size.isdigit() else None
    return page


def _raw_record(element: etree._Element, prefix: str, origin: str,
                position: int) -> RawRecord:
    header = element.find("oai:header", NS)
    if header is None:
        return RawRecord(etree.tostring(element), _syntax(prefix), position, origin,
                         error="OAI record without a <header>")
    identifier = _text(header, "identifier")
    datestamp = _text(header, "datestamp") or None
    where = f"{origin} {identifier}".strip()
    if not identifier:
        return RawRecord(etree.tostring(element), _syntax(prefix), position, where,
                         error="OAI record header without an <identifier>")
    if header.get("status") == "deleted":
        return RawRecord(b"", _syntax(prefix), position, where, local_id=identifier,
                         datestamp=datestamp, deleted=True)
    payload = _payload(element, prefix)
    if payload is None:
        return RawRecord(etree.tostring(element), _syntax(prefix), position, where,
                         local_id=identifier, datestamp=datestamp,
                         error=f"OAI record without {prefix} metadata")
    return RawRecord(etree.tostring(payload), _syntax(prefix), position, where,
                     local_id=identifier, datestamp=datestamp)


def _payload(element: etree._Element, prefix: str) -> etree._Element | None:
    metadata = element.find("oai:metadata", NS)
    if metadata is None:
        return None
    if prefix == "oai_dc":
        return metadata.find("oai_dc:dc", NS)
    found = metadata.find(".//marc:record", NS)
    if found is None:  # MARCXML without its namespace
        found = next((e for e in metadata.iter() if isinstance(e.tag, str)
                      and etree.QName(e).localname == "record"), None)
    return found


def _syntax(prefix: str) -> Syntax:
    return "oai_dc" if prefix == "oai_dc" else "marcxml"


def _text(parent: etree._Element, name: str) -> str:
    found = parent.find(f"oai:{name}", NS)
    return (found.text or "").strip() if found is not None else ""


def full_datestamp(stamp: str) -> str:
    """A datestamp at seconds granularity (a day becomes its first second)."""
    stamp = stamp.strip()
    if "T" not in stamp:
        return f"{stamp[:10]}T00:00:00Z"
    return stamp[:19] + "Z" if not stamp.endswith("Z") or "." in stamp else stamp


def at_granularity(stamp: str, seconds: bool) -> str:
    """A stored datestamp written as the feed's granularity asks for 'from'."""
    full = full_datestamp(stamp)
    return full if seconds else full[:10]
