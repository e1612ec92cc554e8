"""The OpenSearch backend: the ``SearchBackend`` protocol over an OpenSearch 2.x cluster.

Entries live in a versioned index ``<prefix>-v<N>`` reached through the alias ``<prefix>``;
serving code only ever names the alias, so a full re-index (``reindex``) builds the next
version beside the live one and switches the alias atomically. Layout and analysis are in
``search/opensearch_mapping.py``, the query compiler in ``search/opensearch_compile.py``.

Scope is enforced on the server for search, facets, counts and scan (flat
``public_libraries``/``all_libraries`` filters and nested holding filters) and every
returned document is passed through ``CatalogDocument.visible_to`` as well.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    NotFoundError,
    OpenSearchException,
    RequestError,
    TransportError,
)

from search.document import (
    BackendStats,
    CatalogDocument,
    FacetCount,
    Health,
    ScanEntry,
    SearchResult,
)
from search.opensearch_compile import Dsl, compile_query, holding_filter, scope_filter
from search.opensearch_facets import Keys, display_request, displays, facet_agg, facet_keys
from search.opensearch_mapping import (
    HOLDING_FIELDS,
    KEYED_INDEXES,
    SEP,
    WORD_FIELDS,
    doc_body,
    index_body,
)
from search.query import QueryError, ScanRequest, Scope, SearchRequest, SortKey
from search.sqlite_keys import field_key, keyword_key

_SORT_FIELDS = {"year": "year", "title": "title_sort", "creator": "creator_sort",
                "added": "added"}
_HOLDING_SCAN_LIMIT = 10_000  # distinct libraries / types / districts held in one province
_IDS_PER_REQUEST = 1_000


class BulkError(RuntimeError):
    """Some bulk items failed after retries; ``errors`` holds the first item errors."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


class ReindexError(RuntimeError):
    """A re-index did not reach the expected state; the live alias was not touched."""


@dataclass(frozen=True)
class BulkReport:
    ok: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else float(self.ok)


@dataclass(frozen=True)
class ReindexReport:
    index: str
    previous: tuple[str, ...]
    documents: int
    seconds: float


