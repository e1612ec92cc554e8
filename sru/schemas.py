"""Record schemas we serve: name, identifier, title and the renderer for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from normalizers.export import marcxml_text_of, record_of
from search.document import CatalogDocument
from sru.dc import dc_element
from sru.diagnostics import UnknownSchemaForRetrieval
from sru.mods import mods_element

# A renderer gives an element, or well-formed XML text that responses splice in as is
# (MARCXML, the hot path: no parse into a tree and back).
Renderer = Callable[[CatalogDocument], etree._Element | str]


@dataclass(frozen=True)
class RecordSchema:
    name: str
    identifier: str
    title: str
    location: str
    render: Renderer
    aliases: tuple[str, ...] = ()


def _mods(doc: CatalogDocument) -> etree._Element:
    return mods_element(record_of(doc))


SCHEMAS: tuple[RecordSchema, ...] = (
    RecordSchema("marcxml", "info:srw/schema/1/marcxml-v1.1",
                 "MARC21 slim (MARCXML) with 852 holdings",
                 "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                 marcxml_text_of,
                 ("marc21", "marc21xml", "marcxml-v1.1", "info:srw/schema/1/marcxml-v1.1-light",
                  "http://www.loc.gov/marc21/slim", "http://www.loc.gov/MARC21/slim")),
    RecordSchema("dc", "info:srw/schema/1/dc-v1.1", "Dublin Core (SRW DC)",
                 "http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd",
                 dc_element, ("dc-v1.1", "info:srw/schema/1/dc-schema",
                              "http://purl.org/dc/elements/1.1/")),
    RecordSchema("mods", "info:srw/schema/1/mods-v3.7", "MODS 3.7 (mapped from MARC)",
                 "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd", _mods,
                 ("mods3", "info:srw/schema/1/mods-v3.6", "info:srw/schema/1/mods-v3.5",
                  "info:srw/schema/1/mods-v3.4", "info:srw/schema/1/mods-v3.3",
                  "http://www.loc.gov/mods/v3")),
)
DEFAULT = SCHEMAS[0]


def find_schema(requested: str) -> RecordSchema:
    """The schema a request names (short name or identifier), or diagnostic 66."""
    key = requested.strip().lower()
    if not key:
        return DEFAULT
    for schema in SCHEMAS:
        if key in (schema.name, schema.identifier.lower()) or key in (
                a.lower() for a in schema.aliases):
            return schema
    raise UnknownSchemaForRetrieval(requested)
