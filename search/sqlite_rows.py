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

from normalizers.bib import json_text
from normalizers.export import iso2709_of
from normalizers.text import exact
from search.document import FIELD_NAMES, CatalogDocument, Holding
from search.sqlite_keys import fast_fold, field_key, isbn_forms, keyword_key, value_key

SqlRow = tuple[object, ...]
ALL_LIBRARIES = "*"  # ``vals.lib`` of the per-entry copy of a holdings-derived value
ValRow = tuple[int, str, str, str, int, str]
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


def _json_data(doc: CatalogDocument) -> dict[str, object]:
    """The document's fields by name, in field order, holdings as dicts (a fresh dict)."""
    fields = doc.__dict__
    if tuple(fields) == FIELD_NAMES:  # as the constructor fills it: copied in one go
        data: dict[str, object] = fields.copy()
    else:
        data = {name: getattr(doc, name) for name in FIELD_NAMES}
    data["holdings"] = [vars(h) for h in doc.holdings]
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


def isbn_keys(doc: CatalogDocument) -> list[tuple[str, list[str]]]:
    """Each ISBN with its keys, computed once for the text and the value rows."""
    found: list[tuple[str, list[str]]] = []
    for isbn in doc.isbns:
        found.append((isbn, isbn_forms(isbn)))
    return found


def text_columns(doc: CatalogDocument, isbns: list[tuple[str, list[str]]]) -> list[str]:
    """The ``ftext`` columns after the rowid: each text folded, then each exact.

    ``fast_fold`` and ``_exact`` inlined for ASCII text (most): both lowercase it, and
    folding only drops apostrophes (the same string object when there is none)."""
    other = [doc.responsibility, doc.place, doc.edition, *doc.notes, *doc.identifiers,
             *doc.issns]
    for _, forms in isbns:
        other += forms
    texts = ("\n".join((doc.title, *doc.other_titles, *doc.series)), "\n".join(doc.creators),
             "\n".join(doc.subjects), doc.publisher, "\n".join(doc.series),
             "\n".join(doc.classification), "\n".join(filter(None, other)))
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
    return (rowid, *text_columns(doc, isbn_keys(doc) if isbns is None else isbns))


def _exact(text: str) -> str:
    """``normalizers.text.exact``, skipping NFC for ASCII (most text; same result)."""
    return text.lower() if text.isascii() else exact(text)


def bib_values(doc: CatalogDocument, isbns: list[tuple[str, list[str]]],
               title_key: str) -> BibValues:
    """Every distinct bibliographic (index, key), in order, with its first display."""
    found: BibValues = {}
    if title_key:
        found["title", title_key] = doc.title
    key = value_key(doc.publisher)
    if key:
        found["publisher", key] = doc.publisher
    for index, values in (("creator", doc.creators), ("subject", doc.subjects),
                          ("series", doc.series), ("classification", doc.classification)):
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
    for value in doc.issns:
        key = keyword_key("issn", value)
        pair = ("issn", key)
        if key and pair not in found:
            found[pair] = value
    for value in doc.identifiers:
        key = value_key(value)  # ``keyword_key("identifier", value)``
        pair = ("identifier", key)
        if key and pair not in found:
            found[pair] = value
    for index, value in (("language", doc.language), ("format", doc.format)):
        key = value_key(value)  # ``keyword_key``
        if key:
            found[index, key] = value
    if doc.year is not None:
        year = str(doc.year)
        found["year", year] = year
    return found


def library_values(doc: CatalogDocument) -> LibraryValues:
    """The holdings-derived values, open holdings first, flat: see ``LibraryValues``."""
    holdings = doc.holdings
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
    """``vals`` rows of ``library_values``."""
    items = iter(flat)
    return [(rowid, index, key, library, flag, display)  # type: ignore[misc]
            for index, key, library, flag, display in zip(items, items, items, items, items,
                                                              strict=False)]


def val_rows(rowid: int, doc: CatalogDocument, isbns: list[tuple[str, list[str]]] | None = None,
             title_key: str | None = None) -> list[ValRow]:
    rows = [(rowid, index, key, "", 0, display) for (index, key), display in bib_values(
        doc, isbn_keys(doc) if isbns is None else isbns,
        field_key(doc.title) if title_key is None else title_key).items()]
    if doc.holdings:
        rows += library_rows(rowid, library_values(doc))
    return rows


def entry_columns(doc: CatalogDocument, title_key: str) -> tuple[SqlRow, bytes | None]:
    """(``entries`` columns between id and added, ``public_usmarc``)."""
    open_holding = restricted_holding = False
    for h in doc.holdings:
        if h.restricted:
            restricted_holding = True
        else:
            open_holding = True
    public = int(open_holding or not doc.holdings)
    creator = value_key(doc.creators[0]) if doc.creators else field_key(doc.responsibility)
    if not restricted_holding:  # ``visible_to(None, False)`` is the entry itself
        usmarc: bytes | None = iso2709_of(doc)
    else:
        usmarc = public_usmarc(doc) if open_holding else None
    return (public, doc.year, doc.format, doc.language, title_key, creator), usmarc


def entry_row(rowid: int, doc: CatalogDocument, title_key: str | None = None) -> SqlRow:
    public = int(not doc.holdings or any(not h.restricted for h in doc.holdings))
    creator = value_key(doc.creators[0]) if doc.creators else field_key(doc.responsibility)
    return (rowid, doc.id, public, doc.year, doc.format, doc.language,
            field_key(doc.title) if title_key is None else title_key, creator, doc.added)


def holding_rows(rowid: int, doc: CatalogDocument) -> list[SqlRow]:
    holdings = doc.holdings
    if len(holdings) == 1:
        return [(rowid, holdings[0].library, int(holdings[0].restricted))]
    return list(dict.fromkeys((rowid, h.library, int(h.restricted)) for h in holdings))


def doc_rows(rowid: int, doc: CatalogDocument) -> DocRows:
    isbns, title_key = isbn_keys(doc), field_key(doc.title)
    middle, usmarc = entry_columns(doc, title_key)
    vals: list[ValRow] = [(rowid, index, key, "", 0, display)
                          for (index, key), display in bib_values(doc, isbns, title_key).items()]
    if doc.holdings:
        vals += library_rows(rowid, library_values(doc))
    return new_doc_rows((rowid, doc.id, *middle, doc.added), (rowid, doc_json(doc), doc.marc),
                        (rowid, *text_columns(doc, isbns)), vals, holding_rows(rowid, doc),
                        None if usmarc is None else (rowid, doc.id, usmarc))
