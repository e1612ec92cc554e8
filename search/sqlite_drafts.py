"""An entry's SQLite rows built ahead, where the entry is known before its id and dates.

A parse worker knows everything about a one-record entry except what only the writer
assigns: the entry id, the rowid, and the ``added``/``updated`` dates. ``draft_rows``
builds the rows from a document carrying placeholders for those; ``bind`` fills them in.
Bound rows equal ``doc_rows`` of the finished document (``tests/test_sqlite_drafts.py``),
so the single writer skips the folding, key and JSON work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

from search.document import FIELD_NAMES, CatalogDocument
from search.sqlite_keys import field_key
from search.sqlite_rows import (
    DocRows,
    SqlRow,
    ValRow,
    bib_values,
    entry_columns,
    fields_of,
    isbn_keys,
    json_middle,
    library_rows,
    library_values,
    new_doc_rows,
    pub_row,
    text_columns,
)

_PLAIN = re.compile(r"[0-9A-Za-z:._-]*")
if FIELD_NAMES[0] != "id" or FIELD_NAMES[-2:] != ("added", "updated"):
    raise ValueError("CatalogDocument must keep id first and added, updated last")


class RowsDraft(NamedTuple):
    """``DocRows`` less rowid, entry id and dates. A named tuple of few objects (the
    writer unpickles each, ``app.ingest._unpack``): the value rows are flat."""

    entry: tuple[object, ...]  # entries columns between id and added
    json_middle: str  # the document's JSON between its "id" and "added" members
    text: tuple[object, ...]
    vals: tuple[str, ...]  # (index, key, display) of each bibliographic value, flat
    library_vals: tuple[object, ...]  # ``sqlite_rows.library_values``
    holdings: tuple[object, ...]  # (library, restricted flag) of each, flat
    marc: bytes
    usmarc: bytes | None  # ``sqlite_rows.public_usmarc``

    def bind(self, rowid: int, entry_id: str, added: str, updated: str) -> DocRows:
        document = (f'{{"id":{_text(entry_id)},{self.json_middle},"added":{_text(added)},'
                    f'"updated":{_text(updated)}}}')
        # zip pulls each row's values from the flat tuples in turn, in C
        items = iter(self.vals)
        vals: list[ValRow] = list(zip(repeat(rowid), items, items, repeat(""), repeat(0), items))
        if self.library_vals:
            vals += library_rows(rowid, self.library_vals)
        pairs = iter(self.holdings)
        holdings: list[SqlRow] = list(zip(repeat(rowid), pairs, pairs))
        return new_doc_rows((rowid, entry_id, *self.entry, added), (rowid, document, self.marc),
                            (rowid, *self.text), vals, holdings,
                            pub_row(rowid, entry_id, self.usmarc))


def rows_draft(values: tuple[object, ...]) -> RowsDraft:
    """The ``RowsDraft`` of ``tuple(draft)`` (how a worker sends it), without the named
    tuple's ``__new__`` (a Python call)."""
    return tuple.__new__(RowsDraft, values)


@dataclass(frozen=True)
class DraftedEntry:
    """A finished entry as the writer hands it to the backend: id, dates, drafted rows."""

    id: str
    added: str
    updated: str
    rows: RowsDraft


def draft_rows(doc: CatalogDocument) -> RowsDraft:
    """Rows of ``doc``, whose id and dates are placeholders (ignored)."""
    f = fields_of(doc)
    isbns, title_key = isbn_keys(f), field_key(f["title"])
    entry, usmarc = entry_columns(doc, f, title_key)
    vals: list[str] = []
    for pair, display in bib_values(f, isbns, title_key).items():
        vals += pair
        vals.append(display)
    holdings = f["holdings"]
    flat: list[object] = []
    for h in holdings:
        flat += (h.library, int(h.restricted))
    if len(holdings) > 1:
        items = iter(flat)
        flat = [x for pair in dict.fromkeys(zip(items, items, strict=False)) for x in pair]
    return RowsDraft(entry, json_middle(doc), tuple(text_columns(f, isbns)), tuple(vals),
                     tuple(library_values(f)) if holdings else (), tuple(flat), f["marc"],
                     usmarc)


def _text(value: str) -> str:
    """A JSON string; ids and timestamps need no escaping, so skip the encoder for them."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)
