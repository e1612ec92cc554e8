"""One-record catalog entries drafted in a parse worker, so the single writer need not.

Most records found an entry of their own. Everything that entry's search rows need is
known when the record is parsed, except what only the writer assigns (entry id, dates,
rowid), so a worker can build the rows (``search.sqlite_drafts``). The writer files each
draft under the record's store id on its connection (``StoreConnection.drafts``); the
outbox drain uses it only if the entry turned out to hold that record alone and the
store still says what the draft was built from (``key``). Otherwise, or after a crash,
the drain builds the entry from the store as always: drafts are a shortcut, not a source.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from normalizers.bib import Bib
from normalizers.documents import Member, build_document
from search.sqlite_drafts import RowsDraft, draft_rows
from store.records import NormalizedRecord
from store.sources import Source

DraftKey = tuple[object, ...]


@dataclass(frozen=True)
class EntryDraft:
    key: DraftKey  # see ``stored_key``
    rows: RowsDraft


def draft_entry(record: NormalizedRecord, bib: Bib, source: Source) -> EntryDraft:
    """The rows of the entry this record would found alone (in the parse worker)."""
    restricted = record.restricted or source.restricted
    member = Member(record_id=0, source=source.code, library_name=source.name,
                    library_type=source.library_type, district=source.district,
                    priority=source.priority, local_id=record.local_id, bib=bib,
                    marc=record.marc, call_number=record.call_number, restricted=restricted,
                    first_seen="", updated_at="")
    key = (record.raw_hash, source.code, record.local_id, record.call_number,
           int(record.restricted), source.name, source.library_type, source.district,
           int(source.restricted))
    return EntryDraft(key, draft_rows(build_document("", [member])))


def stored_key(row: sqlite3.Row) -> DraftKey:
    """``EntryDraft.key`` as the store has it now (a row of ``app.indexer._LIGHT_SQL``)."""
    return (row["raw_hash"], row["source"], row["local_id"], row["call_number"],
            int(row["restricted"]), row["name"], row["library_type"], row["district"],
            int(row["source_restricted"]))
