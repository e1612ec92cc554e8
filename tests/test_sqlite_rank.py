"""unioncat_bm25 (search/_rank.c) scores every hit exactly as FTS5's bm25 does, with row
sizes remembered, also after entries are updated and deleted; unioncat_top's one pass gives
the total and the ranked ids that the count and ORDER BY passes give."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from search import sqlite_rank, sqlite_read
from search.query import PUBLIC, Query, Scope, Term
from search.sqlite_compile import compile_query
from search.sqlite_fts import SqliteFtsBackend
from tests.conftest import FIXTURES, Catalog

STAFF = Scope(visibility="staff")
_WEIGHTS = "8.0, 4.0, 3.0, 1.0, 1.5, 1.0, 0.5, 0, 0, 0, 0, 0, 0, 0"
MATCHES = ("history", "united states", "war OR peace", "{title}: poems", "{creator}: smith",
           "{subject}: vietnam*", "ha noi", '"world war"', "viet* AND van*", "the",
           "{title subject}: (art OR music)", "a*")


def _scores(conn: sqlite3.Connection, function: str, match: str) -> list[tuple[int, float]]:
    return conn.execute(f"SELECT rowid, {function}(fts, {_WEIGHTS}) AS s FROM fts"
                        " WHERE fts MATCH ? ORDER BY s, rowid", (match,)).fetchall()


def _reader(catalog: Catalog, ranking: sqlite_rank.Ranking) -> sqlite3.Connection:
    conn = sqlite3.connect(catalog.settings.index_path)
    ranking.attach(conn)
    ranking.warmed()
    return conn


def _assert_same_scores(conn: sqlite3.Connection) -> None:
    hits = 0
    for match in MATCHES:
        expected = _scores(conn, "bm25", match)
        assert _scores(conn, "unioncat_bm25", match) == expected, match
        hits += len(expected)
    assert hits > 300  # the queries do reach the records


def test_the_extension_is_built_and_ranks(catalog: Catalog) -> None:
    """``make install`` builds search._rank; without it ranking costs 4x (``serve`` warns,
    ``stats`` says which ranking runs)."""
    assert sqlite_rank.FAST
    assert sqlite_rank.BM25.startswith("unioncat_bm25(")
    assert catalog.backend.stats().detail["ranking"] == "unioncat_bm25"


@pytest.fixture
def filled(catalog: Catalog) -> Catalog:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-A")
    catalog.ingest(FIXTURES / "lc-vietnamese.mrc", "VN-B")
    return catalog


def test_scores_equal_bm25_on_real_records(filled: Catalog) -> None:
    ranking = sqlite_rank.Ranking(filled.settings.index_path)
    conn = _reader(filled, ranking)
    (entries,) = conn.execute("SELECT count(*) FROM entries").fetchone()
    assert ranking.remembered() == entries  # read from fts_docsize when attached
    _assert_same_scores(conn)


def test_scores_stay_equal_after_updates_and_deletes(filled: Catalog) -> None:
    ranking = sqlite_rank.Ranking(filled.settings.index_path)
    conn = _reader(filled, ranking)
    _assert_same_scores(conn)
    backend = filled.backend
    ids = [i for (i,) in conn.execute("SELECT id FROM entries ORDER BY rowid DESC LIMIT 40")]
    docs = backend.get(ids[:20], STAFF)
    backend.delete(ids[20:])  # the newest rows go: their rowids must not come back
    backend.upsert([dataclasses.replace(d, title=f"{d.title} history of the united states")
                    for d in docs])
    _assert_same_scores(conn)


def test_rowids_are_never_reused(filled: Catalog) -> None:
    backend = filled.backend
    conn = sqlite3.connect(filled.settings.index_path)
    top_id, top = conn.execute("SELECT id, rowid FROM entries ORDER BY rowid DESC").fetchone()
    (doc,) = backend.get([top_id], STAFF)
    backend.delete([top_id])
    backend.upsert([dataclasses.replace(doc, title="Một tên khác")])
    (again,) = conn.execute("SELECT rowid FROM entries WHERE id = ?", (top_id,)).fetchone()
    assert again > top


def test_a_reopened_index_goes_on_from_the_last_rowid(filled: Catalog) -> None:
    conn = sqlite3.connect(filled.settings.index_path)
    (top_id, top) = conn.execute("SELECT id, rowid FROM entries ORDER BY rowid DESC").fetchone()
    (doc,) = filled.backend.get([top_id], STAFF)
    filled.backend.delete([top_id])
    reopened = SqliteFtsBackend(filled.settings.index_path)
    try:
        reopened.upsert([doc])
    finally:
        reopened.close()
    (again,) = conn.execute("SELECT rowid FROM entries WHERE id = ?", (top_id,)).fetchone()
    assert again > top


# one-MATCH queries: broad, narrow, no hits, with diacritics (exact forms ranked first)
TOP_QUERIES: tuple[Query, ...] = (
    Term("any", "all", "history"), Term("title", "all", "poems"), Term("creator", "all", "smith"),
    Term("subject", "all", "war"), Term("any", "all", "the"), Term("any", "all", "Việt Nam"),
    Term("any", "all", "Hà Nội"), Term("title", "all", "tiếng việt"), Term("any", "all", "van"),
    Term("any", "all", "nosuchwordanywhere"), Term("title", "adj", "the history of"),
    Term("any", "all", "viet*", "right"))
CUTS = ((40, 0), (10, 0), (1, 0), (10, 20), (100, 0), (7, 3), (1000, 0), (5, 995))


def test_one_pass_ranking_equals_count_and_order_by(filled: Catalog) -> None:
    """Same total and ids in the same order (exact-diacritic matches first, then bm25,
    then rowid for equal scores) for every cut, in every scope."""
    backend = filled.backend
    conn = backend._reader()
    exact = compared = 0
    for scope in (PUBLIC, STAFF, Scope(libraries=frozenset({"VN-B"}))):
        for query in TOP_QUERIES:
            compiled = compile_query(query, scope)
            assert compiled.match is not None
            exact += bool(compiled.exact_match)
            source = sqlite_read.fts_source(compiled, scope)
            for limit, offset in CUTS:
                one = sqlite_read._ranked_in_one_pass(conn, "unioncat_top", compiled, source,
                                                      limit, offset)
                two = sqlite_read._ranked_in_two_passes(conn, compiled, source, limit, offset)
                assert one == two, (query, scope, limit, offset)
                compared += len(two[0])
    assert exact >= 9 and compared > 1500


def test_ranked_rowids_takes_one_pass_with_the_extension(
        filled: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = filled.backend
    conn = backend._reader()
    compiled = compile_query(Term("any", "all", "history"), PUBLIC)
    source = sqlite_read.fts_source(compiled, PUBLIC)
    statements: list[str] = []
    conn.set_trace_callback(lambda sql: statements.append(sql) if " MATCH " in sql and (
        not sql.startswith("--")) else None)  # ours, not FTS5's own statements
    fast = sqlite_read.ranked_rowids(conn, compiled, source, 40)
    assert len(statements) == 1 and "unioncat_top" in statements[0]
    monkeypatch.setattr(sqlite_rank, "TOP", None)  # as without the extension
    assert sqlite_read.ranked_rowids(conn, compiled, source, 40) == fast
    assert len(statements) == 3 and fast[1] > 40
    deep = sqlite_read.ranked_rowids(conn, compiled, source, 10, 1000)  # past unioncat_top
    assert deep == sqlite_read._ranked_in_two_passes(conn, compiled, source, 10, 1000)
