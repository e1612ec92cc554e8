"""The SRW Dublin Core record schema (info:srw/schema/1/dc-v1.1) of a catalog entry."""

from __future__ import annotations

from lxml import etree

from search.document import CatalogDocument

SRW_DC_NS = "info:srw/schema/1/dc-schema"
DC_NS = "http://purl.org/dc/elements/1.1/"


def dc_element(doc: CatalogDocument) -> etree._Element:
    root = etree.Element(f"{{{SRW_DC_NS}}}dc", nsmap={"srw_dc": SRW_DC_NS, "dc": DC_NS})

    def add(name: str, value: str) -> None:
        if value:
            etree.SubElement(root, f"{{{DC_NS}}}{name}").text = _clean(value)

    add("title", doc.title)
    for creator in doc.creators:
        add("creator", creator)
    for subject in doc.subjects:
        add("subject", subject)
    for note in doc.notes:
        add("description", note)
    add("publisher", ", ".join(x for x in (doc.place, doc.publisher) if x))
    add("date", str(doc.year) if doc.year else "")
    add("type", doc.format)
    add("format", doc.physical)
    for isbn in doc.isbns:
        add("identifier", f"URN:ISBN:{isbn}")
    for issn in doc.issns:
        add("identifier", f"URN:ISSN:{issn}")
    for other in doc.identifiers:
        add("identifier", other)
    add("language", doc.language)
    for series in doc.series:
        add("relation", series)
    for holding in doc.holdings:
        add("source", " ".join(x for x in (holding.library, holding.library_name,
                                            holding.call_number) if x))
    return root


def _clean(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
