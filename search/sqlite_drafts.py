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

from search.document import CatalogDocument
from search.sqlite_rows import (
    DocRows,
    doc_json,
    entry_row,
    pub_row,
    public_usmarc,
    text_row,
    val_rows,
)

_PLAIN = re.compile(r"[0-9A-Za-z:._-]*")


@dataclass(frozen=True)
class RowsDraft:
    """``DocRows`` less rowid, entry id and dates."""

    entry: tuple[object, ...]  # entries columns between id and added
    json_middle: str  # the document's JSON between its "id" and "added" members
    text: tuple[object, ...]
    vals: list[tuple[str, str, str, int, str]]
    holdings: list[tuple[str, int]]
    marc: bytes
    usmarc: bytes | None  # ``sqlite_rows.public_usmarc``

    def bind(self, rowid: int, entry_id: str, added: str, updated: str) -> DocRows:
        document = (f'{{"id":{_text(entry_id)},{self.json_middle},"added":{_text(added)},'
                    f'"updated":{_text(updated)}}}')
        return DocRows((rowid, entry_id, *self.entry, added), (rowid, document, self.marc),
                       (rowid, *self.text), [(rowid, *v) for v in self.vals],
                       [(rowid, *h) for h in self.holdings], pub_row(rowid, entry_id, self.usmarc))


@dataclass(frozen=True)
class DraftedEntry:
    """A finished entry as the writer hands it to the backend: id, dates, drafted rows."""

    id: str
    added: str
    updated: str
    rows: RowsDraft


def draft_rows(doc: CatalogDocument) -> RowsDraft:
    """Rows of ``doc``, whose id and dates are placeholders (ignored)."""
    entry = entry_row(0, doc)[2:-1]
    whole = doc_json(doc)
    head = f'{{"id":{_text(doc.id)},'
    tail = f',"added":{_text(doc.added)},"updated":{_text(doc.updated)}}}'
    if not (whole.startswith(head) and whole.endswith(tail)):
        raise ValueError("CatalogDocument must keep id first and added, updated last")
    vals = [(str(v[1]), str(v[2]), str(v[3]), int(v[4]), str(v[5])) for v in val_rows(0, doc)]
    holdings = list(dict.fromkeys((h.library, int(h.restricted)) for h in doc.holdings))
    return RowsDraft(entry, whole[len(head):-len(tail)], text_row(0, doc)[1:], vals, holdings,
                     doc.marc, public_usmarc(doc))


def _text(value: str) -> str:
    """A JSON string; ids and timestamps need no escaping, so skip the encoder for them."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)
