"""Catalog entries as Z39.50 retrieval records: USMARC/MARC21, MARCXML and SUTRS.

Element set F is the entry's preferred record with every visible holding as 852; B keeps
the identifying fields (control numbers, ISBN, main entry, title, edition, imprint,
extent) and the 852s.
"""

from __future__ import annotations

from normalizers.export import iso2709_of, record_of
from normalizers.marc import Record, to_iso2709, to_marcxml
from search.document import CatalogDocument
from z3950 import diagnostics as d
from z3950.pdu import SUTRS, USMARC, XML_APPLICATION, XML_TEXT

SYNTAXES = {USMARC: "USMARC", XML_TEXT: "XML", XML_APPLICATION: "XML", SUTRS: "SUTRS"}
ELEMENT_SETS = ("F", "B")
BRIEF_TAGS = frozenset({"001", "003", "005", "008", "010", "020", "022", "035", "100", "110",
                        "111", "130", "245", "250", "260", "264", "300", "852"})


def check_syntax(syntax: str | None) -> str:
    """The record syntax to use (USMARC by default); raises diagnostic 239."""
    chosen = syntax or USMARC
    if chosen not in SYNTAXES:
        raise d.RecordSyntaxNotSupported(chosen)
    return chosen


def check_element_set(name: str | None) -> str:
    """The element set to use (F by default); raises diagnostic 25."""
    chosen = (name or "F").upper()
    if chosen not in ELEMENT_SETS:
        raise d.ElementSetNameNotValid(name or "")
    return chosen


def render(doc: CatalogDocument, syntax: str, element_set: str) -> bytes:
    if syntax == USMARC and element_set == "F":
        return doc.public_usmarc or iso2709_of(doc)
    record = record_of(doc)
    if element_set == "B":
        record = Record(record.leader, [f for f in record.fields if f.tag in BRIEF_TAGS])
    if syntax == USMARC:
        return to_iso2709(record)
    if syntax in (XML_TEXT, XML_APPLICATION):
        return to_marcxml(record)
    return sutrs(record).encode("utf-8")


def sutrs(record: Record) -> str:
    """A plain-text rendering, one field per line, as YAZ's "line" format shows MARC."""
    lines = [record.leader]
    for fld in record.fields:
        if fld.data is not None:
            lines.append(f"{fld.tag} {fld.data}")
            continue
        subfields = " ".join(f"${code} {value}" for code, value in fld.subfields)
        lines.append(f"{fld.tag} {fld.ind1}{fld.ind2} {subfields}")
    return "\n".join(lines) + "\n"
