"""A RawRecord's bytes -> a repaired, NFC ``Record`` in whichever syntax it came."""

from __future__ import annotations

from lxml import etree

from harvesters.raw import RawRecord
from normalizers.decode import Decoded, decode_iso2709, record_from_fields
from normalizers.marc import MarcError, from_marcxml_element

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def parse_raw(raw: RawRecord) -> Decoded:
    """Raises MarcError (with a reason for the set-aside list) if it cannot be read."""
    if raw.error:
        raise MarcError(raw.error)
    if raw.syntax == "iso2709":
        return decode_iso2709(raw.data)
    if raw.syntax == "marcxml":
        return _from_marcxml(raw.data)
    if raw.syntax == "oai_dc":
        from normalizers.dublin_core import dc_to_record

        return dc_to_record(raw.data)
    raise MarcError(f"unknown record syntax {raw.syntax!r}")


def _from_marcxml(data: bytes) -> Decoded:
    try:
        element = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise MarcError(f"invalid XML: {error.msg}") from error
    record = from_marcxml_element(element)
    return record_from_fields(record.leader, record.fields)
