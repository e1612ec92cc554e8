"""Running one protocol benchmark on its own (``python bench/bench_sru.py DATA_DIR``):
start ``unioncat serve`` over a data dir and both zebrasrv, measure, stop them, save."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import UnioncatServer, ZebraServers, machine, write_json

Measure = Callable[..., dict[str, Any]]
Targets = Callable[[UnioncatServer | None, bool], Any]
Pids = Callable[[UnioncatServer | None], dict[str, int]]


def run(name: str, measure: Measure, targets: Targets, pids: Pids, data_dir: Path,
        requests: int, time_cap: float, repeat: int, zebra: bool,
        client: str = "auto") -> dict[str, Any]:
    """Measure ``name`` (sru, z3950) at 4 and 16 clients; results in bench/out/NAME.json."""
    server = UnioncatServer(data_dir, data_dir.parent / f"serve-{name}.log")
    server.start()
    try:
        if zebra:
            with ZebraServers():
                result = measure(targets(server, True), (4, 16), requests, time_cap, repeat,
                                 pids(server), client=client)
        else:
            result = measure(targets(server, False), (4, 16), requests, time_cap, repeat,
                             pids(server), client=client)
    finally:
        server.stop()
    result["machine"] = machine()
    write_json(f"{name}.json", result)
    return result


def main(doc: str | None, name: str, measure: Measure, targets: Targets, pids: Pids) -> None:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--time-cap", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-zebra", action="store_true")
    parser.add_argument("--client", choices=("auto", "native", "python"), default="auto")
    args = parser.parse_args()
    result = run(name, measure, targets, pids, args.data_dir, args.requests, args.time_cap,
                 args.repeat, not args.no_zebra, args.client)
    print(result["summary"])
