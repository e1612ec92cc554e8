"""unioncat_bm25 (search/_rank.c) scores every hit exactly as FTS5's bm25 does, with row
sizes remembered, also after entries are updated and deleted; unioncat_top's one pass gives
the total and the ranked ids that the count and ORDER BY passes give."""

from __future__ import annotations

import dataclasses
import math
import sqlite3

import pytest

from search import sqlite_rank, sqlite_read
from search.query import PUBLIC, Bool, Query, Scope, Term
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
    assert sqlite_rank.TOP == "unioncat_top"  # the one-pass rankings are built too
    assert sqlite_rank.TF is not None and sqlite_rank.TF.startswith("unioncat_tf(")
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
    then rowid for equal scores) for every cut, in every scope; for a MATCH of one phrase
    alone, also when its IDF is worked out after the pass."""
    backend = filled.backend
    conn = backend._reader()
    exact = compared = after = 0
    for scope in (PUBLIC, STAFF, Scope(libraries=frozenset({"VN-B"}))):
        for query in TOP_QUERIES:
            compiled = compile_query(query, scope)
            assert compiled.match is not None
            exact += bool(compiled.exact_match)
            for source in (sqlite_read.fts_source(compiled, scope),
                           sqlite_read.fts_source(compiled, scope, hidden=False)):
                for limit, offset in CUTS:
                    two = sqlite_read._ranked_in_two_passes(conn, compiled, source, limit,
                                                            offset)
                    assert sqlite_read._ranked_in_one_pass(
                        conn, "unioncat_top", compiled, source, limit, offset) == two
                    compared += len(two[0])
                    if compiled.phrases == 1 and source.only_match:
                        assert sqlite_read._ranked_with_idf_after(
                            conn, str(sqlite_rank.TF), compiled, source, limit, offset
                        ) == two, (query, scope, limit, offset)
                        after += len(two[0])
    assert exact >= 9 and compared > 3000 and after > 1000


def test_the_per_row_factor_times_the_idf_is_bm25(filled: Catalog) -> None:
    """unioncat_tf, scored with the IDF of its row count, gives bm25() to the last bit."""
    conn = filled.backend._reader()
    (rows,) = conn.execute("SELECT unioncat_rows(block) FROM fts_data WHERE id = 1").fetchone()
    assert rows == conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    checked = 0
    for match in ("history", "{title}: poems", '"world war"', "{subject}: vietnam*", "the"):
        found = conn.execute(f"SELECT {sqlite_rank.TF}, bm25(fts, {_WEIGHTS}) FROM fts"
                             " WHERE fts MATCH ?", (match,)).fetchall()
        idf = max(math.log((rows - len(found) + 0.5) / (len(found) + 0.5)), 0) or 1e-6
        assert all(-1.0 * (0.0 + idf * tf) == score for tf, score in found), match
        checked += len(found)
    assert checked > 200
    with pytest.raises(sqlite3.OperationalError, match="one phrase"):
        conn.execute(f"SELECT {sqlite_rank.TF} FROM fts WHERE fts MATCH 'war OR peace'"
                     ).fetchall()


@pytest.mark.parametrize(("query", "phrases"), [
    (Term("title", "all", "history"), 1), (Term("any", "all", "united states"), 2),
    (Term("title", "adj", "the history of"), 1), (Term("any", "all", "viet", "right"), 1),
    (Term("any", "any", "dogs cats"), 2),
    (Bool("and", Term("title", "all", "war"), Term("creator", "all", "smith")), 2)])
def test_phrases_of_the_ranking_match(query: Query, phrases: int) -> None:
    assert compile_query(query, PUBLIC).phrases == phrases


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
    assert len(statements) == 1 and "unioncat_top(" in statements[0]
    alone = sqlite_read.fts_source(compiled, PUBLIC, hidden=False)  # nothing but the MATCH
    assert sqlite_read.ranked_rowids(conn, compiled, alone, 40) == fast
    assert len(statements) == 2 and "unioncat_tf_top(" in statements[1]
    monkeypatch.setattr(sqlite_rank, "TOP", None)  # as without the extension
    assert sqlite_read.ranked_rowids(conn, compiled, source, 40) == fast
    assert len(statements) == 4 and fast[1] > 40
    deep = sqlite_read.ranked_rowids(conn, compiled, source, 10, 1000)  # past unioncat_top
    assert deep == sqlite_read._ranked_in_two_passes(conn, compiled, source, 10, 1000)
