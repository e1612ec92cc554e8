"""One Z39.50 association: Init, Search, Present, Scan, Sort, Delete, Close.

The session turns parsed requests into response bytes. The backend is synchronous:
a call runs on the event loop when it finishes within a few milliseconds, else in a
worker thread (``search.inline``), so other connections stay responsive. Result sets
hold the ordered entry ids of one search; Present pages fetch the entries by id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from normalizers.text import fold
from search import inline
from search.backend import SearchBackend
from search.document import CatalogDocument
from search.query import Query, QueryError, ScanRequest, Scope, SearchRequest, SortField, SortKey
from z3950 import bib1, pdu, records
from z3950 import diagnostics as d
from z3950.pdu import Diagnostic, Record, Records
from z3950.settings import Z3950Settings

log = logging.getLogger("unioncat.z3950")

IMPLEMENTATION = ("unioncat", "unioncat union catalog Z39.50 target", "0.1.0")
SORT_USE: dict[int, SortField] = {4: "title", 1003: "creator", 1: "creator", 30: "year",
                                  31: "year", 1016: "relevance"}
SORT_NAMES: dict[str, SortField] = {"title": "title", "author": "creator", "creator": "creator",
                                    "date": "year", "year": "year", "relevance": "relevance"}


@dataclass
class ResultSet:
    """A named result set: the query, not its ids. Present pages re-run the query at an
    offset, so a search never loads every hit's document (that dominated search time)."""

    query: Query
    database: str
    scope: Scope
    total: int
    held: int  # positions a present may ask for (total, capped by max_result_set)
    sort: tuple[SortKey, ...] = ()
    first: tuple[CatalogDocument, ...] = ()  # the first page, fetched with the search

    def cached(self, start: int, count: int) -> list[CatalogDocument] | None:
        """Positions start..start+count-1 (0-based) if the first page holds them."""
        if start + count <= len(self.first):
            return list(self.first[start:start + count])
        return None


@dataclass
class Reply:
    """What to send back, and whether to close the connection after sending it."""

    data: bytes | None = None
    close: bool = False


