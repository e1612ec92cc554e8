"""Z39.50 search + present of 10 USMARC records: throughput and latency.

unioncat (``unioncat serve --z3950-port P``, database ``union``) against both Zebra
instances (database ``lc``), same RPN queries (Bib-1 use 4 title, 1003 author, 21 subject,
7 ISBN), concurrency 4 and 16, one persistent association per client thread. One request
= one searchRequest + one presentRequest of min(10, hits) records.
Usage (standalone): ``python bench/bench_z3950.py DATA_DIR [--requests N] [--time-cap S]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import native_load
import standalone
from bench_sru import server_pids, summarize
from common import (
    ZEBRA_DB,
    ZEBRA_PORTS,
    CpuMeter,
    UnioncatServer,
    log,
)
from loadgen import run_load
from queries import QUERIES, BenchQuery
from z3950_client import Z3950Client, Z3950Error

UNIONCAT_DB = "union"


class Z3950Worker:
    def __init__(self, port: int, database: str) -> None:
        self.client = Z3950Client(port, database)

    def request(self, query: BenchQuery) -> None:
        hits = self.client.search(query.use, query.term)
        if hits <= 0:
            raise Z3950Error(f"no hits for {query.cql}")
        self.client.present(1, min(10, hits))

    def close(self) -> None:
        self.client.close()


def hit_counts(port: int, database: str) -> dict[str, int]:
    client = Z3950Client(port, database)
    try:
        return {q.cql: client.search(q.use, q.term) for q in QUERIES}
    finally:
        client.close()


def targets(server: UnioncatServer | None, zebra: bool) -> dict[str, tuple[int, str]]:
    out = {}
    if server is not None:
        out["unioncat"] = (server.z3950_port, UNIONCAT_DB)
    if zebra:
        for inst, port in ZEBRA_PORTS.items():
            out[f"zebra-{inst}"] = (port, ZEBRA_DB)
    return out


def one_cell(port: int, db: str, queries: Sequence[BenchQuery], conc: int, requests: int,
             time_cap: float, client: str) -> dict[str, Any]:
    """One closed-loop run from the ``native`` (Go) or ``python`` load generator."""
    if client == "native":
        return native_load.run(native_load.z3950_job(port, db, queries, conc, requests,
                                                     time_cap))

    def make() -> Z3950Worker:
        return Z3950Worker(port, db)
    return {**run_load(make, queries, conc, requests, time_cap).summary(), "client": "python"}


def measure(servers: dict[str, tuple[int, str]], concurrencies: tuple[int, ...],
            requests: int, time_cap: float, repeat: int, pids: dict[str, int],
            queries: Sequence[BenchQuery] = QUERIES, client: str = "auto") -> dict[str, Any]:
    result: dict[str, Any] = {"hits": {}, "runs": {}}
    for name, (port, db) in servers.items():
        result["hits"][name] = hit_counts(port, db)
    client = native_load.pick(client)
    for attempt in range(repeat):
        for conc in concurrencies:
            for name, (port, db) in servers.items():
                one_cell(port, db, QUERIES, conc, 40, 10, client)  # warm-up
                cpu = CpuMeter(pids.get(name))
                summary = cpu.annotate(one_cell(port, db, queries, conc, requests, time_cap,
                                                client))
                log(f"Z39.50 {name} c={conc} run {attempt + 1}: {summary}")
                result["runs"].setdefault(f"{name}@{conc}", []).append(summary)
    result["summary"] = summarize(result["runs"], concurrencies)
    return result


def main() -> None:
    standalone.main(__doc__, "z3950", measure, targets, server_pids)


if __name__ == "__main__":
    main()
