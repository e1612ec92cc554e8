"""Both search backends side by side: indexing throughput and query latency, one run.

Builds the CatalogDocuments once per pass from an ingested store (``app.indexer.
load_documents`` over every live cluster, 500 clusters per batch, streamed: no more than
one batch is held at a time) and

1. feeds each batch to a fresh ``SqliteFtsBackend`` (scratch file) and to an
   ``OpenSearchBackend`` through ``upsert`` (the outbox path: one bulk request and one
   refresh per batch), timing each backend separately;
2. rebuilds the OpenSearch index with ``reindex(docs_iter)`` (the full re-index bulk path:
   new versioned index with refresh off, alias switch), with the documents regenerated
   from the store while it streams (the time spent building them is reported and
   subtracted);
3. runs the same neutral-AST query list against both: warm-up, then ``--rounds``
   sequential repetitions per query (p50/p95 wall ms), then a bounded 4-thread run
   (requests/s); every query's total (and facet counts) are compared between the engines.

Documents/s = documents / wall seconds. CPU: this process (``time.process_time``) and, for
OpenSearch, the node's JVM (``/proc/PID/stat``, PID from the dev node's PID file).

The OpenSearch node is not started here; use the dev node (127.0.0.1 only)::

    OPENSEARCH_DEV_PORT=9260 OPENSEARCH_DEV_FRESH=1 OPENSEARCH_DEV_HEAP=1g \\
        deploy/opensearch-dev/start.sh
    .venv/bin/python bench/bench_backends.py bench/out/data-50000-dedup/store.sqlite \\
        --url http://127.0.0.1:9260 --pid-file /tmp/unioncat-opensearch-9260/opensearch.pid
    OPENSEARCH_DEV_PORT=9260 deploy/opensearch-dev/stop.sh

The store is opened read-only (``immutable=1``); the OpenSearch index (``--index``, default
``bench-backends``) is dropped at the end, and the SQLite scratch file deleted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_sqlite_search import _requests
from common import log, machine, percentile, proc_cpu_seconds, write_json

from app.indexer import load_documents
from search.backend import SearchBackend
from search.document import CatalogDocument, SearchResult
from search.opensearch import OpenSearchBackend
from search.query import Bool, SearchRequest, SortKey, Term
from search.sqlite_fts import SqliteFtsBackend

BATCH = 500


# ---------------------------------------------------------------- documents

def open_store(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path.resolve()}?immutable=1", uri=True,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def cluster_ids(conn: sqlite3.Connection, limit: int | None) -> list[str]:
    sql = ("SELECT DISTINCT cluster_id FROM records WHERE deleted=0 AND cluster_id IS NOT NULL"
           " ORDER BY cluster_id" + (f" LIMIT {int(limit)}" if limit else ""))
    return [row[0] for row in conn.execute(sql)]


class Builder:
    """Yields one batch of documents at a time and keeps the wall/CPU spent building."""

    def __init__(self, conn: sqlite3.Connection, ids: list[str]) -> None:
        self.conn, self.ids = conn, ids
        self.wall = self.cpu = 0.0
        self.docs = 0

    def batches(self) -> Iterator[list[CatalogDocument]]:
        for start in range(0, len(self.ids), BATCH):
            w, c = time.perf_counter(), time.process_time()
            docs = list(load_documents(self.conn, self.ids[start:start + BATCH]).values())
            self.wall += time.perf_counter() - w
            self.cpu += time.process_time() - c
            self.docs += len(docs)
            yield docs

    def stream(self) -> Iterator[CatalogDocument]:
        for docs in self.batches():
            yield from docs


class Meter:
    """Accumulated wall and CPU (this process; optionally the JVM) over timed sections."""

    def __init__(self, jvm_pid: int | None = None) -> None:
        self.jvm_pid = jvm_pid
        self.wall = self.cpu = self.jvm_cpu = 0.0

    def run(self, fn: Callable[[], Any]) -> Any:
        j = proc_cpu_seconds(self.jvm_pid) if self.jvm_pid else 0.0
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        self.wall += time.perf_counter() - w
        self.cpu += time.process_time() - c
        if self.jvm_pid:
            self.jvm_cpu += proc_cpu_seconds(self.jvm_pid) - j
        return result

    def report(self, docs: int) -> dict[str, Any]:
        out: dict[str, Any] = {"docs": docs, "wall_s": round(self.wall, 2),
                               "docs_per_s": round(docs / self.wall, 1) if self.wall else None,
                               "client_cpu_s": round(self.cpu, 2)}
        if self.jvm_pid:
            out["jvm_cpu_s"] = round(self.jvm_cpu, 2)
            total = self.cpu + self.jvm_cpu
            out["docs_per_total_cpu_s"] = round(docs / total, 1) if total else None
        else:
            out["docs_per_cpu_s"] = round(docs / self.cpu, 1) if self.cpu else None
        return out


def index_both(conn: sqlite3.Connection, ids: list[str], sqlite_be: SqliteFtsBackend,
               os_be: OpenSearchBackend, jvm_pid: int | None) -> dict[str, Any]:
    builder = Builder(conn, ids)
    sq, os_ = Meter(), Meter(jvm_pid)
    for n, docs in enumerate(builder.batches(), 1):
        sq.run(lambda d=docs: sqlite_be.upsert(d))  # type: ignore[misc]
        os_.run(lambda d=docs: os_be.upsert(d))  # type: ignore[misc]
        if n % 50 == 0:
            log(f"upsert: {builder.docs} docs (sqlite {sq.wall:.0f}s, opensearch "
                f"{os_.wall:.0f}s, build {builder.wall:.0f}s)")
    return {"build": {"docs": builder.docs, "wall_s": round(builder.wall, 2),
                      "cpu_s": round(builder.cpu, 2),
                      "docs_per_s": round(builder.docs / builder.wall, 1)},
            "sqlite_upsert": sq.report(builder.docs),
            "opensearch_upsert": os_.report(builder.docs)}


def reindex_opensearch(conn: sqlite3.Connection, ids: list[str], os_be: OpenSearchBackend,
                       jvm_pid: int | None) -> dict[str, Any]:
    builder = Builder(conn, ids)
    meter = Meter(jvm_pid)
    result = meter.run(lambda: os_be.reindex(builder.stream()))
    out = meter.report(builder.docs)
    net_wall, net_cpu = meter.wall - builder.wall, meter.cpu - builder.cpu
    out.update({"index": result.index, "build_wall_s": round(builder.wall, 2),
                "build_cpu_s": round(builder.cpu, 2), "wall_s_without_build": round(net_wall, 2),
                "docs_per_s_without_build": round(builder.docs / net_wall, 1),
                "client_cpu_s_without_build": round(net_cpu, 2)})
    return out


# ---------------------------------------------------------------- queries

def requests() -> dict[str, SearchRequest]:
    """bench_sqlite_search's list plus a year range and a sorted, faceted creator search."""
    found = _requests()
    years = Bool("and", Term("year", ">=", "2000"), Term("year", "<=", "2004"))
    found['year 2000-2004 (>= and <=)'] = SearchRequest(years)
    found['year within "2000 2004"'] = SearchRequest(Term("year", "within", "2000 2004"))
    found['smith sort year desc +facets'] = SearchRequest(
        Term("creator", "=", "smith"), sort=(SortKey("year", True),),
        facets=("language", "library"))
    return found