@dataclass
class Session:
    backend: SearchBackend
    settings: Z3950Settings
    initialized: bool = False
    preferred_message_size: int = 1024 * 1024
    exceptional_record_size: int = 1024 * 1024
    result_sets: dict[str, ResultSet] = field(default_factory=dict)

    async def handle(self, request: pdu.Request) -> Reply:
        if isinstance(request, pdu.InitRequest):
            return self.init(request)
        if not self.initialized:
            return Reply(pdu.close(pdu.CLOSE_PROTOCOL_ERROR, "Init expected first"), True)
        if isinstance(request, pdu.SearchRequest):
            return Reply(await self.search(request))
        if isinstance(request, pdu.PresentRequest):
            return Reply(await self.present(request))
        if isinstance(request, pdu.ScanRequest):
            return Reply(await self.scan(request))
        if isinstance(request, pdu.SortRequest):
            return Reply(await self.sort(request))
        if isinstance(request, pdu.DeleteResultSetRequest):
            return Reply(self.delete(request))
        if isinstance(request, pdu.CloseRequest):
            return Reply(pdu.close(pdu.CLOSE_FINISHED, "", request.reference_id), True)
        return self.other(request)

    def other(self, request: pdu.OtherPdu) -> Reply:
        if request.tag == pdu.TRIGGER_RESOURCE_CONTROL_REQUEST:
            return Reply()  # no response is defined; nothing runs long enough to cancel
        message = f"unsupported APDU [{request.tag}]"
        return Reply(pdu.close(pdu.CLOSE_PROTOCOL_ERROR, message, request.reference_id), True)

    # ------------------------------------------------------------------ init
    def init(self, request: pdu.InitRequest) -> Reply:
        if self.initialized:
            return Reply(pdu.close(pdu.CLOSE_PROTOCOL_ERROR, "second Init"), True)
        self.initialized = True
        self.preferred_message_size = _clamp(request.preferred_message_size,
                                             self.settings.preferred_message_size)
        self.exceptional_record_size = max(self.preferred_message_size, _clamp(
            request.exceptional_record_size, self.settings.exceptional_record_size))
        wanted = {name for name, bit in pdu.OPTION_BITS.items()
                  if bit < len(request.options) and request.options[bit]}
        offered = frozenset(wanted & (set(pdu.OPTION_BITS) - {"negotiationModel"}))
        utf8 = any(c.upper() == "UTF-8" for c in request.charsets)
        response = pdu.InitResponse(
            request.reference_id, True, offered, self.preferred_message_size,
            self.exceptional_record_size, IMPLEMENTATION, "UTF-8" if utf8 else None,
            request.records_in_charset if utf8 else None)
        return Reply(pdu.init_response(response))

    # ------------------------------------------------------------------ search
    async def search(self, request: pdu.SearchRequest) -> bytes:
        try:
            database, scope = self._database(request.databases)
            self._check_result_set_name(request)
            query = bib1.to_query(request.query)
            hits = await self._run_search(query, scope, (), _search_window(request))
        except d.Bib1Diagnostic as diag:
            if request.replace and not isinstance(diag, d.ResultSetExists):
                self.result_sets.pop(request.result_set_name, None)  # a failed search empties it
            return _search_failure(request, diag)
        result = ResultSet(query, database, scope, hits.total,
                           min(hits.total, self.settings.max_result_set),
                           first=tuple(hits.hits))
        self.result_sets[request.result_set_name] = result
        return self._search_success(request, result, hits.hits)

    def _database(self, names: tuple[str, ...]) -> tuple[str, Scope]:
        if len(names) != 1:
            raise d.TooManyDatabases("exactly one database per request")
        scopes = self.settings.scopes()
        found = next((n for n in scopes if n.lower() == names[0].lower()), None)
        if found is None:
            raise d.DatabaseUnavailable(names[0])
        return found, scopes[found]

    def _check_result_set_name(self, request: pdu.SearchRequest) -> None:
        name = request.result_set_name
        if name in self.result_sets and not request.replace:
            raise d.ResultSetExists(name)
        if name not in self.result_sets and len(self.result_sets) >= (
                self.settings.max_result_sets):
            raise d.TooManyResultSets(str(self.settings.max_result_sets))

    async def _run_search(self, query: Query, scope: Scope, sort: tuple[SortKey, ...],
                          size: int, start: int = 0) -> _Hits:
        request = SearchRequest(query, scope, start, size, sort, view="usmarc")
        try:
            result = await inline.call(self.backend, self.backend.search, request)
        except QueryError as error:
            raise d.from_query_error(error) from error
        except Exception as error:
            log.exception("Z39.50 search failed")
            raise d.PermanentSystemError("search failed") from error
        return _Hits(result.total, result.hits)

    def _search_success(self, request: pdu.SearchRequest, result: ResultSet,
                        hits: list[CatalogDocument]) -> bytes:
        count, esn = _piggyback(request, result.total)
        count = min(count, len(hits))
        if count == 0:
            return pdu.search_response(request.reference_id, result.total, 0, 1, True,
                                       None, None)
        try:
            syntax = records.check_syntax(request.record_syntax)
            element_set = records.check_element_set(esn)
        except d.Bib1Diagnostic as diag:
            return pdu.search_response(request.reference_id, result.total, 0, 1, True,
                                       Records(diagnostic=_diag(diag)), 5)
        found = {h.id: h for h in hits[:count]}
        batch, status = self._pack(result, [h.id for h in hits[:count]], found, syntax,
                                   element_set)
        return pdu.search_response(request.reference_id, result.total, len(batch.records),
                                   len(batch.records) + 1, True, batch, status)

    # ------------------------------------------------------------------ present
    async def present(self, request: pdu.PresentRequest) -> bytes:
        try:
            result, start, count, syntax, element_set = self._present_plan(request)
            page = result.cached(start, count)
            if page is None:
                head = list(result.first[start:])  # what the search already fetched
                page = head + (await self._run_search(
                    result.query, result.scope, result.sort, count - len(head),
                    start + len(head))).hits
        except d.Bib1Diagnostic as diag:
            return pdu.present_response(request.reference_id, 0, request.start, 5,
                                        Records(diagnostic=_diag(diag)))
        docs = {h.id: h for h in page}
        batch, status = self._pack(result, [h.id for h in page], docs, syntax, element_set)
        returned = len(batch.records)
        return pdu.present_response(request.reference_id, returned, request.start + returned,
                                    status, batch)

    def _present_plan(self, request: pdu.PresentRequest) -> tuple[
            ResultSet, int, int, str, str]:
        """The result set, 0-based start and count of a valid present request."""
        if request.unsupported == "additionalRanges":
            raise d.AdditionalRangesNotSupported()
        if request.unsupported:
            raise d.CompSpecNotSupported()
        result = self.result_sets.get(request.result_set)
        if result is None:
            raise d.ResultSetDoesNotExist(request.result_set)
        syntax = records.check_syntax(request.record_syntax)
        element_set = records.check_element_set(request.element_set)
        held = result.held
        if request.start < 1 or request.start > held or request.count < 0:
            raise d.PresentOutOfRange(f"{request.start}+{request.count} of {held}")
        end = min(held, request.start - 1 + request.count)
        return result, request.start - 1, end - (request.start - 1), syntax, element_set

    def _pack(self, result: ResultSet, ids: list[str], docs: dict[str, CatalogDocument],
              syntax: str, element_set: str) -> tuple[Records, int]:
        """Records that fit the negotiated message size, and the present status."""
        packed: list[Record] = []
        used = 0
        for entry_id in ids:
            record = self._record(result.database, docs.get(entry_id), syntax, element_set)
            size = len(record.data) + 64
            if used + size > self.preferred_message_size:
                if packed:
                    return Records(packed), 2  # partial-2: message size too small
                record = self._oversized(record, len(ids))
                size = len(record.data) + 64
            packed.append(record)
            used += size
        status = 4 if any(r.diagnostic for r in packed) else 0
        return Records(packed), status

    def _oversized(self, record: Record, requested: int) -> Record:
        if requested == 1 and len(record.data) <= self.exceptional_record_size:
            return record
        code = 16 if len(record.data) <= self.exceptional_record_size else 17
        return Record(record.database, diagnostic=Diagnostic(code, f"{len(record.data)} bytes"))

    def _record(self, database: str, doc: CatalogDocument | None, syntax: str,
                element_set: str) -> Record:
        if doc is None:
            return Record(database, diagnostic=Diagnostic(14, "entry no longer available"))
        try:
            return Record(database, syntax, records.render(doc, syntax, element_set))
        except LookupError as gone:  # read on first use, and changed since the search
            log.info("Z39.50 entry %s: %s", doc.id, gone)
            return Record(database, diagnostic=Diagnostic(14, f"entry {doc.id} changed since"
                                                              " the search; search again"))
        except Exception:
            log.exception("Z39.50 could not render entry %s", doc.id)
            return Record(database, diagnostic=Diagnostic(14, f"entry {doc.id}"))

    # ------------------------------------------------------------------ scan
    async def scan(self, request: pdu.ScanRequest) -> bytes:
        try:
            entries, position = await self._scan(request)
        except d.Bib1Diagnostic as diag:
            return pdu.scan_response(request.reference_id, 6, [], None, _diag(diag))
        terms = [pdu.ScanTerm(e.term, e.count) for e in entries]
        return pdu.scan_response(request.reference_id, 0, terms, position, None)

    async def _scan(self, request: pdu.ScanRequest) -> tuple[list[pdu.ScanTerm], int]:
        _, scope = self._database(request.databases)
        bib1.check_attribute_set(request.attribute_set)
        if request.step_size:
            raise d.OnlyZeroStepSize(str(request.step_size))
        attrs = bib1.attributes_of(request.start)
        index = bib1.indexes_of(attrs.use)[0]
        count = max(0, min(request.count, self.settings.max_scan_terms))
        position = max(1, min(request.position, count or 1))
        scan = ScanRequest(index, request.start.term, count, position, scope)
        try:
            entries = await inline.call(self.backend, self.backend.scan, scan)
        except QueryError as error:
            raise d.from_query_error(error) from error
        start = fold(request.start.term)
        before = sum(1 for e in entries if fold(e.term) < start)
        return [pdu.ScanTerm(e.term, e.count) for e in entries], before + 1

    # ------------------------------------------------------------------ sort, delete
    async def sort(self, request: pdu.SortRequest) -> bytes:
        try:
            result, keys = self._sort_plan(request)
            hits = await self._run_search(result.query, result.scope, keys, 0)
        except d.Bib1Diagnostic as diag:
            return pdu.sort_response(request.reference_id, 2, _diag(diag), None)
        self.result_sets[request.output] = ResultSet(
            result.query, result.database, result.scope, hits.total,
            min(hits.total, self.settings.max_result_set), keys)
        return pdu.sort_response(request.reference_id, 0, None, hits.total)

    def _sort_plan(self, request: pdu.SortRequest) -> tuple[ResultSet, tuple[SortKey, ...]]:
        if len(request.inputs) != 1:
            raise d.CannotSort("exactly one input result set")
        result = self.result_sets.get(request.inputs[0])
        if result is None:
            raise d.ResultSetDoesNotExist(request.inputs[0])
        keys = []
        for spec in request.keys:
            name = (SORT_USE.get(spec.use) if spec.use is not None
                    else SORT_NAMES.get(spec.field.lower()))
            if name is None:
                raise d.CannotSort(spec.field or f"use {spec.use}")
            keys.append(SortKey(name, spec.descending))
        return result, tuple(keys)

    def delete(self, request: pdu.DeleteResultSetRequest) -> bytes:
        if request.all_sets:
            self.result_sets.clear()
            return pdu.delete_response(request.reference_id, 0)
        missing = [n for n in request.names if n not in self.result_sets]
        for name in request.names:
            self.result_sets.pop(name, None)
        return pdu.delete_response(request.reference_id, 1 if missing else 0)


