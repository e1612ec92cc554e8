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

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from normalizers.bib import json_text
from normalizers.export import iso2709_of
from normalizers.text import exact
from search.document import FIELD_NAMES, CatalogDocument, Holding
from search.sqlite_keys import fast_fold, field_key, isbn_forms, keyword_key, value_key

SqlRow = tuple[object, ...]
ALL_LIBRARIES = "*"  # ``vals.lib`` of the per-entry copy of a holdings-derived value
ValRow = tuple[int, str, str, str, int, str]
Fields = dict[str, Any]
BibValues = dict[tuple[str, str], str]  # (index, key) -> display, first display kept
# (index, key, library, restricted flag, display) of each holdings-derived value, flat
LibraryValues = list[object]
_JSON_LEFT_OUT = ("id", "marc", "added", "updated")


def doc_json(doc: CatalogDocument) -> str:
    """``doc.dumps()`` less ``marc`` (stored beside it as bytes, so neither written nor
    read as escaped JSON text), without the deep copy of ``dataclasses.asdict``."""
    data = _json_data(doc)
    del data["marc"]
    return json_text(data)


def json_middle(doc: CatalogDocument) -> str:
    """``doc_json`` between its ``"id"`` member and its ``"added"`` one (those three are
    the first and last two fields), without the braces: what an entry's JSON has before
    the writer gives it an id and dates (``search.sqlite_drafts``)."""
    data = _json_data(doc)
    for name in _JSON_LEFT_OUT:
        del data[name]
    return json_text(data)[1:-1]


def fields_of(doc: CatalogDocument) -> Fields:
    """The document's fields by name: its ``__dict__``, read far faster than its attributes
    (``CatalogDocument.__getattr__`` keeps Python from specializing those); do not change it.
    A lazily decoded document (``public_view``) gives a fresh dict instead."""
    fields: Fields = doc.__dict__
    if "_pending" in fields:
        return {name: getattr(doc, name) for name in FIELD_NAMES}
    return fields


def _json_data(doc: CatalogDocument) -> dict[str, object]:
    """The document's fields by name, in field order, holdings as dicts (a fresh dict)."""
    fields = fields_of(doc)
    if tuple(fields) == FIELD_NAMES:  # as the constructor fills it: copied in one go
        data: dict[str, object] = fields.copy()
    else:
        data = {name: fields[name] for name in FIELD_NAMES}
    data["holdings"] = [vars(h) for h in fields["holdings"]]
    return data


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


def new_doc_rows(entry: SqlRow, json: SqlRow, text: SqlRow, vals: list[ValRow],
                 holdings: list[SqlRow], pub: SqlRow | None) -> DocRows:
    """``DocRows(...)``, its fields filled in one go rather than one guarded setattr each."""
    rows = object.__new__(DocRows)
    object.__setattr__(rows, "__dict__", {"entry": entry, "json": json, "text": text,
                                          "vals": vals, "holdings": holdings, "pub": pub})
    return rows


def isbn_keys(f: Fields) -> list[tuple[str, list[str]]]:
    """Each ISBN with its keys, computed once for the text and the value rows."""
    found: list[tuple[str, list[str]]] = []
    for isbn in f["isbns"]:
        found.append((isbn, isbn_forms(isbn)))
    return found


def text_columns(f: Fields, isbns: list[tuple[str, list[str]]]) -> list[str]:
    """The ``ftext`` columns after the rowid: each text folded, then each exact.

    ``fast_fold`` and ``_exact`` inlined for ASCII text (most): both lowercase it, and
    folding only drops apostrophes (the same string object when there is none)."""
    other = [f["responsibility"], f["place"], f["edition"], *f["notes"], *f["identifiers"],
             *f["issns"]]
    for _, forms in isbns:
        other += forms
    texts = ("\n".join((f["title"], *f["other_titles"], *f["series"])), "\n".join(f["creators"]),
             "\n".join(f["subjects"]), f["publisher"], "\n".join(f["series"]),
             "\n".join(f["classification"]), "\n".join(filter(None, other)))
    folded: list[str] = []
    exacts: list[str] = []
    for text in texts:
        if text.isascii():
            lower = text.lower()
            folded.append(lower.replace("'", ""))
            exacts.append(lower)
        else:
            folded.append(fast_fold(text))
            exacts.append(exact(text))
    folded += exacts
    return folded


def text_row(rowid: int, doc: CatalogDocument,
             isbns: list[tuple[str, list[str]]] | None = None) -> SqlRow:
    f = fields_of(doc)
    return (rowid, *text_columns(f, isbn_keys(f) if isbns is None else isbns))


def _exact(text: str) -> str:
    """``normalizers.text.exact``, skipping NFC for ASCII (most text; same result)."""
    return text.lower() if text.isascii() else exact(text)


