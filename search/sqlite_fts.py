"""The embedded default search backend: SQLite FTS5 in its own database file (WAL).

Writes go through one writer connection under a lock (one transaction per batch);
reads use one connection per thread, so the FastAPI thread pool and an ingest writer can
work at once. See ``sqlite_rows`` (storage layout), ``sqlite_compile`` (AST -> SQL) and
``sqlite_read`` (ranking, facets, scan).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from search import sqlite_read
from search.document import (
    BackendStats,
    CatalogDocument,
    FacetCount,
    Health,
    ScanEntry,
    SearchResult,
)
from search.inline import Overran
from search.query import MatchAll, ScanRequest, Scope, SearchRequest
from search.sqlite_compile import Compiled, compile_query
from search.sqlite_drafts import DraftedEntry
from search.sqlite_insert import insert_rows
from search.sqlite_rank import FAST, Ranking
from search.sqlite_rows import doc_rows
from search.sqlite_schema import (
    READER_CACHE_KIB,
    TEXT_COLUMNS,
    VALS_KEY,
    WRITER_CACHE_KIB,
    bump_generation,
    claim_rowids,
    connect,
    create_schema,
    generation,
)

_CHUNK = 500  # ids per IN (...) list
_CACHE_SIZE = 512  # cached totals, facets and ranked ids (per scope, index, query)
_RANKED_IDS = 100  # ids kept in relevance order per query, for the pages asked for next
_FIRST_IDS = 40  # kept by a first page: SRU's next three pages, Koha's present of 20
_PROGRESS_STEPS = 1000  # SQLite VM steps between deadline checks of a brief read (~20 us)
CacheKey = tuple[object, ...]
_COLUMNS = ", ".join(TEXT_COLUMNS)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class SqliteFtsBackend:
    name = "sqlite-fts"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._cache: dict[CacheKey, object] = {}
        self._ranking = Ranking(self.path)  # attached to readers: ranking runs only there
        self._writer = connect(self.path, WRITER_CACHE_KIB)
        create_schema(self._writer)

    # --- connections ------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, READER_CACHE_KIB)
            self._ranking.attach(conn)
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction. Under ``briefly`` its statements (not BEGIN and COMMIT:
        SQLite counts a cached statement's steps across runs) stop at the deadline."""
        conn = self._reader()
        conn.execute("BEGIN")
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is not None:
            conn.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_STEPS)
        interrupted = False
        try:
            yield conn
        except sqlite3.OperationalError as error:
            interrupted = error.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT
            if interrupted and deadline is not None:
                raise Overran from error
            raise
        finally:
            if deadline is not None:
                conn.set_progress_handler(None, 0)
            _end_read(conn)
            if interrupted:
                self._retire(conn)

    def _retire(self, conn: sqlite3.Connection) -> None:
        """Close this thread's reader after an interrupt: the next read opens another.
        CPython 3.11 marks a cached statement free only when ``sqlite3_reset`` succeeds,
        and the reset after an interrupt mid-rows reports the interrupt, so that
        statement stayed busy in the cache for good and every later use prepared it
        again (a served page's record fetch, each time, once one search had overrun)."""
        with self._lock:
            if conn in self._readers:
                self._readers.remove(conn)
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        conn.close()

    @contextmanager
    def briefly(self, seconds: float) -> Iterator[None]:
        """``search.inline.Brief``: reads in this thread raise ``Overran`` once ``seconds``
        have passed (SQLite's progress handler interrupts the statement; a read changes
        nothing, so the caller can run it again elsewhere)."""
        self._local.deadline = time.perf_counter() + seconds
        try:
            yield
        finally:
            self._local.deadline = None

    def _brief(self) -> bool:
        return getattr(self._local, "deadline", None) is not None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
                bump_generation(self._writer)
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    # --- writes -----------------------------------------------------------------------
    @contextmanager
    def loading(self) -> Iterator[None]:
        """A load that starts on an empty index builds ``vals_key`` once, sorted, at the end
        instead of one random insert per value row (18 per entry): about 40 % of the cost
        of writing ``vals``. Searches meanwhile scan ``vals``. After a crash in between,
        ``create_schema`` builds the index when the file is next opened. At the end the
        FTS5 index is merged into one segment (50,000 entries: 9 segments, 0.7 s), so a
        search walks one b-tree per term (about 4 % fewer instructions a request)."""
        with self._lock:
            (empty,) = self._writer.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM entries)").fetchone()
            if empty:
                self._writer.execute("DROP INDEX IF EXISTS vals_key")
        try:
            yield
        finally:
            if empty:
                with self._lock:
                    # the sort spills to a temporary file, not to memory (18 rows an entry)
                    self._writer.execute("PRAGMA temp_store=FILE")
                    self._writer.execute(VALS_KEY)
                    self._writer.execute("PRAGMA temp_store=MEMORY")
                    self._writer.execute("INSERT INTO fts(fts) VALUES ('optimize')")

    def upsert(self, docs: Sequence[CatalogDocument]) -> None:
        self.upsert_drafted(docs)

    def upsert_drafted(self, entries: Sequence[CatalogDocument | DraftedEntry]) -> None:
        """``upsert``, where an entry may come as rows drafted ahead (``sqlite_drafts``)."""
        latest = list({doc.id: doc for doc in entries}.values())
        if not latest:
            return
        with self._write() as conn:
            self._remove(conn, [doc.id for doc in latest])
            top = claim_rowids(conn, len(latest))
            rows = [doc_rows(top + i + 1, doc) if isinstance(doc, CatalogDocument)
                    else doc.rows.bind(top + i + 1, doc.id, doc.added, doc.updated)
                    for i, doc in enumerate(latest)]
            insert_rows(conn, "entries", [r.entry for r in rows])
            insert_rows(conn, "docs(rowid, json, marc)", [r.json for r in rows])
            insert_rows(conn, "pubmarc", [r.pub for r in rows if r.pub is not None])
            insert_rows(conn, "ftext", [r.text for r in rows])
            # the rows just claimed, in rowid order, read back rather than bound again
            conn.execute(f"INSERT INTO fts(rowid, {_COLUMNS}) SELECT rowid, {_COLUMNS} "
                         "FROM ftext WHERE rowid > ?", (top,))
            insert_rows(conn, "vals", [v for r in rows for v in r.vals])
            insert_rows(conn, "holdings", [h for r in rows for h in r.holdings])

    def delete(self, ids: Sequence[str]) -> None:
        with self._write() as conn:
            self._remove(conn, list(dict.fromkeys(ids)))

    @staticmethod
    def _remove(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        """Drop existing entries with these ids from every table (FTS rows first, while
        their external content is still there to say which tokens to remove)."""
        rowids: list[int] = []
        for chunk in _chunks(ids):
            rowids += [r for (r,) in conn.execute(
                f"SELECT rowid FROM entries WHERE id IN ({', '.join('?' * len(chunk))})", chunk)]
        if not rowids:
            return
        params = [(r,) for r in rowids]
        conn.executemany(f"INSERT INTO fts(fts, rowid, {_COLUMNS}) SELECT 'delete', rowid, "
                         f"{_COLUMNS} FROM ftext WHERE rowid = ?", params)
        for statement in ("DELETE FROM ftext WHERE rowid = ?", "DELETE FROM docs WHERE rowid = ?",
                          "DELETE FROM pubmarc WHERE rowid = ?",
                          "DELETE FROM vals WHERE entry = ?",
                          "DELETE FROM holdings WHERE entry = ?",
                          "DELETE FROM entries WHERE rowid = ?"):
            conn.executemany(statement, params)

    # --- reads ------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """A query that is one FTS5 MATCH pages and counts straight from ``fts``; any other
        query first fills ``temp.hits``. A query without clauses (whole catalog in scope)
        reads cached totals and facets, keyed by the write generation, and pages straight
        from ``entries``."""
        compiled = compile_query(request.query, request.scope)
        if compiled.match and '" *' in compiled.match and self._brief():
            raise Overran  # FTS5 merges a prefix's terms in one step, before any deadline check
        with self._read() as conn:
            gen = generation(conn)
            if isinstance(request.query, MatchAll):
                return self._search_all(conn, request, compiled, gen)
            hidden = self._any_hidden(conn, gen, request.scope)
            if compiled.match is None:
                if _page_only(request) and not (compiled.rank_match or compiled.exact_match):
                    return self._unranked_page(conn, request, compiled, hidden)
                source = sqlite_read.HITS
                total = sqlite_read.fill_hits(conn, sqlite_read.matching(
                    compiled, request.scope, hidden))
            else:
                source = sqlite_read.fts_source(compiled, request.scope, hidden)
                if _page_only(request):
                    return self._ranked_page(conn, request, compiled, source, gen)
                total = (sqlite_read.fill_hits(conn, source) if request.facets
                         else sqlite_read.count(conn, source))
            facets: dict[str, list[FacetCount]] = {
                index: sqlite_read.facet(conn, index, request.scope, request.facet_size)
                for index in dict.fromkeys(request.facets)}
            hits = (sqlite_read.page(conn, request, compiled, source, self._docs_row)
                    if request.size > 0 else [])
        return SearchResult(total=total, hits=hits, facets=facets)

    def _any_hidden(self, conn: sqlite3.Connection, gen: int, scope: Scope) -> bool:
        """Whether an entry out of public view exists (there are few, often none): without
        one, a public search skips a probe per hit (a sixth of a typical search)."""
        if not scope.is_public:
            return True  # those scopes never probe ``pub``
        return bool(self._cached(("hidden", gen), lambda: int(conn.execute(
            "SELECT EXISTS (SELECT 1 FROM entries WHERE pub = 0)").fetchone()[0])))

    def _unranked_page(self, conn: sqlite3.Connection, request: SearchRequest,
                       compiled: Compiled, hidden: bool) -> SearchResult:
        """A page of a query without word clauses (ISBN, year, library...): nothing ranks
        it, so hits come in entry order, total and page straight from its WHERE. Filling
        ``temp.hits`` first cost a quarter of a Z39.50 ISBN search."""
        source = sqlite_read.matching(compiled, request.scope, hidden)
        total = sqlite_read.count(conn, source)
        hits = (sqlite_read.page(conn, request, compiled, source, self._docs_row)
                if total > request.start else [])
        return SearchResult(total=total, hits=hits)

    def _ranked_page(self, conn: sqlite3.Connection, request: SearchRequest,
                     compiled: Compiled, source: sqlite_read.Source, gen: int) -> SearchResult:
        """A relevance page of a one-MATCH query, from the query's ranked ids when this
        process has them. bm25 runs over every hit (~2 µs each) before any page can be
        cut, so the ranked ids and the total are kept per query and write generation (a
        write anywhere makes them stale) for the same search again or its next pages (SRU
        startRecord, Z39.50 presents, the OPAC's page 2): a first page keeps the first
        ``_FIRST_IDS`` ids (a wider cut costs a little more on large result sets), a later
        page the first ``_RANKED_IDS``. Pages past those rank afresh."""
        end = request.start + request.size
        if end > _RANKED_IDS:
            rowids, total = sqlite_read.ranked_rowids(conn, compiled, source, request.size,
                                                      request.start)
        else:
            want = max(request.size, _FIRST_IDS) if request.start == 0 else _RANKED_IDS
            ranked, total = self._ranked(conn, compiled, source, request.scope, want, gen)
            rowids = ranked[request.start:end]
        return SearchResult(total=total,
                            hits=sqlite_read.documents(conn, rowids, request.scope,
                                                       request.view, self._docs_row))

    def _ranked(self, conn: sqlite3.Connection, compiled: Compiled,
                source: sqlite_read.Source, scope: Scope, want: int, gen: int
                ) -> tuple[list[int], int]:
        """The first ``want`` ranked ids (or all, if fewer) and the total."""
        key = ("ranked", gen, scope, compiled.match, compiled.exact_match)
        cached = cast(tuple[list[int], int] | None, self._cache.get(key))
        if cached is None or (len(cached[0]) < want and len(cached[0]) < cached[1]):
            cached = sqlite_read.ranked_rowids(conn, compiled, source, want)
            self._remember(key, cached)
        return cached

    def _search_all(self, conn: sqlite3.Connection, request: SearchRequest,
                    compiled: Compiled, gen: int) -> SearchResult:
        scope = request.scope
        source = sqlite_read.entries_source(scope)
        total = self._cached(("total", gen, scope), lambda: sqlite_read.count(conn, source))
        facets: dict[str, list[FacetCount]] = {}
        filled = False
        for index in dict.fromkeys(request.facets):
            key = ("facet", gen, scope, index, request.facet_size)
            cached = self._cache.get(key)
            if cached is None:
                if not filled:
                    sqlite_read.fill_hits(conn, source)
                    filled = True
                cached = sqlite_read.facet(conn, index, scope, request.facet_size)
                self._remember(key, cached)
            facets[index] = cached  # type: ignore[assignment]
        hits = (sqlite_read.page(conn, request, compiled, source, self._docs_row)
                if request.size > 0 else [])
        return SearchResult(total=total, hits=hits, facets=facets)

    def _cached(self, key: CacheKey, compute: Callable[[], int]) -> int:
        if key not in self._cache:
            self._remember(key, compute())
        return self._cache[key]  # type: ignore[return-value]

    def _remember(self, key: CacheKey, value: object) -> None:
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = value

    def _docs_row(self, rowid: int) -> tuple[bytes, bytes | None]:
        """The JSON and MARC of a hit found in the "usmarc" view, read on its first use
        beyond its record (in the using thread, after the search's transaction). A rowid
        names one version of an entry for good, so a row found is the version the search
        found; none means the entry changed or went since."""
        row = self._reader().execute(
            "SELECT CAST(json AS BLOB), marc FROM docs WHERE rowid = ?", (rowid,)).fetchone()
        if row is None:
            raise LookupError(f"entry (row {rowid}) changed since it was found: search again")
        return row[0], row[1]

    def get(self, ids: Sequence[str], scope: Scope) -> list[CatalogDocument]:
        found: dict[str, tuple[str, bytes | None]] = {}
        with self._read() as conn:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                found.update((i, (text, marc)) for i, text, marc in conn.execute(
                    "SELECT e.id, d.json, d.marc FROM entries e JOIN docs d ON d.rowid = e.rowid"
                    f" WHERE e.id IN ({', '.join('?' * len(chunk))})", chunk))
        docs = (CatalogDocument.loads(*found[i]).visible_to(scope.libraries, scope.sees_restricted)
                for i in ids if i in found)
        return [doc for doc in docs if doc is not None]

    def scan(self, request: ScanRequest) -> list[ScanEntry]:
        with self._read() as conn:
            return sqlite_read.scan(conn, request)

    def stats(self) -> BackendStats:
        with self._read() as conn:
            (entries,) = conn.execute("SELECT count(*) FROM entries").fetchone()
            (holdings,) = conn.execute("SELECT count(*) FROM holdings").fetchone()
        size = self.path.stat().st_size if self.path.exists() else 0
        return BackendStats(entries=entries, backend=self.name,
                            detail={"holdings": holdings, "path": str(self.path),
                                    "file_bytes": size, "sqlite": sqlite3.sqlite_version,
                                    "ranking": "unioncat_bm25" if FAST else "bm25"})

    def health(self) -> Health:
        try:
            with self._read() as conn:
                conn.execute("SELECT rowid FROM entries LIMIT 1").fetchall()
        except sqlite3.Error as error:
            return Health(ok=False, backend=self.name, detail=str(error))
        return Health(ok=True, backend=self.name, detail=str(self.path))

    def close(self) -> None:
        with self._lock:
            for conn in [*self._readers, self._writer]:
                conn.close()
            self._readers.clear()
        self._local = threading.local()


def _end_read(conn: sqlite3.Connection) -> None:
    """COMMIT a read transaction; should that fail, roll it back rather than leave the
    connection inside it (every later BEGIN would fail). An interrupted write into a temp
    table (``fill_hits``) has already rolled the whole transaction back."""
    if not conn.in_transaction:
        return
    try:
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _page_only(request: SearchRequest) -> bool:
    """A relevance-ordered page without facets: total and page can come from one pass."""
    return not request.facets and request.size > 0 and all(
        key.field == "relevance" for key in request.sort)