MAX_PIGGYBACK = 100  # records a search response carries at most
# Hits fetched with a search for the present that follows (yaz-client and the bench show
# 10; Koha's ZOOM asks 20: the second ten come from the backend's ranked window, cheaply).
FIRST_PAGE = 10


@dataclass
class _Hits:
    total: int
    hits: list[CatalogDocument]


def _clamp(asked: int, ceiling: int) -> int:
    return max(1024, min(asked, ceiling)) if asked > 0 else ceiling


def _diag(diag: d.Bib1Diagnostic) -> Diagnostic:
    return Diagnostic(diag.code, diag.addinfo)


def _search_failure(request: pdu.SearchRequest, diag: d.Bib1Diagnostic) -> bytes:
    return pdu.search_response(request.reference_id, 0, 0, 1, False,
                               Records(diagnostic=_diag(diag)), 5)


def _search_window(request: pdu.SearchRequest) -> int:
    """Hits a search fetches: what its response may carry, and at least the first page a
    cataloguer's client presents next (so that present need not search again)."""
    piggyback = max(request.small_set_upper_bound, request.medium_set_present_number)
    return max(FIRST_PAGE, min(piggyback, MAX_PIGGYBACK))


def _piggyback(request: pdu.SearchRequest, total: int) -> tuple[int, str | None]:
    """How many records the search response carries (small/medium set rules)."""
    if total <= request.small_set_upper_bound:
        return total, request.small_set_element_set
    if total < request.large_set_lower_bound:
        return min(request.medium_set_present_number, total), request.medium_set_element_set
    return 0, None
