"""The wide query set of a serving benchmark, cut into one slice per measured cell.

A cell is one (protocol, concurrency, run). Each sends its own first-time queries, the
same to every server, so no server answers from what an earlier cell left in a cache.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_sru
from common import log
from queries import BenchQuery, wide_queries


class WideCells:
    """Distinct queries every server finds, handed out ``requests`` at a time."""

    def __init__(self, args: argparse.Namespace, urls: dict[str, str], path: Path,
                 cells: int) -> None:
        self.args = args
        needed = cells * args.requests * 21 // 20  # 5 % spare: a few terms miss somewhere
        per_kind = max(args.wide_per_kind, -(-needed // 4))
        drawn = wide_queries(path, per_kind)
        self.queries = bench_sru.found_everywhere(urls, drawn)
        self.drawn = len(drawn)
        self.next = 0
        log(f"wide query set: {len(self.queries)} of {self.drawn} found on every server")

    def described(self) -> dict[str, Any]:
        return {"set": "wide", "drawn": self.drawn, "found_everywhere": len(self.queries),
                "per_cell": self.args.requests}

    def _slice(self) -> list[BenchQuery]:
        start = self.next * self.args.requests
        self.next += 1
        part = list(self.queries[start:start + self.args.requests])
        if len(part) < self.args.requests:
            log("wide query set exhausted: this cell repeats queries")
            part += list(self.queries[:self.args.requests - len(part)])
        return part

    def measure(self, measure: Callable[..., dict[str, Any]], targets: Any,
                conc: tuple[int, ...], pids: dict[str, int]) -> dict[str, Any]:
        runs: dict[str, list[dict[str, Any]]] = {}
        for _ in range(self.args.repeat):
            for c in conc:
                cell = measure(targets, (c,), self.args.requests, self.args.time_cap, 1, pids,
                               self._slice(), self.args.client)
                for key, found in cell["runs"].items():
                    runs.setdefault(key, []).extend(found)
        return {"hits": {}, "runs": runs, "summary": bench_sru.summarize(runs, conc)}
