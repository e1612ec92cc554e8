"""The public view of an entry read from SQLite: decoded only as far as its id, and the
same document as a full read once any other field is touched. In the "usmarc" view (Z39.50)
a hit is read from ``pubmarc``, its record stored ready, and the rest is read on first use.
Indexes written before the MARC moved out of the JSON, and before ``pubmarc``, still read."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import get_args

import pytest

from normalizers.export import iso2709_of
from search.document import CatalogDocument, Holding
from search.query import HitView, MatchAll, Scope, SearchRequest, Term
from search.sqlite_fts import SqliteFtsBackend
from tests.z3950 import rawclient
from z3950 import pdu
from z3950.pdu import USMARC
from z3950.records import render
from z3950.session import Session
from z3950.settings import Z3950Settings

MARC = iso2709_of(CatalogDocument(id="m", title="Truyện Kiều", creators=("Nguyễn Du",)),
                  with_holdings=False)
DOC = CatalogDocument(id="uc1", title="Truyện Kiều", creators=("Nguyễn Du",), year=1820,
                      marc=MARC, added="2026-01-01T00:00:00Z", updated="2026-01-02T00:00:00Z",
                      holdings=(Holding("VN-A", "Thư viện A", call_number="895.9"),
                                Holding("VN-B", "Thư viện B", restricted=True)))
PUBLIC = Scope()
STAFF = Scope(visibility="staff")


def _hit(backend: SqliteFtsBackend, scope: Scope, view: HitView = "document"
         ) -> CatalogDocument:
    request = SearchRequest(Term("title", "=", "kieu"), scope, 0, 10, view=view)
    (hit,) = backend.search(request).hits
    return hit


def test_a_public_hit_is_the_public_view_of_the_entry(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    hit = _hit(backend, PUBLIC)
    seen = DOC.visible_to(None, False)
    assert seen is not None
    assert "title" not in vars(hit)  # nothing decoded yet beyond the id
    assert hit.id == DOC.id
    assert hit == seen  # any field decodes the rest, as the public sees it
    assert [h.library for h in hit.holdings] == ["VN-A"]
    assert hit.to_json() == seen.to_json()
    assert render(hit, USMARC, "F") == iso2709_of(seen)


def test_a_usmarc_hit_holds_its_ready_record_and_loads_the_rest(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    hit = _hit(backend, PUBLIC, "usmarc")
    seen = DOC.visible_to(None, False)
    assert seen is not None
    assert hit.public_usmarc == iso2709_of(seen)  # stored at index time, restricted left out
    assert render(hit, USMARC, "F") == iso2709_of(seen)
    assert set(vars(hit)) == {"id", "_pending", "_usmarc"}  # no JSON read for that
    assert hit.id == DOC.id
    assert hit == seen  # any other field reads and decodes the rest, as the public sees it
    assert hit.to_json() == seen.to_json()


def test_a_usmarc_hit_of_an_entry_changed_since_says_so(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    hit = _hit(backend, PUBLIC, "usmarc")
    backend.upsert([replace(DOC, title="Truyện Kiều (new edition)")])
    conn = sqlite3.connect(tmp_path / "index.sqlite")  # the old version's row went with it
    assert conn.execute("SELECT count(*) FROM pubmarc").fetchone() == (1,)
    assert hit.public_usmarc is not None  # what was found can still be sent
    with pytest.raises(LookupError, match="changed since it was found"):
        _ = hit.title


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
    assert backend.search(SearchRequest(MatchAll(), PUBLIC, 0, 10, view="usmarc")).hits == []
    conn = sqlite3.connect(tmp_path / "index.sqlite")
    assert conn.execute("SELECT count(*) FROM pubmarc").fetchone() == (0,)
    assert _hit(backend, STAFF) == hidden
    assert _hit(backend, STAFF, "usmarc") == hidden


def test_an_index_with_the_public_record_in_docs_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    SqliteFtsBackend(path).upsert([DOC])
    conn = sqlite3.connect(path)  # as the previous version wrote it: no pubmarc table
    conn.executescript("UPDATE docs SET usmarc = (SELECT usmarc FROM pubmarc);"
                       " DROP TABLE pubmarc;")
    conn.close()
    backend = SqliteFtsBackend(path)
    seen = DOC.visible_to(None, False)
    assert seen is not None
    for view in get_args(HitView):
        hit = _hit(backend, PUBLIC, view)
        assert hit.public_usmarc == iso2709_of(seen) and hit == seen


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


def _answer(session: Session, request: pdu.Request) -> bytes:
    reply = asyncio.run(session.handle(request))
    assert reply.data is not None
    return reply.data


def _searched(backend: SqliteFtsBackend) -> Session:
    session = Session(backend, Z3950Settings())
    _answer(session, pdu.parse_request(rawclient.init_request()))
    _answer(session, pdu.parse_request(rawclient.search_request("kieu")))
    return session


def _present(session: Session, syntax: str) -> bytes:
    return _answer(session, pdu.PresentRequest(None, "default", 1, 1, "F", syntax))


def test_z3950_sends_an_entry_changed_since_its_search_as_a_diagnostic(
        tmp_path: Path) -> None:
    """A Z39.50 result set holds hits in the "usmarc" view: their USMARC records are sent
    as found; another syntax reads the entry on first use, and a changed entry says so."""
    backend = SqliteFtsBackend(tmp_path / "index.sqlite")
    backend.upsert([DOC])
    assert b"<record" in _present(_searched(backend), pdu.XML_TEXT)
    session = _searched(backend)
    backend.upsert([replace(DOC, title="Truyện Kiều (new edition)")])
    seen = DOC.visible_to(None, False)
    assert seen is not None
    assert iso2709_of(seen) in _present(session, USMARC)  # as found
    stale = _present(session, pdu.XML_TEXT)
    assert b"<record" not in stale and DOC.id.encode() in stale  # diagnostic 14
