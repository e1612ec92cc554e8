"""The public view of an entry read from SQLite: decoded only as far as its id, with the
Z39.50 USMARC record stored ready, and the same document as a full read once any other
field is touched. An index written before the MARC moved out of the JSON still reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from normalizers.export import iso2709_of
from search.document import CatalogDocument, Holding
from search.query import MatchAll, Scope, SearchRequest, Term
from search.sqlite_fts import SqliteFtsBackend
from z3950.pdu import USMARC
from z3950.records import render

MARC = iso2709_of(CatalogDocument(id="m", title="Truyện Kiều", creators=("Nguyễn Du",)),
                  with_holdings=False)
DOC = CatalogDocument(id="uc1", title="Truyện Kiều", creators=("Nguyễn Du",), year=1820,
                      marc=MARC, added="2026-01-01T00:00:00Z", updated="2026-01-02T00:00:00Z",
                      holdings=(Holding("VN-A", "Thư viện A", call_number="895.9"),
                                Holding("VN-B", "Thư viện B", restricted=True)))
PUBLIC = Scope()
STAFF = Scope(visibility="staff")


def _hit(backend: SqliteFtsBackend, scope: Scope) -> CatalogDocument:
    request = SearchRequest(Term("title", "=", "kieu"), scope, 0, 10)
    (hit,) = backend.search(request).hits
    return hit


def test_a_public_hit_is_the_public_view_of_the_entry(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    hit = _hit(backend, PUBLIC)
    seen = DOC.visible_to(None, False)
    assert seen is not None
    assert hit.public_usmarc == iso2709_of(seen)  # stored at index time, restricted left out
    assert "title" not in vars(hit)  # nothing decoded yet beyond the id
    assert render(hit, USMARC, "F") == iso2709_of(seen)
    assert hit.id == DOC.id
    assert hit == seen  # any field decodes the rest, as the public sees it
    assert [h.library for h in hit.holdings] == ["VN-A"]
    assert hit.to_json() == seen.to_json()


def test_other_scopes_read_the_whole_document(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    hit = _hit(backend, STAFF)
    assert hit == DOC and hit.public_usmarc is None
    assert render(hit, USMARC, "F") == iso2709_of(DOC)


def test_an_entry_hidden_from_the_public_stores_no_public_record(tmp_path: Path) -> None:
    hidden = CatalogDocument(id="uc2", title="Kieu secret", marc=MARC,
                             holdings=(Holding("VN-B", restricted=True),))
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([hidden])
    assert backend.search(SearchRequest(MatchAll(), PUBLIC, 0, 10)).hits == []
    conn = sqlite3.connect(tmp_path / "index.sqlite")
    assert conn.execute("SELECT usmarc FROM docs").fetchall() == [(None,)]
    assert _hit(backend, STAFF) == hidden


def test_an_index_written_before_the_marc_column_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    SqliteFtsBackend(path).upsert([DOC])
    conn = sqlite3.connect(path)  # back to the old layout: whole JSON, two columns
    conn.execute("UPDATE docs SET json = ?", (DOC.dumps(),))
    conn.executescript("ALTER TABLE docs DROP COLUMN usmarc; ALTER TABLE docs DROP COLUMN marc;")
    conn.close()
    backend = SqliteFtsBackend(path)  # adds the columns again, NULL for the old row
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(docs)")]
    assert columns == ["rowid", "json", "marc", "usmarc"]
    hit = _hit(backend, PUBLIC)
    assert hit == DOC.visible_to(None, False) and hit.public_usmarc is None
    assert backend.get([DOC.id], STAFF) == [DOC]
