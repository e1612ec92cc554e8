"""One ``CatalogDocument`` as the rows the SQLite backend stores.

* ``entries``: id, scope/sort/facet columns (narrow, so scans and sorts stay cheap);
* ``docs``: the JSON of each entry without its MARC, and the MARC beside it;
* ``pubmarc``: the entry's id and its public view as ISO 2709 with its holdings
  (``public_usmarc``), ready to send, for entries the public can see. A table of its own,
  a quarter of ``docs``'s size: a Z39.50 present reads only these pages, so fewer of
  them, more of them already in memory;
* ``ftext``: folded and exact (lowercase NFC) text per word index, the external content
  of the FTS5 table;
* ``vals``: one row per distinct (index, key) value, for keyword search, ``==``, facets and
  scan; holdings-derived values carry their library and restricted flag;
* ``holdings``: (entry, library, restricted), for the scope filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from normalizers.bib import json_text
from normalizers.export import iso2709_of
from normalizers.text import exact
from search.document import FIELD_NAMES, CatalogDocument
from search.sqlite_keys import fast_fold, field_key, isbn_forms, keyword_key, value_key

SqlRow = tuple[object, ...]
ALL_LIBRARIES = "*"  # ``vals.lib`` of the per-entry copy of a holdings-derived value
ValRow = tuple[int, str, str, str, int, str]



def doc_json(doc: CatalogDocument) -> str:
    """``doc.dumps()`` less ``marc`` (stored beside it as bytes, so neither written nor
    read as escaped JSON text), without the deep copy of ``dataclasses.asdict``."""
    data: dict[str, object] = {name: getattr(doc, name) for name in FIELD_NAMES}
    data["holdings"] = [vars(h) for h in doc.holdings]
    del data["marc"]
    return json_text(data)


def public_usmarc(doc: CatalogDocument) -> bytes | None:
    """The entry as the public sees it, as ISO 2709 with its holdings as 852s
    (``normalizers.export.iso2709_of``); None if the public cannot see it."""
    seen = doc.visible_to(None, False)
    return None if seen is None else iso2709_of(seen)


def docs_row(rowid: int, doc: CatalogDocument) -> SqlRow:
    return (rowid, doc_json(doc), doc.marc)


def pub_row(rowid: int, entry_id: str, usmarc: bytes | None) -> SqlRow | None:
    """The ``pubmarc`` row of an entry, None when the public cannot see it."""
    return None if usmarc is None else (rowid, entry_id, usmarc)


@dataclass(frozen=True)
class DocRows:
    entry: SqlRow
    json: SqlRow
    text: SqlRow
    vals: list[ValRow]
    holdings: list[SqlRow]
    pub: SqlRow | None


def _isbn_keys(doc: CatalogDocument) -> list[tuple[str, list[str]]]:
    """Each ISBN with its keys, computed once for the text and the value rows."""
    return [(isbn, isbn_forms(isbn)) for isbn in doc.isbns]


def _texts(doc: CatalogDocument, isbns: list[tuple[str, list[str]]]) -> dict[str, str]:
    other = (doc.responsibility, doc.place, doc.edition, *doc.notes, *doc.identifiers,
             *doc.issns, *(form for _, forms in isbns for form in forms))
    return {
        "title": "\n".join(doc.title_texts),
        "creator": "\n".join(doc.creators),
        "subject": "\n".join(doc.subjects),
        "publisher": doc.publisher,
        "series": "\n".join(doc.series),
        "classification": "\n".join(doc.classification),
        "other": "\n".join(part for part in other if part),
    }


def text_row(rowid: int, doc: CatalogDocument,
             isbns: list[tuple[str, list[str]]] | None = None) -> SqlRow:
    texts = _texts(doc, _isbn_keys(doc) if isbns is None else isbns).values()
    return (rowid, *map(fast_fold, texts), *map(_exact, texts))


def _exact(text: str) -> str:
    """``normalizers.text.exact``, skipping NFC for ASCII (most text; same result)."""
    return text.lower() if text.isascii() else exact(text)


def _bib_values(doc: CatalogDocument, isbns: list[tuple[str, list[str]]],
                title_key: str) -> list[tuple[str, str, str]]:
    """(index, key, display) of every bibliographic value, duplicates included."""
    found: list[tuple[str, str, str]] = [("title", title_key, doc.title),
                                         ("publisher", value_key(doc.publisher), doc.publisher)]
    found += [("creator", value_key(v), v) for v in doc.creators]
    found += [("subject", value_key(v), v) for v in doc.subjects]
    found += [("series", value_key(v), v) for v in doc.series]
    found += [("classification", value_key(v), v) for v in doc.classification]
    found += [("isbn", form, v) for v, forms in isbns for form in forms]
    found += [("issn", keyword_key("issn", v), v) for v in doc.issns]
    found += [("identifier", keyword_key("identifier", v), v) for v in doc.identifiers]
    found += [("language", keyword_key("language", doc.language), doc.language),
              ("format", keyword_key("format", doc.format), doc.format)]
    if doc.year is not None:
        found.append(("year", str(doc.year), str(doc.year)))
    return found


def val_rows(rowid: int, doc: CatalogDocument, isbns: list[tuple[str, list[str]]] | None = None,
             title_key: str | None = None) -> list[ValRow]:
    rows: dict[tuple[str, str, str], ValRow] = {}
    for index, key, display in _bib_values(doc, _isbn_keys(doc) if isbns is None else isbns,
                                           field_key(doc.title) if title_key is None
                                           else title_key):
        if key:
            rows.setdefault((index, key, ""), (rowid, index, key, "", 0, display))
    for h in sorted(doc.holdings, key=lambda h: h.restricted):  # open holdings win
        for index, value in (("library", h.library), ("library_type", h.library_type),
                             ("district", h.district)):
            key, flag = keyword_key(index, value), int(h.restricted)
            if key and h.library:
                rows.setdefault((index, key, h.library),
                                (rowid, index, key, h.library, flag, value))
                if index != "library":  # one row per entry and value, for views of all
                    rows.setdefault((index, key, ALL_LIBRARIES),
                                    (rowid, index, key, ALL_LIBRARIES, flag, value))
    return list(rows.values())


def entry_row(rowid: int, doc: CatalogDocument, title_key: str | None = None) -> SqlRow:
    public = int(not doc.holdings or any(not h.restricted for h in doc.holdings))
    creator = value_key(doc.creators[0]) if doc.creators else field_key(doc.responsibility)
    return (rowid, doc.id, public, doc.year, doc.format, doc.language,
            field_key(doc.title) if title_key is None else title_key, creator, doc.added)


def doc_rows(rowid: int, doc: CatalogDocument) -> DocRows:
    holdings: list[SqlRow] = list(dict.fromkeys((rowid, h.library, int(h.restricted))
                                                for h in doc.holdings))
    isbns, title_key = _isbn_keys(doc), field_key(doc.title)
    return DocRows(entry_row(rowid, doc, title_key), docs_row(rowid, doc),
                   text_row(rowid, doc, isbns), val_rows(rowid, doc, isbns, title_key), holdings,
                   pub_row(rowid, doc.id, public_usmarc(doc)))
