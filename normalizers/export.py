"""A catalog entry as a cataloguer copies it: the preferred record plus every holding.

Holdings are added as 852 fields ($a library code, $b library name, $h call number), so
copy cataloguing through SRU, Z39.50 or the API gets the best record and who holds it.
"""

from __future__ import annotations

from normalizers import splice
from normalizers.marc import (
    Field,
    Record,
    assemble_iso2709,
    read_trusted,
    split_iso2709,
    to_iso2709,
    to_marcxml,
    xml_text,
)
from search.document import CatalogDocument, Holding


def record_of(doc: CatalogDocument, with_holdings: bool = True) -> Record:
    """The entry's preferred MARC record (decoded), with its visible holdings as 852s."""
    record = read_trusted(doc.marc) if doc.marc else _minimal(doc)
    if with_holdings:
        record.fields = [f for f in record.fields if f.tag != "852"]
        record.fields += _holding_fields(doc)
    return record


def _holding_field(code: str, name: str, call_number: str) -> Field:
    subfields = [("a", code)]
    if name:
        subfields.append(("b", name))
    if call_number:
        subfields.append(("h", call_number))
    return Field("852", " ", " ", subfields)


def _minimal(doc: CatalogDocument) -> Record:
    """A skeleton record for entries that came without MARC (Dublin Core feeds)."""
    fields = [Field("001", data=doc.id)]
    fields += [Field("020", " ", " ", [("a", isbn)]) for isbn in doc.isbns]
    if doc.creators:
        fields.append(Field("100", "1", " ", [("a", doc.creators[0])]))
    fields.append(Field("245", "0", "0", [("a", doc.title)]))
    if doc.publisher or doc.year:
        fields.append(Field("260", " ", " ", [("b", doc.publisher), ("c", str(doc.year or ""))]))
    fields += [Field("650", " ", "4", [("a", s)]) for s in doc.subjects]
    return Record("00000nam a2200000 a 4500", fields)


def iso2709_of(doc: CatalogDocument, with_holdings: bool = True) -> bytes:
    """Spliced from the stored bytes (no decode and re-encode): Z39.50's hot path."""
    if not doc.marc:
        return to_iso2709(record_of(doc, with_holdings))
    encoded = [holding_iso2709(h) for h in doc.holdings] if with_holdings else []
    spliced = splice.iso2709(doc.marc, encoded) if with_holdings else None
    if spliced is not None:
        return spliced
    leader, stored = split_iso2709(doc.marc)
    fields = [(tag, data + b"\x1e") for tag, data in stored
              if not (with_holdings and tag == "852")]
    fields += [("852", field) for field in encoded]
    return assemble_iso2709(leader, fields)


def holding_iso2709(holding: Holding) -> bytes:
    """``encode_field`` of the holding's 852, written directly (every Z39.50 record)."""
    text = f"  \x1fa{holding.library}"
    if holding.library_name:
        text += f"\x1fb{holding.library_name}"
    if holding.call_number:
        text += f"\x1fh{holding.call_number}"
    return (text + "\x1e").encode("utf-8")


def holding_xml(holding: Holding) -> str:
    """``field_xml`` of the holding's 852, written directly (every SRU record)."""
    text = ('<datafield tag="852" ind1=" " ind2=" "><subfield code="a">'
            f"{xml_text(holding.library)}</subfield>")
    if holding.library_name:
        text += f'<subfield code="b">{xml_text(holding.library_name)}</subfield>'
    if holding.call_number:
        text += f'<subfield code="h">{xml_text(holding.call_number)}</subfield>'
    return text + "</datafield>"


def _holding_fields(doc: CatalogDocument) -> list[Field]:
    return [_holding_field(h.library, h.library_name, h.call_number) for h in doc.holdings]


def marcxml_of(doc: CatalogDocument, with_holdings: bool = True) -> bytes:
    return marcxml_text_of(doc, with_holdings).encode("utf-8")


def marcxml_text_of(doc: CatalogDocument, with_holdings: bool = True) -> str:
    """The MARCXML as text (SRU splices it into responses without re-parsing); written
    from the stored bytes when they allow it, else through a decoded ``Record``."""
    if doc.marc and with_holdings:
        spliced = splice.marcxml(doc.marc, [holding_xml(h) for h in doc.holdings])
        if spliced is not None:
            return spliced
    return to_marcxml(record_of(doc, with_holdings)).decode("utf-8")