class OpenSearchBackend:
    """``SearchBackend`` over OpenSearch. Nothing is contacted until the first call.

    ``index`` is the alias serving code reads; versioned indices are ``<index>-v<N>``.
    """

    name = "opensearch"

    def __init__(self, url: str, index: str = "unioncat", *, user: str | None = None,
                 password: str | None = None, verify_certs: bool = True,
                 ca_certs: str | None = None, shards: int = 1, replicas: int = 1,
                 max_result_window: int = 10_000, refresh: bool = True,
                 chunk_size: int = 500, max_chunk_bytes: int = 8 * 1024 * 1024,
                 max_retries: int = 5, timeout: float = 30.0,
                 http_compress: bool = False) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", index):
            raise ValueError(f"index (alias) name must be lowercase [a-z0-9_.-]: {index!r}")
        self.alias = index
        self.shards = shards
        self.replicas = replicas
        self.max_result_window = max_result_window
        self.refresh_after_write = refresh
        self.chunk_size = chunk_size
        self.max_chunk_bytes = max_chunk_bytes
        self.max_retries = max_retries
        auth = (user, password or "") if user else None
        self.client = OpenSearch(
            hosts=[url], http_auth=auth, verify_certs=verify_certs, ca_certs=ca_certs,
            ssl_show_warn=verify_certs, timeout=timeout, max_retries=3,
            retry_on_timeout=True, http_compress=http_compress)
        self._ready = False
        self._icu: bool | None = None
        self.last_bulk: BulkReport | None = None

    # --- index lifecycle --------------------------------------------------------------
    def has_icu(self) -> bool:
        """Whether the node has the ICU analysis plugin (``icu_folding``)."""
        if self._icu is None:
            try:
                self.client.indices.analyze(body={
                    "tokenizer": "keyword", "filter": ["icu_folding"], "text": "Đ"})
                self._icu = True
            except RequestError:
                self._icu = False
        return self._icu

    def _versions(self) -> dict[int, str]:
        pattern = re.compile(re.escape(self.alias) + r"-v(\d+)")
        found = self.client.indices.get(index=f"{self.alias}-v*", allow_no_indices=True,
                                        expand_wildcards="open,closed")
        return {int(m.group(1)): name for name in found
                if (m := pattern.fullmatch(name)) is not None}

    def _alias_targets(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def _create(self, name: str, bulk_load: bool) -> None:
        self.client.indices.create(index=name, body=index_body(
            icu=self.has_icu(), shards=self.shards, replicas=self.replicas,
            max_result_window=self.max_result_window, bulk_load=bulk_load))

    def ensure_index(self) -> None:
        """Create ``<prefix>-v1`` behind the alias if the alias does not exist yet."""
        if self._ready:
            return
        if not self._alias_targets():
            version = max(self._versions(), default=0) + 1
            name = f"{self.alias}-v{version}"
            try:
                self._create(name, bulk_load=False)
                self.client.indices.update_aliases(body={"actions": [
                    {"add": {"index": name, "alias": self.alias, "is_write_index": True}}]})
            except RequestError as exc:  # another app node created it first
                if not self._alias_targets():
                    raise exc
            self.client.cluster.health(index=self.alias, params={
                "wait_for_status": "yellow", "request_timeout": 60})
        self._ready = True

    def drop(self) -> None:
        """Delete the alias and every versioned index of this prefix (tests, teardown)."""
        for name in self._versions().values():
            self.client.indices.delete(index=name, ignore_unavailable=True)
        self._ready = False

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    # --- writes -----------------------------------------------------------------------
    def _bulk(self, actions: Iterable[dict[str, Any]]) -> BulkReport:
        started = time.perf_counter()
        ok, errors = 0, list[dict[str, Any]]()
        for success, item in helpers.streaming_bulk(
                self.client, actions, chunk_size=self.chunk_size,
                max_chunk_bytes=self.max_chunk_bytes, max_retries=self.max_retries,
                initial_backoff=1, max_backoff=30, raise_on_error=False, yield_ok=True):
            if success:
                ok += 1
                continue
            op, info = next(iter(item.items()))
            if op == "delete" and info.get("status") == 404:
                continue
            errors.append(info)
        report = BulkReport(ok, time.perf_counter() - started)
        self.last_bulk = report
        if errors:
            raise BulkError(f"{len(errors)} bulk items failed: {errors[0]}", errors[:20])
        return report

    def upsert(self, docs: Sequence[CatalogDocument]) -> None:
        self.ensure_index()
        self._bulk({"_op_type": "index", "_index": self.alias, "_id": doc.id,
                    "_source": doc_body(doc)} for doc in docs)
        if self.refresh_after_write:
            self.refresh()

    def delete(self, ids: Sequence[str]) -> None:
        self.ensure_index()
        self._bulk({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        if self.refresh_after_write:
            self.refresh()

    def reindex(self, docs: Iterable[CatalogDocument]) -> ReindexReport:
        """Zero-downtime full re-index: build ``<prefix>-v<N+1>``, check its count, switch
        the alias atomically, then delete the previous index. Writes sent through the
        alias while this runs land in the old index: pause ingestion (or replay it)."""
        started = time.perf_counter()
        versions = self._versions()
        name = f"{self.alias}-v{max(versions, default=0) + 1}"
        self._create(name, bulk_load=True)
        ids: set[str] = set()

        def actions() -> Iterator[dict[str, Any]]:
            for doc in docs:
                ids.add(doc.id)
                yield {"_op_type": "index", "_index": name, "_id": doc.id,
                       "_source": doc_body(doc)}

        try:
            self._bulk(actions())
            self.client.indices.put_settings(index=name, body={"index": {
                "number_of_replicas": self.replicas, "refresh_interval": "1s",
                "translog.durability": "request"}})
            self.client.indices.refresh(index=name)
            count = int(self.client.count(index=name)["count"])
            if count != len(ids):
                raise ReindexError(f"{name} holds {count} entries, expected {len(ids)}")
            health = self.client.cluster.health(index=name, params={
                "wait_for_status": "yellow", "request_timeout": 60})
            if health.get("timed_out"):
                raise ReindexError(f"{name} did not reach yellow: {health.get('status')}")
            previous = self._alias_targets()
            self.client.indices.update_aliases(body={"actions": [
                {"add": {"index": name, "alias": self.alias, "is_write_index": True}},
                *({"remove": {"index": old, "alias": self.alias}} for old in previous)]})
        except BaseException:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        # the switch succeeded: the old index (and leftovers of failed runs) can go
        for old in sorted(set(previous) | set(versions.values())):
            if old != name:
                self.client.indices.delete(index=old, ignore_unavailable=True)
        self._ready = True
        return ReindexReport(name, tuple(previous), len(ids), time.perf_counter() - started)

    # --- reads ------------------------------------------------------------------------
    def _search(self, body: Dsl) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self.client.search(index=self.alias, body=body)
        except TransportError as exc:
            text = str(exc.info)
            if "too many terms" in text or "too_many_clauses" in text or (
                    "maxClauseCount" in text):
                raise QueryError("too_complex", "the query expands to too many terms",
                                 str(exc.error)) from exc
            raise
        return result

    def search(self, request: SearchRequest) -> SearchResult:
        self.ensure_index()
        query = compile_query(request.query, request.scope)
        sort = _sort(request.sort)
        aggs = {index: facet_agg(index, request.scope, request.facet_size)
                for index in request.facets}
        start, size = max(request.start, 0), max(request.size, 0)
        body: Dsl = {"query": query, "sort": sort, "track_total_hits": True,
                     "_source": ["doc"], "aggs": aggs}
        if start + size <= self.max_result_window:
            response = self._search({**body, "from": start, "size": size})
            hits = response["hits"]["hits"]
        else:
            response = self._search({**body, "size": 0})
            hits = self._deep_page(query, sort, start, size)
        aggregations = response.get("aggregations", {})
        facets = self._facets({index: facet_keys(index, aggregations[index])
                               for index in dict.fromkeys(request.facets)})
        docs = _documents(hits, request.scope)
        return SearchResult(int(response["hits"]["total"]["value"]), docs, facets)

    def _facets(self, keys: Keys) -> dict[str, list[FacetCount]]:
        """Counted keys with a display form each (one more, small request)."""
        request = display_request(keys)
        aggregations = self._search(request).get("aggregations", {}) if request else {}
        return {index: [FacetCount(shown, n) for shown, n in rows]
                for index, rows in displays(keys, aggregations).items()}

    def _deep_page(self, query: Dsl, sort: list[Dsl], start: int, size: int) -> list[
            dict[str, Any]]:
        """Hits ``start``..``start+size`` past the result window, walking with search_after
        (skipped pages fetch no source)."""
        after: list[Any] | None = None
        seen, page = 0, list[dict[str, Any]]()
        while seen < start + size:
            skipping = seen < start
            want = min(self.max_result_window, (start - seen) if skipping else
                       (start + size - seen))
            body: Dsl = {"query": query, "sort": sort, "size": want,
                         "track_total_hits": False,
                         "_source": False if skipping else ["doc"]}
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            if not hits:
                break
            if not skipping:
                page += hits
            seen += len(hits)
            after = hits[-1]["sort"]
            if len(hits) < want:
                break
        return page

    def get(self, ids: Sequence[str], scope: Scope) -> list[CatalogDocument]:
        self.ensure_index()
        found: dict[str, CatalogDocument] = {}
        unique = list(dict.fromkeys(ids))
        for offset in range(0, len(unique), _IDS_PER_REQUEST):
            chunk = unique[offset:offset + _IDS_PER_REQUEST]
            query: Dsl = {"ids": {"values": chunk}}
            flt = scope_filter(scope)
            if flt is not None:
                query = {"bool": {"filter": [query, flt]}}
            hits = self._search({"query": query, "size": len(chunk),
                                 "_source": ["doc"]})["hits"]["hits"]
            for doc in _documents(hits, scope):
                found[doc.id] = doc
        return [found[i] for i in ids if i in found]

    def scan(self, request: ScanRequest) -> list[ScanEntry]:
        self.ensure_index()
        index = request.index
        if index not in KEYED_INDEXES and index not in HOLDING_FIELDS:
            raise QueryError("unsupported_index", f"no scan on {index!r}", index)
        key = (field_key(request.start_term) if index in WORD_FIELDS
               else keyword_key(index, request.start_term))
        count = max(request.count, 0)
        n_before = max(min(request.position - 1, count), 0)
        if index in HOLDING_FIELDS:
            terms = self._holding_terms(index, request.scope)
            lower = [t for t in terms if t[0] < key]
            before = lower[len(lower) - n_before:] if n_before else []
            after = [t for t in terms if t[0] >= key][:count - len(before)]
            return [ScanEntry(display, n) for _, display, n in [*before, *after]]
        field = f"{index}_scan"
        before = self._composite(field, request.scope, key, "desc", n_before)
        after = self._composite(field, request.scope, key, "asc", count - len(before))
        return [ScanEntry(display, n) for _, display, n in [*reversed(before), *after]]

    def _composite(self, field: str, scope: Scope, key: str, order: str, want: int) -> list[
            tuple[str, str, int]]:
        """Up to ``want`` distinct keys after ``key`` in ``order``, display variants merged.

        Scan values are ``key SEP display``; ``after: key`` in ascending order yields exactly
        the keys >= ``key``, in descending order the keys < ``key``."""
        if want <= 0:
            return []
        query = scope_filter(scope) or {"match_all": {}}
        merged: list[tuple[str, str, int]] = []
        after: dict[str, str] = {"v": key}
        page_size = min(max(want * 2 + 10, 50), 1000)
        while True:
            body: Dsl = {"size": 0, "query": query, "aggs": {"scan": {"composite": {
                "size": page_size, "after": after,
                "sources": [{"v": {"terms": {"field": field, "order": order}}}]}}}}
            agg = self._search(body)["aggregations"]["scan"]
            for bucket in agg["buckets"]:
                k, _, display = str(bucket["key"]["v"]).partition(SEP)
                if merged and merged[-1][0] == k:
                    _, shown, n = merged[-1]
                    merged[-1] = (k, min(shown, display), n + int(bucket["doc_count"]))
                else:
                    merged.append((k, display, int(bucket["doc_count"])))
            # one more distinct key than wanted proves the last wanted one is complete
            if len(merged) > want or len(agg["buckets"]) < page_size or "after_key" not in agg:
                return merged[:want]
            after = agg["after_key"]

    def _holding_terms(self, index: str, scope: Scope) -> list[tuple[str, str, int]]:
        query = scope_filter(scope) or {"match_all": {}}
        body: Dsl = {"size": 0, "query": query,
                     "aggs": {"f": _holding_agg(index, scope, _HOLDING_SCAN_LIMIT)}}
        buckets = self._search(body)["aggregations"]["f"]["visible"]["values"]["buckets"]
        return _merge_buckets(buckets, lambda b: int(b["entries"]["doc_count"]))

    # --- operations -------------------------------------------------------------------
    def stats(self) -> BackendStats:
        self.ensure_index()
        entries = int(self.client.count(index=self.alias)["count"])
        targets = self._alias_targets()
        detail: dict[str, Any] = {"alias": self.alias, "indices": targets,
                                  "icu": self.has_icu()}
        try:
            store = self.client.indices.stats(index=self.alias, metric="store,docs")
            detail["store_bytes"] = int(store["_all"]["total"]["store"]["size_in_bytes"])
        except OpenSearchException:
            pass
        return BackendStats(entries, self.name, detail)

    def health(self) -> Health:
        try:
            cluster = self.client.cluster.health()
        except (OpenSearchException, OSError) as exc:
            return Health(False, self.name, f"cluster unreachable: {exc}")
        status = str(cluster.get("status"))
        targets = self._alias_targets()
        detail = (f"cluster {cluster.get('cluster_name')} {status}, "
                  f"{cluster.get('number_of_nodes')} node(s), alias {self.alias} -> "
                  f"{', '.join(targets) or 'missing'}")
        return Health(status in ("green", "yellow"), self.name, detail)

    def close(self) -> None:
        self.client.close()


def _sort(keys: tuple[SortKey, ...]) -> list[Dsl]:
    out: list[Dsl] = []
    for key in keys or (SortKey("relevance"),):
        if key.field == "relevance":
            out.append({"_score": {"order": "asc" if key.descending else "desc"}})
            continue
        out.append({_SORT_FIELDS[key.field]: {
            "order": "desc" if key.descending else "asc", "missing": "_last"}})
    out.append({"id": {"order": "asc"}})
    return out


def _holding_agg(index: str, scope: Scope, size: int) -> Dsl:
    """Scan values of a holding index over the holdings the scope sees, in key order,
    counted in entries."""
    return {"nested": {"path": "holdings"}, "aggs": {"visible": {
        "filter": {"bool": {"filter": holding_filter(scope)}},
        "aggs": {"values": {
            "terms": {"field": f"holdings.{index}_scan", "size": size,
                      "order": [{"_key": "asc"}]},
            "aggs": {"entries": {"reverse_nested": {}}}}}}}}


def _merge_buckets(buckets: list[dict[str, Any]], count: Callable[[dict[str, Any]], int]) -> (
        list[tuple[str, str, int]]):
    """(key, smallest display, summed count) per key, in key order."""
    merged: dict[str, tuple[str, int]] = {}
    for bucket in buckets:
        k, _, display = str(bucket["key"]).partition(SEP)
        shown, n = merged.get(k, (display, 0))
        merged[k] = (min(shown, display), n + count(bucket))
    return [(k, shown, n) for k, (shown, n) in sorted(merged.items())]


def _documents(hits: list[dict[str, Any]], scope: Scope) -> list[CatalogDocument]:
    docs: list[CatalogDocument] = []
    for hit in hits:
        doc = CatalogDocument.loads(hit["_source"]["doc"]).visible_to(
            scope.libraries, scope.sees_restricted)
        if doc is not None:
            docs.append(doc)
    return docs
