"""The CQL indexes we serve: context sets, names, titles, what each maps to.

One table drives the CQL mapping, scan and the explain record, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.query import Index, SortField

CONTEXT_SETS: dict[str, str] = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
    "rec": "info:srw/cql-context-set/2/rec-1.1",
    "uc": "info:unioncat/cql-context-set/uc-1.0",
}

# Other identifiers clients use for the same sets (older versions, the spec's examples).
IDENTIFIER_ALIASES: dict[str, str] = {
    "info:srw/cql-context-set/1/cql-v1.1": "cql",
    "info:srw/cql-context-set/1/cql-v1.0": "cql",
    "info:srw/context-sets/1/dc-v1.1": "dc",
    "info:srw/cql-context-set/1/dc-v1.0": "dc",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://www.loc.gov/zing/cql/dc-indexes/v1.0/": "dc",
    "info:srw/cql-context-set/2/rec-1.0": "rec",
}

# Unprefixed index names are looked up in this order.
DEFAULT_SET_ORDER = ("dc", "bath", "uc", "cql", "rec")

TEXT_RELATIONS = ("=", "==", "exact", "any", "all", "adj", "scr")
KEY_RELATIONS = ("=", "==", "exact", "any", "all", "<>")
RANGE_RELATIONS = ("=", "==", "exact", "<", ">", "<=", ">=", "<>", "within")

ALL_RECORDS = "cql.allRecords"


@dataclass(frozen=True)
class CqlIndex:
    set: str
    name: str
    title: str
    target: Index | None  # None: cql.allRecords (MatchAll)
    relations: tuple[str, ...]
    sort: SortField | None = None
    scan: bool = True

    @property
    def qualified(self) -> str:
        return f"{self.set}.{self.name}"


def _text(cset: str, name: str, title: str, target: Index, sort: SortField | None = None,
          ) -> CqlIndex:
    return CqlIndex(cset, name, title, target, TEXT_RELATIONS, sort)


def _key(cset: str, name: str, title: str, target: Index) -> CqlIndex:
    return CqlIndex(cset, name, title, target, KEY_RELATIONS)


INDEXES: tuple[CqlIndex, ...] = (
    CqlIndex("cql", "serverChoice", "Any field (server choice)", "any", TEXT_RELATIONS,
             "relevance"),
    CqlIndex("cql", "anywhere", "Any field", "any", TEXT_RELATIONS),
    CqlIndex("cql", "allIndexes", "All indexes", "any", TEXT_RELATIONS),
    CqlIndex("cql", "keywords", "Keywords", "any", TEXT_RELATIONS),
    CqlIndex("cql", "allRecords", "All records", None, ("=",), scan=False),
    _text("dc", "title", "Title", "title", "title"),
    _text("dc", "creator", "Author / creator", "creator", "creator"),
    _text("dc", "contributor", "Contributor", "creator"),
    _text("dc", "subject", "Subject", "subject"),
    _text("dc", "publisher", "Publisher", "publisher"),
    CqlIndex("dc", "date", "Year of publication", "year", RANGE_RELATIONS, "year"),
    _key("dc", "language", "Language (MARC code)", "language"),
    _key("dc", "format", "Format", "format"),
    _key("dc", "type", "Type (format)", "format"),
    _key("dc", "identifier", "Identifier (ISBN, ISSN, LCCN, other numbers)", "identifier"),
    _text("bath", "title", "Title", "title", "title"),
    _text("bath", "name", "Name (author)", "creator", "creator"),
    _text("bath", "author", "Author", "creator", "creator"),
    _text("bath", "personalName", "Personal name", "creator"),
    _text("bath", "corporateName", "Corporate name", "creator"),
    _text("bath", "subject", "Subject", "subject"),
    _text("bath", "seriesTitle", "Series title", "series"),
    _key("bath", "isbn", "ISBN", "isbn"),
    _key("bath", "issn", "ISSN", "issn"),
    _key("bath", "standardIdentifier", "Standard identifier", "identifier"),
    _key("bath", "lccn", "LC control number", "identifier"),
    _key("rec", "identifier", "Catalog entry (cluster) id", "id"),
    _key("uc", "library", "Holding library code", "library"),
    _key("uc", "libraryType", "Holding library type", "library_type"),
    _key("uc", "district", "Holding library district", "district"),
    _key("uc", "format", "Format", "format"),
    _key("uc", "clusterId", "Catalog entry (cluster) id", "id"),
    _text("uc", "classification", "Classification number", "classification"),
    _text("uc", "series", "Series", "series"),
    CqlIndex("uc", "added", "Date added to the union catalog", "year", (), "added",
             scan=False),
)

BY_NAME: dict[tuple[str, str], CqlIndex] = {(i.set, i.name.lower()): i for i in INDEXES}


def find(cset: str, name: str) -> CqlIndex | None:
    return BY_NAME.get((cset, name.lower()))


def set_of_identifier(identifier: str) -> str | None:
    for name, ident in CONTEXT_SETS.items():
        if ident == identifier:
            return name
    return IDENTIFIER_ALIASES.get(identifier)
