"""The OpenSearch index layout: analysis chain, mapping and one document's indexed body.

Every logical index of ``search.query.Index`` maps to fields here:

* word indexes (any, title, creator, subject, publisher, series, classification): a text
  field analyzed ``vn_folded`` (lowercase + asciifolding, or icu_folding when the node has
  the ICU plugin: "Đà Nẵng" -> "da", "nang") with an ``exact`` sub-field analyzed
  ``vn_exact`` (lowercase only, diacritics kept) used to rank exact-diacritic matches first;
* ``<index>_key``: keyword array of whole-field keys (``search.sqlite_keys`` forms, shared
  with the SQLite backend so both backends compare the same keys) for ``==``, ranges and
  truncation on keyword indexes;
* ``<index>_scan``: keyword array of ``key + SEP + display``; one value per key per entry,
  so bucket counts are entry counts. Scan reads it (sorted by folded key, shown in the
  smallest display form an entry gave); facets count ``<index>_key`` and take their display
  forms from it (``search.opensearch_facets``);
* ``holdings``: nested (library, library_type, district keys and scan values, restricted),
  so holding-level clauses, facets and scan see only the holdings the caller's scope sees;
* scope: ``public_libraries`` / ``all_libraries`` keyword arrays and an entry-level
  ``restricted`` flag (every holding restricted);
* sort: ``title_sort``, ``creator_sort``, ``year``, ``added``, ``id``;
* ``doc``: ``CatalogDocument.dumps()``, not indexed, so a hit carries the full entry.

Input is NFC (applied here in Python; with the ICU plugin the analyzers also carry an
``icu_normalizer`` nfc char filter).
"""

from __future__ import annotations

from typing import Any

from normalizers.text import nfc
from search.document import CatalogDocument
from search.sqlite_keys import field_key, isbn_forms, keyword_key

SEP = "\x1f"

WORD_FIELDS: dict[str, str] = {
    "any": "any",
    "title": "title",
    "creator": "creator",
    "subject": "subject",
    "publisher": "publisher",
    "series": "series",
    "classification": "classification",
}
KEYED_INDEXES: tuple[str, ...] = (
    "any", "title", "creator", "subject", "publisher", "series", "classification",
    "isbn", "issn", "identifier", "year", "language", "format", "id",
)
HOLDING_FIELDS: tuple[str, ...] = ("library", "library_type", "district")
SCHEMA_VERSION = 2
# Word rules of the embedded backend (normalizers.text.fold drops apostrophes; unicode61
# splits on periods), so both engines find "dog's" by "dogs" and "History.edu" by "history".
_WORD_RULES = {"type": "mapping",
               "mappings": ["'=>", "\u2019=>", "\u2018=>", "\u02bc=>", "\u02bb=>",
                            ".=>\\u0020"]}


def analysis(icu: bool) -> dict[str, Any]:
    """Analyzers: ``vn_folded`` (match), ``vn_exact`` (rank), ``vn_keyword`` (normalizer)."""
    folding = ["lowercase", "icu_folding"] if icu else ["lowercase", "asciifolding"]
    char_filter = (["nfc"] if icu else []) + ["word_rules"]
    body: dict[str, Any] = {
        "analyzer": {
            "vn_folded": {"type": "custom", "tokenizer": "standard", "char_filter": char_filter,
                          "filter": folding},
            "vn_exact": {"type": "custom", "tokenizer": "standard", "char_filter": char_filter,
                         "filter": ["lowercase"]},
        },
        "normalizer": {
            "vn_keyword": {"type": "custom", "filter": folding},
        },
    }
    body["char_filter"] = {"word_rules": _WORD_RULES}
    if icu:
        body["char_filter"]["nfc"] = {"type": "icu_normalizer", "name": "nfc"}
    return body


def _word_field() -> dict[str, Any]:
    # index_prefixes: right truncation (prefix, and the prefix rule of a truncated phrase,
    # which would otherwise stop at 128 expansions) reads indexed prefixes of up to 10
    # characters, longer than any Vietnamese syllable, instead of expanding terms.
    return {"type": "text", "analyzer": "vn_folded",
            "index_prefixes": {"min_chars": 1, "max_chars": 10},
            "fields": {"exact": {"type": "text", "analyzer": "vn_exact"}}}


_KEYWORD: dict[str, Any] = {"type": "keyword"}
_SCAN: dict[str, Any] = {"type": "keyword", "ignore_above": 2000}


