"""SRU searchRetrieve (10 MARCXML records per response) throughput and latency.

unioncat (``/sru``) against both Zebra instances (``/lc``), same queries, same load
generator, concurrency 4 and 16, in one run. Needs a serving data dir (from bench_ingest)
and Zebra registers built from the same file. Usage (standalone):
``python bench/bench_sru.py DATA_DIR [--requests N] [--time-cap S]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import httpx
import native_load
import standalone
from common import (
    ZEBRA_DB,
    ZEBRA_PORTS,
    CpuMeter,
    UnioncatServer,
    ZebraServers,
    log,
    ratio,
)
from loadgen import run_load
from queries import QUERIES, BenchQuery

PARAMS = {"version": "1.2", "operation": "searchRetrieve", "maximumRecords": "10",
          "recordSchema": "marcxml"}
TOTAL_RE = re.compile(rb"numberOfRecords>(\d+)<")


class SruWorker:
    """One persistent HTTP/1.1 connection; checks every response carries records."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=30, trust_env=False)

    def request(self, query: BenchQuery) -> None:
        resp = self.client.get(self.url, params={**PARAMS, "query": query.cql})
        body = resp.content
        if resp.status_code != 200 or b"recordData" not in body:
            raise RuntimeError(f"{resp.status_code} for {query.cql}: {body[:300]!r}")

    def close(self) -> None:
        self.client.close()


def hit_counts(url: str, queries: Sequence[BenchQuery] = QUERIES) -> dict[str, int]:
    counts = {}
    with httpx.Client(timeout=30, trust_env=False) as client:
        for q in queries:
            body = client.get(url, params={**PARAMS, "query": q.cql}).content
            m = TOTAL_RE.search(body)
            counts[q.cql] = int(m.group(1)) if m else -1
    return counts


def server_pids(server: UnioncatServer | None) -> dict[str, int]:
    """PIDs whose CPU time a load run is charged: unioncat serve and both zebrasrv."""
    pids = {f"zebra-{inst}": pid for inst, pid in ZebraServers.pids().items()}
    if server is not None:
        pids["unioncat"] = server.pid
    return pids


def targets(server: UnioncatServer | None, zebra: bool) -> dict[str, str]:
    urls = {}
    if server is not None:
        urls["unioncat"] = f"http://127.0.0.1:{server.http_port}/sru"
    if zebra:
        for inst, port in ZEBRA_PORTS.items():
            urls[f"zebra-{inst}"] = f"http://127.0.0.1:{port}/{ZEBRA_DB}"
    return urls


def found_everywhere(urls: dict[str, str], queries: Sequence[BenchQuery]
                     ) -> tuple[BenchQuery, ...]:
    """The queries every server answers with at least one record (a load run counts an
    empty answer as an error; a word one engine tokenizes differently is dropped)."""
    counts = [hit_counts(url, queries) for url in urls.values()]
    return tuple(q for q in queries if all(c[q.cql] > 0 for c in counts))


def one_cell(url: str, queries: Sequence[BenchQuery], conc: int, requests: int,
             time_cap: float, client: str) -> dict[str, Any]:
    """One closed-loop run from the ``native`` (Go) or ``python`` load generator."""
    if client == "native":
        return native_load.run(native_load.sru_job(url, PARAMS, queries, conc, requests,
                                                   time_cap))

    def make() -> SruWorker:
        return SruWorker(url)
    return {**run_load(make, queries, conc, requests, time_cap).summary(), "client": "python"}


def measure(urls: dict[str, str], concurrencies: tuple[int, ...], requests: int,
            time_cap: float, repeat: int, pids: dict[str, int],
            queries: Sequence[BenchQuery] = QUERIES, client: str = "auto") -> dict[str, Any]:
    result: dict[str, Any] = {"hits": {}, "runs": {}}
    for name, url in urls.items():
        result["hits"][name] = hits = hit_counts(url, queries) if queries is QUERIES else {}
        missing = [q for q, n in hits.items() if n <= 0]
        if missing:
            log(f"SRU {name}: no hits for {missing}")
    client = native_load.pick(client)
    for attempt in range(repeat):
        for conc in concurrencies:
            for name, url in urls.items():
                one_cell(url, QUERIES, conc, 40, 10, client)  # warm-up
                cpu = CpuMeter(pids.get(name))
                summary = cpu.annotate(one_cell(url, queries, conc, requests, time_cap, client))
                log(f"SRU {name} c={conc} run {attempt + 1}: {summary}")
                result["runs"].setdefault(f"{name}@{conc}", []).append(summary)
    result["summary"] = summarize(result["runs"], concurrencies)
    return result


def summarize(runs: dict[str, list[dict[str, Any]]], concurrencies: tuple[int, ...],
              ) -> dict[str, Any]:
    """Per server and concurrency the best run (highest requests/s), and ratios vs Zebra."""
    best = {key: max(vals, key=lambda r: r["requests_per_s"]) for key, vals in runs.items()}
    out: dict[str, Any] = {}
    for conc in concurrencies:
        row = {name.split("@")[0]: best[name] for name in best if name.endswith(f"@{conc}")}
        uc = row.get("unioncat")
        if uc:
            for name, zb in row.items():
                if name.startswith("zebra"):
                    uc[f"ratio_rps_vs_{name}"] = ratio(uc["requests_per_s"], zb["requests_per_s"])
                    uc[f"ratio_p95_vs_{name}"] = ratio(uc["p95_ms"], zb["p95_ms"])
        out[str(conc)] = row
    return out


def main() -> None:
    standalone.main(__doc__, "sru", measure, targets, server_pids)


if __name__ == "__main__":
    main()
