"""Read side of the SQLite FTS5 backend: result set, ranking, paging, facets, scan.

A search runs in one read transaction: the entries matching the compiled WHERE and the
scope go into a per-connection temporary table ``hits`` (so the total is exact and facets
count entries of the same snapshot), then the page is ordered and cut from it.
"""

from __future__ import annotations

import sqlite3

from search.document import CatalogDocument, FacetCount, ScanEntry
from search.query import QueryError, ScanRequest, Scope, SearchRequest, SortKey
from search.sqlite_compile import Compiled, Params, holding_sql, scope_sql
from search.sqlite_keys import HOLDING_INDEXES, WORD_COLUMNS, WORD_INDEXES, field_key, keyword_key
from search.sqlite_rows import ALL_LIBRARIES

# bm25 column weights: title, creator, subject, publisher, series, classification, other,
# then the exact columns (never in the ranking MATCH, weight 0).
_BM25 = "bm25(fts, 8.0, 4.0, 3.0, 1.0, 1.5, 1.0, 0.5, 0, 0, 0, 0, 0, 0, 0)"
_SORT_COLUMNS = {"year": "e.year", "title": "e.title_key", "creator": "e.creator_key",
                 "added": "e.added"}
_ENTRY_FACETS = {"format": "e.format", "language": "e.language", "year": "e.year"}
_VALUE_FACETS = WORD_INDEXES | HOLDING_INDEXES | {"isbn", "issn", "identifier"}


def count_in_scope(conn: sqlite3.Connection, scope: Scope) -> int:
    where, params = scope_sql(scope)
    return int(conn.execute(f"SELECT count(*) FROM entries e WHERE {where}", params).fetchone()[0])


def fill_hits(conn: sqlite3.Connection, compiled: Compiled, scope: Scope) -> int:
    """Put the rowids of every entry in scope matching the query into ``temp.hits``."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits(rowid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.hits")
    where, params = scope_sql(scope)
    cursor = conn.execute(
        f"INSERT INTO temp.hits SELECT e.rowid FROM entries e WHERE {where} "
        f"AND ({compiled.where})", [*params, *compiled.params])
    return cursor.rowcount


def _order(sort: tuple[SortKey, ...], compiled: Compiled) -> tuple[str, str, Params, Params]:
    """(join, order by, join params, order params) for the page query."""
    join, order, join_params, order_params = "", list[str](), list[object](), list[object]()
    for key in sort or (SortKey("relevance"),):
        if key.field != "relevance":
            column, way = _SORT_COLUMNS[key.field], "DESC" if key.descending else "ASC"
            order += [f"{column} IS NULL", f"{column} {way}"]
            continue
        if compiled.exact_match:
            order.append("e.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) DESC")
            order_params.append(compiled.exact_match)
        if compiled.rank_match and not join:
            join = (f"LEFT JOIN (SELECT rowid AS r, {_BM25} AS s FROM fts WHERE fts MATCH ?) rk"
                    " ON rk.r = e.rowid")
            join_params.append(compiled.rank_match)
            order.append("rk.s")
    order.append("e.rowid")
    return join, ", ".join(order), join_params, order_params


def page(conn: sqlite3.Connection, request: SearchRequest, compiled: Compiled,
         from_hits: bool = True) -> list[CatalogDocument]:
    """One page in order, from ``temp.hits`` or (``from_hits=False``, for a query without
    clauses) straight from the entries in scope."""
    join, order, join_params, order_params = _order(request.sort, compiled)
    where, where_params = ("1", list[object]()) if from_hits else scope_sql(request.scope)
    source = "temp.hits h JOIN entries e ON e.rowid = h.rowid" if from_hits else "entries e"
    rowids = [r for (r,) in conn.execute(
        f"SELECT e.rowid FROM {source} {join} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*join_params, *where_params, *order_params, max(request.size, 0),
         max(request.start, 0)])]
    texts = dict(conn.execute(
        f"SELECT rowid, json FROM docs WHERE rowid IN ({', '.join('?' * len(rowids))})", rowids))
    scope = request.scope
    docs = (CatalogDocument.loads(texts[r]).visible_to(scope.libraries, scope.sees_restricted)
            for r in rowids)
    return [doc for doc in docs if doc is not None]


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
