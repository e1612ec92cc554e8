"""The ZeeRex explain record: every index, schema, default, limit and sort support."""

from __future__ import annotations

from lxml import etree

from sru import indexes
from sru.request import Version
from sru.schemas import SCHEMAS
from sru.settings import SruSettings

ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
ZEEREX_SCHEMA = ZEEREX_NS


def _z(name: str) -> str:
    return f"{{{ZEEREX_NS}}}{name}"


def _sub(parent: etree._Element, local: str, text: str | None = None, /,
         **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _z(local), attrib=attrs)
    if text is not None:
        element.text = text
    return element


def explain_record(settings: SruSettings, version: Version) -> etree._Element:
    root = etree.Element(_z("explain"), nsmap={None: ZEEREX_NS})  # type: ignore[dict-item]
    server = _sub(root, "serverInfo", protocol="SRU", version=version, transport="http",
                  method="GET POST SOAP")
    _sub(server, "host", settings.host)
    _sub(server, "port", str(settings.port))
    _sub(server, "database", settings.path)
    database = _sub(root, "databaseInfo")
    _sub(database, "title", settings.title, lang=settings.language, primary="true")
    _sub(database, "description", settings.description, lang=settings.language,
         primary="true")
    _index_info(root)
    schemas = _sub(root, "schemaInfo")
    for schema in SCHEMAS:
        entry = _sub(schemas, "schema", identifier=schema.identifier, name=schema.name,
                     location=schema.location, sort="false", retrieve="true")
        _sub(entry, "title", schema.title, lang="en")
    _config_info(root, settings)
    return root


def _index_info(root: etree._Element) -> None:
    info = _sub(root, "indexInfo")
    for name, identifier in indexes.CONTEXT_SETS.items():
        _sub(info, "set", name=name, identifier=identifier)
    for index in indexes.INDEXES:
        entry = _sub(info, "index", id=index.qualified,
                     search="true" if index.relations else "false",
                     scan="true" if index.scan else "false",
                     sort="true" if index.sort else "false")
        _sub(entry, "title", index.title, lang="en")
        _sub(_sub(entry, "map"), "name", index.name, set=index.set)
        if index.relations:
            config = _sub(entry, "configInfo")
            for relation in index.relations:
                _sub(config, "supports", relation, type="relation")


def _config_info(root: etree._Element, settings: SruSettings) -> None:
    config = _sub(root, "configInfo")
    _sub(config, "default", str(settings.default_records), type="numberOfRecords")
    _sub(config, "setting", str(settings.max_records), type="maximumRecords")
    _sub(config, "default", str(settings.default_terms), type="numberOfTerms")
    _sub(config, "setting", str(settings.max_terms), type="maximumTerms")
    _sub(config, "default", "marcxml", type="retrieveSchema")
    _sub(config, "default", "cql.serverChoice", type="index")
    _sub(config, "default", "=", type="relation")
    _sub(config, "default", "0", type="resultSetTTL")
    _sub(config, "supports", "true" if settings.sort_supported else "false", type="sort")
    for relation in ("=", "==", "exact", "any", "all", "adj", "<", ">", "<=", ">=", "<>",
                     "within", "scr"):
        _sub(config, "supports", relation, type="relation")
    for modifier in ("ignoreCase", "ignoreAccents", "unmasked", "relevant"):
        _sub(config, "supports", modifier, type="relationModifier")
    for boolean in ("and", "or", "not"):
        _sub(config, "supports", boolean, type="boolean")
    _sub(config, "supports", "*", type="maskingCharacter")
    _sub(config, "supports", type="recordPacking").text = "xml string"