def _facets(result: SearchResult) -> dict[str, list[tuple[str, int]]]:
    return {k: [(f.value, f.count) for f in v] for k, v in result.facets.items()}


def time_queries(backend: SearchBackend, reqs: dict[str, SearchRequest], rounds: int,
                 warmup: int) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    for name, request in reqs.items():
        try:
            result = backend.search(request)
        except Exception as exc:  # a query one engine cannot run is a finding, not a crash
            report[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            continue
        for _ in range(warmup - 1):
            backend.search(request)
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            backend.search(request)
            samples.append((time.perf_counter() - began) * 1000)
        samples.sort()
        report[name] = {"total": result.total, "hits": [d.id for d in result.hits],
                        "facets": _facets(result),
                        "p50_ms": round(statistics.median(samples), 2),
                        "p95_ms": round(percentile(samples, 95), 2)}
    return report


def concurrent(backend: SearchBackend, reqs: list[SearchRequest], threads: int,
               max_requests: int, max_seconds: float, jvm_pid: int | None) -> dict[str, Any]:
    lock = threading.Lock()
    counter = [0]
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    def worker(offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline:
            with lock:
                if counter[0] >= max_requests:
                    return
                counter[0] += 1
            request = reqs[i % len(reqs)]
            i += 1
            began = time.perf_counter()
            try:
                backend.search(request)
            except Exception as exc:
                errors.append(type(exc).__name__)
                continue
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)

    j = proc_cpu_seconds(jvm_pid) if jvm_pid else 0.0
    c, w = time.process_time(), time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k * 7,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(max_seconds + 60)
    wall = time.perf_counter() - w
    latencies.sort()
    out: dict[str, Any] = {
        "threads": threads, "requests": len(latencies), "errors": len(errors),
        "wall_s": round(wall, 2), "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "client_cpu_s": round(time.process_time() - c, 2)}
    if jvm_pid:
        out["jvm_cpu_s"] = round(proc_cpu_seconds(jvm_pid) - j, 2)
    return out


def differences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for name in a:
        x, y = a[name], b.get(name, {})
        if "error" in x or "error" in y:
            found.append(f"{name}: sqlite {x.get('error', 'ok')} / opensearch "
                         f"{y.get('error', 'ok')}")
            continue
        if x["total"] != y["total"]:
            found.append(f"{name}: total sqlite {x['total']} vs opensearch {y['total']}")
        if x["facets"] != y["facets"]:
            for index in x["facets"]:
                fx, fy = x["facets"][index], y["facets"].get(index)
                if fx != fy:
                    diff = [(p, q) for p, q in zip(fx, fy or [], strict=False) if p != q][:3]
                    found.append(f"{name}: facet {index} differs (first: {diff})")
    return found


# ---------------------------------------------------------------- main

def _pid(path: Path | None) -> int | None:
    try:
        return int(path.read_text().strip()) if path else None
    except (OSError, ValueError):
        return None


def _table(report: dict[str, Any]) -> str:
    idx = report["indexing"]
    q_sq, q_os = report["queries"]["sqlite-fts"], report["queries"]["opensearch"]
    lines = [f"{'query':34} {'total':>7} {'sqlite p50/p95':>16} {'opensearch p50/p95':>20}"]
    for name, x in q_sq.items():
        y = q_os[name]
        if "error" in x or "error" in y:
            lines.append(f"{name:34} ERROR")
            continue
        mark = "" if x["total"] == y["total"] else f"  (opensearch total {y['total']})"
        lines.append(f"{name:34} {x['total']:>7} {x['p50_ms']:>7}/{x['p95_ms']:<8} "
                     f"{y['p50_ms']:>9}/{y['p95_ms']:<9}{mark}")
    lines.append(json.dumps(idx, indent=1))
    lines.append(json.dumps(report["concurrent"], indent=1))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path, help="an ingested store.sqlite (read-only)")
    parser.add_argument("--url", required=True, help="OpenSearch URL (127.0.0.1)")
    parser.add_argument("--pid-file", type=Path, default=None,
                        help="the node's PID file, for JVM CPU seconds")
    parser.add_argument("--index", default="bench-backends")
    parser.add_argument("--limit", type=int, default=None, help="first N clusters only")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrent-requests", type=int, default=2000)
    parser.add_argument("--concurrent-seconds", type=float, default=30.0)
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--out", default=None, help="JSON name under bench/out")
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "https://127.0.0.1", "http://localhost")):
        parser.error("only a node on 127.0.0.1")

    report: dict[str, Any] = {"machine": machine(), "store": str(args.store),
                              "command": " ".join(sys.argv)}
    jvm_pid = _pid(args.pid_file)
    conn = open_store(args.store)
    ids = cluster_ids(conn, args.limit)
    log(f"{len(ids)} live clusters in {args.store}; JVM pid {jvm_pid}")
    scratch = Path(tempfile.mkdtemp(prefix="bench-backends-", dir=args.scratch))
    sqlite_be = SqliteFtsBackend(scratch / "index.sqlite")
    os_be = OpenSearchBackend(args.url, index=args.index, replicas=0, timeout=120.0)
    os_be.drop()
    try:
        report["indexing"] = index_both(conn, ids, sqlite_be, os_be, jvm_pid)
        log(f"upsert done: {json.dumps(report['indexing'])}")
        report["indexing"]["opensearch_reindex"] = reindex_opensearch(conn, ids, os_be, jvm_pid)
        log(f"reindex done: {json.dumps(report['indexing']['opensearch_reindex'])}")
        report["entries"] = {"sqlite-fts": sqlite_be.stats().entries,
                             "opensearch": os_be.stats().entries}
        report["size_bytes"] = {
            "sqlite-fts": sum(p.stat().st_size for p in scratch.iterdir()),
            "opensearch": os_be.stats().detail.get("store_bytes")}
        reqs = requests()
        report["queries"] = {}
        for backend in (sqlite_be, os_be):
            log(f"queries: {backend.name}")
            report["queries"][backend.name] = time_queries(backend, reqs, args.rounds,
                                                           args.warmup)
        ok_reqs = [r for n, r in reqs.items()
                   if all("error" not in report["queries"][b][n] for b in report["queries"])]
        report["concurrent"] = {}
        for backend in (sqlite_be, os_be):
            log(f"concurrent: {backend.name}")
            report["concurrent"][backend.name] = concurrent(
                backend, ok_reqs, args.threads, args.concurrent_requests,
                args.concurrent_seconds, jvm_pid if backend is os_be else None)
        report["differences"] = differences(report["queries"]["sqlite-fts"],
                                            report["queries"]["opensearch"])
    finally:
        sqlite_be.close()
        try:
            os_be.drop()
        finally:
            os_be.close()
            shutil.rmtree(scratch, ignore_errors=True)
            conn.close()
    name = args.out or f"backends-{len(ids)}.json"
    path = write_json(name, report)
    print(_table(report))
    print("differences:", *(report["differences"] or ["none"]), sep="\n  ")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
