"""Read side of the SQLite FTS5 backend: result set, ranking, paging, facets, scan.

A search runs in one read transaction: the entries matching the compiled WHERE and the
scope go into a per-connection temporary table ``hits`` (so the total is exact and facets
count entries of the same snapshot), then the page is ordered and cut from it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from search import sqlite_rank
from search.document import CatalogDocument, FacetCount, ScanEntry
from search.query import HitView, QueryError, ScanRequest, Scope, SearchRequest, SortKey
from search.sqlite_compile import Compiled, Params, holding_sql, rowid_scope_sql, scope_sql
from search.sqlite_keys import HOLDING_INDEXES, WORD_COLUMNS, WORD_INDEXES, field_key, keyword_key
from search.sqlite_rank import BM25 as _BM25
from search.sqlite_rows import ALL_LIBRARIES

# Reads an entry's ``docs`` row (JSON, MARC) by rowid, for a hit given in the "usmarc" view
RowLoader = Callable[[int], tuple[bytes, bytes | None]]
_SORT_COLUMNS = {"year": "e.year", "title": "e.title_key", "creator": "e.creator_key",
                 "added": "e.added"}
_ENTRY_FACETS = {"format": "e.format", "language": "e.language", "year": "e.year"}
_VALUE_FACETS = WORD_INDEXES | HOLDING_INDEXES | {"isbn", "issn", "identifier"}


@dataclass(frozen=True)
class Source:
    """Where a search's hits come from: ``FROM``, the hit's rowid, ``WHERE`` and its
    parameters.

    * straight from ``fts`` when the query is one MATCH (``Compiled.match``): the page is
      ranked with bm25 on that same cursor, the total is a ``count(*)``;
    * from ``temp.hits`` once filled (any other query);
    * from ``entries`` for a query without clauses."""

    tables: str
    rowid: str
    where: str = "1"
    params: Params = field(default_factory=list)
    fts: bool = False  # ``fts`` is the MATCH cursor (bm25 available)
    only_match: bool = False  # the WHERE is the MATCH alone: its hits are the MATCH's

    def with_entries(self) -> str:
        """``tables`` with ``e`` bound to ``entries`` (for sort columns)."""
        if self.rowid == "e.rowid":
            return self.tables
        return f"{self.tables} CROSS JOIN entries e ON e.rowid = {self.rowid}"


def fts_source(compiled: Compiled, scope: Scope, hidden: bool = True) -> Source:
    """The FTS5 MATCH of ``compiled`` in ``scope`` (``hidden``: see ``rowid_scope_sql``)."""
    assert compiled.match is not None
    where, params = rowid_scope_sql(scope, "fts.rowid", hidden)
    return Source("fts", "fts.rowid", f"fts MATCH ? AND {where}", [compiled.match, *params],
                  fts=True, only_match=where == "1")


def entries_source(scope: Scope) -> Source:
    where, params = scope_sql(scope)
    return Source("entries e", "e.rowid", where, params)


def matching(compiled: Compiled, scope: Scope, hidden: bool = True) -> Source:
    """Entries in scope matching a query that is not one MATCH (for ``fill_hits``)."""
    where, params = rowid_scope_sql(scope, "e.rowid", hidden)
    return Source("entries e", "e.rowid", f"{where} AND ({compiled.where})",
                  [*params, *compiled.params])


HITS = Source("temp.hits h", "h.rowid")


def count(conn: sqlite3.Connection, source: Source) -> int:
    sql = f"SELECT count(*) FROM {source.tables} WHERE {source.where}"
    return int(conn.execute(sql, source.params).fetchone()[0])


def fill_hits(conn: sqlite3.Connection, source: Source) -> int:
    """Put the rowids of every hit of ``source`` into ``temp.hits``."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits(rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.hits")
    cursor = conn.execute(f"INSERT INTO temp.hits SELECT {source.rowid} FROM {source.tables}"
                          f" WHERE {source.where}", source.params)
    return cursor.rowcount