def mappings() -> dict[str, Any]:
    props: dict[str, Any] = {name: _word_field() for name in WORD_FIELDS.values()}
    for index in KEYED_INDEXES:
        props[f"{index}_key"] = {"type": "keyword", "ignore_above": 2000}
        props[f"{index}_scan"] = dict(_SCAN)
    holding_props: dict[str, Any] = {"restricted": {"type": "boolean"},
                                     "library": dict(_KEYWORD)}
    for name in HOLDING_FIELDS:
        holding_props[f"{name}_key"] = dict(_KEYWORD)
        holding_props[f"{name}_scan"] = dict(_SCAN)
    props.update({
        "id": dict(_KEYWORD),
        "year": {"type": "integer"},
        "added": dict(_KEYWORD),
        "title_sort": {"type": "keyword", "ignore_above": 512},
        "creator_sort": {"type": "keyword", "ignore_above": 512},
        "public_libraries": dict(_KEYWORD),
        "all_libraries": dict(_KEYWORD),
        "restricted": {"type": "boolean"},
        "holdings": {"type": "nested", "properties": holding_props},
        "doc": {"type": "keyword", "index": False, "doc_values": False},
    })
    return {"dynamic": "strict", "_meta": {"unioncat_schema": SCHEMA_VERSION},
            "properties": props}


def index_body(*, icu: bool, shards: int, replicas: int, max_result_window: int,
               bulk_load: bool = False) -> dict[str, Any]:
    """Settings and mappings of one versioned index. ``bulk_load``: no replicas, no refresh
    (a re-index restores both before the alias switch)."""
    settings: dict[str, Any] = {
        "number_of_shards": shards,
        "number_of_replicas": 0 if bulk_load else replicas,
        "refresh_interval": "-1" if bulk_load else "1s",
        # a half-built index is thrown away on failure, so it need not fsync every request
        "translog.durability": "async" if bulk_load else "request",
        "max_result_window": max_result_window,
        "analysis": analysis(icu),
    }
    return {"settings": {"index": settings}, "mappings": mappings()}


def _keyed(index: str, values: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``<index>_key`` and ``<index>_scan`` arrays from (key, display) pairs: one value per
    key (its smallest display form, as the SQLite backend shows), so counts are entries."""
    displays: dict[str, str] = {}
    for key, display in values:
        if key and (key not in displays or display < displays[key]):
            displays[key] = display
    return {f"{index}_key": list(displays),
            f"{index}_scan": [f"{key}{SEP}{display}" for key, display in displays.items()]}


def _word(values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    return [(field_key(v), nfc(v).strip()) for v in values]


def doc_body(doc: CatalogDocument) -> dict[str, Any]:
    """The indexed body of one entry."""
    body: dict[str, Any] = {
        "id": doc.id,
        "title": [nfc(v) for v in doc.title_texts if v],
        "creator": [nfc(v) for v in doc.creators],
        "subject": [nfc(v) for v in doc.subjects],
        "publisher": nfc(doc.publisher),
        "series": [nfc(v) for v in doc.series],
        "classification": list(doc.classification),
        "year": doc.year,
        "added": doc.added,
        "title_sort": field_key(doc.title)[:512],
        "creator_sort": field_key(doc.creators[0])[:512] if doc.creators else None,
        "public_libraries": list(doc.libraries(include_restricted=False)),
        "all_libraries": list(doc.libraries(include_restricted=True)),
        "restricted": doc.restricted,
        "doc": doc.dumps(),
    }
    other = (doc.responsibility, doc.place, doc.edition, *doc.notes, *doc.identifiers,
             *doc.issns, *(form for isbn in doc.isbns for form in isbn_forms(isbn)))
    body["any"] = [nfc(v) for v in (*doc.title_texts, *doc.creators, *doc.subjects, doc.publisher,
                                      *doc.series, *doc.classification, *other) if v]
    words = {"title": _word([doc.title]), "creator": _word(doc.creators),
             "subject": _word(doc.subjects), "publisher": _word([doc.publisher]),
             "series": _word(doc.series), "classification": _word(doc.classification)}
    for index, pairs in words.items():
        body.update(_keyed(index, pairs))
    # ``any`` keys: every word index's whole-field keys (for ==, ranges and scan on any)
    body.update(_keyed("any", [pair for pairs in words.values() for pair in pairs]))
    body.update(_keyed("isbn", [(form, v) for v in doc.isbns for form in isbn_forms(v)]))
    for index, values in (("issn", doc.issns), ("identifier", doc.identifiers),
                          ("language", (doc.language,)), ("format", (doc.format,))):
        body.update(_keyed(index, [(keyword_key(index, v), v) for v in values]))
    body.update(_keyed("id", [(keyword_key("id", doc.id), doc.id)]))
    year = [] if doc.year is None else [(str(doc.year), str(doc.year))]
    body.update(_keyed("year", year))
    body["holdings"] = [_holding(h.library, h.library_type, h.district, h.restricted)
                        for h in doc.holdings]
    return body


def _holding(library: str, library_type: str, district: str, restricted: bool) -> (
        dict[str, Any]):
    out: dict[str, Any] = {"restricted": restricted, "library": library}
    for name, value in (("library", library), ("library_type", library_type),
                        ("district", district)):
        key = keyword_key(name, value)
        out[f"{name}_key"] = key or None
        out[f"{name}_scan"] = f"{key}{SEP}{nfc(value).strip()}" if key else None
    return out