def bib_values(f: Fields, isbns: list[tuple[str, list[str]]],
               title_key: str) -> BibValues:
    """Every distinct bibliographic (index, key), in order, with its first display."""
    found: BibValues = {}
    if title_key:
        found["title", title_key] = f["title"]
    key = value_key(f["publisher"])
    if key:
        found["publisher", key] = f["publisher"]
    for index, values in (("creator", f["creators"]), ("subject", f["subjects"]),
                          ("series", f["series"]), ("classification", f["classification"])):
        for value in values:
            key = value_key(value)
            if key:
                pair = (index, key)
                if pair not in found:
                    found[pair] = value
    for value, forms in isbns:
        for key in forms:
            pair = ("isbn", key)
            if key and pair not in found:
                found[pair] = value
    for value in f["issns"]:
        key = keyword_key("issn", value)
        pair = ("issn", key)
        if key and pair not in found:
            found[pair] = value
    for value in f["identifiers"]:
        key = value_key(value)  # ``keyword_key("identifier", value)``
        pair = ("identifier", key)
        if key and pair not in found:
            found[pair] = value
    for index, value in (("language", f["language"]), ("format", f["format"])):
        key = value_key(value)  # ``keyword_key``
        if key:
            found[index, key] = value
    if f["year"] is not None:
        year = str(f["year"])
        found["year", year] = year
    return found


def library_values(f: Fields) -> LibraryValues:
    """The holdings-derived values, open holdings first, flat: see ``LibraryValues``."""
    holdings = f["holdings"]
    if len(holdings) > 1:
        holdings = tuple(sorted(holdings, key=_restricted))  # open holdings win
    found: LibraryValues = []
    seen: set[tuple[str, str, str]] = set()
    for h in holdings:
        library = h.library
        if not library:
            continue
        flag = int(h.restricted)
        for index, value in (("library", library), ("library_type", h.library_type),
                             ("district", h.district)):
            key = value_key(value)  # ``keyword_key``
            if not key:
                continue
            triple = (index, key, library)
            if triple not in seen:
                seen.add(triple)
                found += triple
                found += (flag, value)
            if index != "library":  # one row per entry and value, for views of all
                triple = (index, key, ALL_LIBRARIES)
                if triple not in seen:
                    seen.add(triple)
                    found += triple
                    found += (flag, value)
    return found


def _restricted(holding: Holding) -> bool:
    return holding.restricted


def library_rows(rowid: int, flat: Sequence[object]) -> list[ValRow]:
    """``vals`` rows of ``library_values``: zip pulls each row's five values in turn."""
    items = iter(flat)
    return list(zip(repeat(rowid), items, items, items, items, items))


def val_rows(rowid: int, doc: CatalogDocument, isbns: list[tuple[str, list[str]]] | None = None,
             title_key: str | None = None) -> list[ValRow]:
    f = fields_of(doc)
    rows = [(rowid, index, key, "", 0, display) for (index, key), display in bib_values(
        f, isbn_keys(f) if isbns is None else isbns,
        field_key(f["title"]) if title_key is None else title_key).items()]
    if f["holdings"]:
        rows += library_rows(rowid, library_values(f))
    return rows


def entry_columns(doc: CatalogDocument, f: Fields, title_key: str
                  ) -> tuple[SqlRow, bytes | None]:
    """(``entries`` columns between id and added, ``public_usmarc``); ``f`` is
    ``fields_of(doc)``."""
    open_holding = restricted_holding = False
    holdings = f["holdings"]
    for h in holdings:
        if h.restricted:
            restricted_holding = True
        else:
            open_holding = True
    public = int(open_holding or not holdings)
    creators = f["creators"]
    creator = value_key(creators[0]) if creators else field_key(f["responsibility"])
    if not restricted_holding:  # ``visible_to(None, False)`` is the entry itself
        usmarc: bytes | None = iso2709_of(doc)
    else:
        usmarc = public_usmarc(doc) if open_holding else None
    return (public, f["year"], f["format"], f["language"], title_key, creator), usmarc


def entry_row(rowid: int, doc: CatalogDocument, title_key: str | None = None) -> SqlRow:
    public = int(not doc.holdings or any(not h.restricted for h in doc.holdings))
    creator = value_key(doc.creators[0]) if doc.creators else field_key(doc.responsibility)
    return (rowid, doc.id, public, doc.year, doc.format, doc.language,
            field_key(doc.title) if title_key is None else title_key, creator, doc.added)


def holding_rows(rowid: int, holdings: tuple[Holding, ...]) -> list[SqlRow]:
    if len(holdings) == 1:
        return [(rowid, holdings[0].library, int(holdings[0].restricted))]
    return list(dict.fromkeys((rowid, h.library, int(h.restricted)) for h in holdings))


def doc_rows(rowid: int, doc: CatalogDocument) -> DocRows:
    f = fields_of(doc)
    isbns, title_key = isbn_keys(f), field_key(f["title"])
    middle, usmarc = entry_columns(doc, f, title_key)
    vals: list[ValRow] = [(rowid, index, key, "", 0, display)
                          for (index, key), display in bib_values(f, isbns, title_key).items()]
    holdings = f["holdings"]
    if holdings:
        vals += library_rows(rowid, library_values(f))
    entry_id = f["id"]
    return new_doc_rows((rowid, entry_id, *middle, f["added"]), (rowid, doc_json(doc), f["marc"]),
                        (rowid, *text_columns(f, isbns)), vals, holding_rows(rowid, holdings),
                        None if usmarc is None else (rowid, entry_id, usmarc))