def _order(sort: tuple[SortKey, ...], compiled: Compiled, source: Source
           ) -> tuple[str, str, Params]:
    """(join, order by, order params) for the page query: exact-diacritic
    matches first, then bm25 of the folded clauses (entries not matching them first, as
    NULL sorts first), then rowid."""
    join, order, order_params = "", list[str](), list[object]()
    for key in sort or (SortKey("relevance"),):
        if key.field != "relevance":
            column, way = _SORT_COLUMNS[key.field], "DESC" if key.descending else "ASC"
            order += [f"{column} IS NULL", f"{column} {way}"]
            continue
        if compiled.exact_match:
            order.append(f"{source.rowid} IN (SELECT rowid FROM fts WHERE fts MATCH ?) DESC")
            order_params.append(compiled.exact_match)
        if source.fts:
            order.append(_BM25)
        elif compiled.rank_match and not join:
            join = f"LEFT JOIN temp.ranks rk ON rk.rowid = {source.rowid}"
            order.append("rk.s")
    order.append(source.rowid)
    return join, ", ".join(order), order_params


def _fill_ranks(conn: sqlite3.Connection, rank_match: str) -> None:
    """bm25 of every entry matching ``rank_match`` into ``temp.ranks`` (keyed by rowid,
    so the page query joins it by lookup)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS ranks(rowid INTEGER PRIMARY KEY, s REAL)")
    conn.execute("DELETE FROM temp.ranks")
    conn.execute(f"INSERT INTO temp.ranks SELECT rowid, {_BM25} FROM fts WHERE fts MATCH ?",
                 (rank_match,))


def page(conn: sqlite3.Connection, request: SearchRequest, compiled: Compiled,
         source: Source, load: RowLoader | None = None) -> list[CatalogDocument]:
    """One page of ``source`` in order."""
    join, order, order_params = _order(request.sort, compiled, source)
    if join and compiled.rank_match:
        _fill_ranks(conn, compiled.rank_match)
    by_field = any(key.field != "relevance" for key in request.sort)
    tables = source.with_entries() if by_field else source.tables
    rowids = [r for (r,) in conn.execute(
        f"SELECT {source.rowid} FROM {tables} {join} WHERE {source.where}"
        f" ORDER BY {order} LIMIT ? OFFSET ?",
        [*source.params, *order_params, max(request.size, 0),
         max(request.start, 0)])]
    return documents(conn, rowids, request.scope, request.view, load)


def ranked_rowids(conn: sqlite3.Connection, compiled: Compiled, source: Source, limit: int,
                  offset: int = 0) -> tuple[list[int], int]:
    """Rowids of a one-MATCH query in relevance order (``limit`` from ``offset``) and its
    total. With the C extension, one pass: ``count(*)`` beside ``unioncat_top``, which
    keeps the first hits as it goes. Without it, two passes over the MATCH, a bare count
    and a ranked top-``limit`` (SQLite's sorter keeps only that many rows), which cost a
    quarter to a third fewer instructions than one pass with a window count beside bm25
    (that holds every hit before sorting). Both give the same ids in the same order."""
    assert source.fts
    top = sqlite_rank.TOP
    if top is None or offset < 0 or limit <= 0 or offset + limit > _ONE_PASS_MAX:
        return _ranked_in_two_passes(conn, compiled, source, limit, offset)
    if sqlite_rank.TF is not None and compiled.phrases == 1 and source.only_match:
        return _ranked_with_idf_after(conn, sqlite_rank.TF, compiled, source, limit, offset)
    return _ranked_in_one_pass(conn, top, compiled, source, limit, offset)


_ONE_PASS_MAX = 1000  # hits unioncat_top keeps at most; deeper pages sort in SQLite


def _exact_first(compiled: Compiled, source: Source) -> tuple[str, list[object]]:
    """The ORDER BY term (and its parameter) that puts exact-diacritic matches first."""
    if not compiled.exact_match:
        return "", []
    return (f"{source.rowid} IN (SELECT rowid FROM fts WHERE fts MATCH ?)",
            [compiled.exact_match])


def _ranked_in_one_pass(conn: sqlite3.Connection, top: str, compiled: Compiled,
                        source: Source, limit: int, offset: int) -> tuple[list[int], int]:
    exact, params = _exact_first(compiled, source)
    # FTS5 takes bm25's table argument only straight from the MATCH cursor, not inside
    # an aggregate: the hits come from a subquery that LIMIT -1 keeps from being merged
    total, kept = conn.execute(
        f"SELECT count(*), {top}(?, r, e, s) FROM (SELECT {source.rowid} AS r,"
        f" {exact or 0} AS e, {_BM25} AS s FROM {source.tables} WHERE {source.where}"
        " LIMIT -1)", [offset + limit, *params, *source.params]).fetchone()
    rowids = memoryview(kept).cast("q").tolist() if kept else []
    return rowids[offset:], int(total)


def _ranked_with_idf_after(conn: sqlite3.Connection, tf: str, compiled: Compiled,
                           source: Source, limit: int, offset: int) -> tuple[list[int], int]:
    """``_ranked_in_one_pass`` for a MATCH of one phrase and nothing else: bm25 would
    first count the phrase's rows in a pass of its own for the IDF; that count is this
    pass's, so the rows are scored at its end (``unioncat_tf_top``), same scores."""
    exact, params = _exact_first(compiled, source)
    total, kept = conn.execute(
        "SELECT count(*), unioncat_tf_top(?, r, e, t, (SELECT unioncat_rows(block) FROM"
        f" fts_data WHERE id = 1)) FROM (SELECT {source.rowid} AS r, {exact or 0} AS e,"
        f" {tf} AS t FROM {source.tables} WHERE {source.where} LIMIT -1)",
        [offset + limit, *params, *source.params]).fetchone()
    rowids = memoryview(kept).cast("q").tolist() if kept else []
    return rowids[offset:], int(total)


def _ranked_in_two_passes(conn: sqlite3.Connection, compiled: Compiled, source: Source,
                          limit: int, offset: int) -> tuple[list[int], int]:
    total = count(conn, source)
    if total == 0:
        return [], 0
    exact, params = _exact_first(compiled, source)
    rows = conn.execute(
        f"SELECT {source.rowid} FROM {source.tables} WHERE {source.where}"
        f" ORDER BY {exact + ' DESC, ' if exact else ''}{_BM25}, {source.rowid}"
        " LIMIT ? OFFSET ?",
        [*source.params, *params, max(limit, 0), max(offset, 0)]).fetchall()
    return [r for (r,) in rows], total


def documents(conn: sqlite3.Connection, rowids: list[int], scope: Scope,
              view: HitView = "document", load: RowLoader | None = None
              ) -> list[CatalogDocument]:
    """The entries with these rowids, in this order, as ``scope`` sees them. In the
    "usmarc" view (with ``load``), a public hit is read from ``pubmarc`` as its id and
    record only; ``load(rowid)`` reads the rest of it on first use."""
    found: dict[int, CatalogDocument] = {}
    if view == "usmarc" and load is not None and scope.is_public:
        found = _public_records(conn, rowids, load)
    rest = [r for r in rowids if r not in found]
    if rest:
        found.update(_stored(conn, rest, scope))
    return [found[r] for r in rowids if r in found]


def _public_records(conn: sqlite3.Connection, rowids: list[int], load: RowLoader
                    ) -> dict[int, CatalogDocument]:
    marks = ", ".join("?" * len(rowids))
    return {rowid: CatalogDocument.public_record(entry_id, usmarc, partial(load, rowid))
            for rowid, entry_id, usmarc in conn.execute(
                f"SELECT rowid, id, usmarc FROM pubmarc WHERE rowid IN ({marks})", rowids)}


def _stored(conn: sqlite3.Connection, rowids: list[int], scope: Scope
            ) -> dict[int, CatalogDocument]:
    marks = ", ".join("?" * len(rowids))
    public = scope.is_public
    found: dict[int, CatalogDocument] = {}
    # as bytes: orjson reads the UTF-8 itself, with no str built for each document first
    for row in conn.execute(
            f"SELECT rowid, CAST(json AS BLOB), marc, usmarc FROM docs WHERE rowid IN ({marks})",
            rowids):
        doc = _document(row, public, scope)
        if doc is not None:
            found[row[0]] = doc
    return found


def _document(row: tuple[int, bytes, bytes | None, bytes | None], public: bool,
              scope: Scope) -> CatalogDocument | None:
    _, text, marc, usmarc = row
    if public and marc is not None:
        view = CatalogDocument.public_view(text, marc, usmarc)
        if view is not None:
            return view
    return CatalogDocument.loads(text, marc).visible_to(scope.libraries, scope.sees_restricted)


def facet(conn: sqlite3.Connection, index: str, scope: Scope, size: int) -> list[FacetCount]:
    """Entries per value of ``index`` among ``temp.hits``, most frequent first."""
    if index in _ENTRY_FACETS:
        column = _ENTRY_FACETS[index]
        rows = conn.execute(
            f"SELECT {column}, count(*) AS n FROM temp.hits h CROSS JOIN entries e"
            f" ON e.rowid = h.rowid WHERE {column} IS NOT NULL AND {column} <> ''"
            f" GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?", (size,))
        return [FacetCount(str(value), count) for value, count in rows]
    if index not in _VALUE_FACETS:
        raise QueryError("unsupported_index", f"no facet on {index!r}", index)
    visible, params = holding_sql(scope) if index in HOLDING_INDEXES else ("1", [])
    counter = "count(*)"  # (entry, key) pairs are unique: no DISTINCT b-tree needed
    if index in HOLDING_INDEXES and index != "library":
        if scope.libraries is None:
            visible += f" AND v.lib = '{ALL_LIBRARIES}'"
        else:
            counter = "count(DISTINCT v.entry)"
    counts = conn.execute(
        f"SELECT v.key, {counter} AS n FROM temp.hits h CROSS JOIN vals v"
        f" ON v.entry = h.rowid AND v.idx = ? WHERE {visible}"
        " GROUP BY v.key ORDER BY n DESC, v.key LIMIT ?", [index, *params, size]).fetchall()
    return [FacetCount(_display(conn, index, key), count) for key, count in counts]


def _display(conn: sqlite3.Connection, index: str, key: str) -> str:
    row = conn.execute("SELECT display FROM vals WHERE idx = ? AND key = ? LIMIT 1",
                       (index, key)).fetchone()
    return str(row[0]) if row else key


def _scan_key(index: str, term: str) -> str:
    return field_key(term) if index in WORD_COLUMNS else keyword_key(index, term)


def scan(conn: sqlite3.Connection, request: ScanRequest) -> list[ScanEntry]:
    """Distinct keys of an index in order around ``start_term``, counted in scope.

    Up to ``position - 1`` terms before the start term come first; when fewer exist, the
    list is filled up to ``count`` with terms after it (the caller finds the start term's
    actual position by comparing). Word indexes list whole field values; ``any`` merges
    the word indexes. ``id`` cannot be scanned."""
    if request.index not in WORD_COLUMNS and request.index not in HOLDING_INDEXES and (
            request.index not in ("isbn", "issn", "identifier", "year", "language", "format")):
        raise QueryError("unsupported_index", f"no scan on {request.index!r}", request.index)
    indexes = sorted(WORD_INDEXES) if request.index == "any" else [request.index]
    where, params = scope_sql(request.scope)
    visible, vparams = (holding_sql(request.scope) if request.index in HOLDING_INDEXES
                        else ("1", []))
    base = (f"SELECT v.key, min(v.display), count(DISTINCT v.entry) FROM vals v"
            f" JOIN entries e ON e.rowid = v.entry WHERE v.idx IN ({', '.join('?' * len(indexes))})"
            f" AND {visible} AND {where}")
    base_params = [*indexes, *vparams, *params]
    key = _scan_key(request.index, request.start_term)
    before = list(conn.execute(
        f"{base} AND v.key < ? GROUP BY v.key ORDER BY v.key DESC LIMIT ?",
        [*base_params, key, max(min(request.position - 1, request.count), 0)]))
    after = list(conn.execute(
        f"{base} AND v.key >= ? GROUP BY v.key ORDER BY v.key LIMIT ?",
        [*base_params, key, max(request.count - len(before), 0)]))
    return [ScanEntry(display, count) for _, display, count in [*reversed(before), *after]]
