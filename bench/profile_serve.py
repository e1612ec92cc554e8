"""Where a served request spends its time: cProfile of the SRU handler and of a Z39.50
session (search + present 10) in one thread, over a bench data dir, with the bench queries.

Not a throughput figure (no HTTP, no sockets): it names the top costs inside unioncat.
By default every round sends other distinct queries (``--queries wide``), so nothing is
answered from the ranked-id cache; ``--queries fixed`` repeats the 16 bench queries.
Usage: ``python bench/profile_serve.py DATA_DIR [--rounds N] [--top K]``; writes
bench/out/profile-sru.txt and bench/out/profile-z3950.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from common import OUT, log
from queries import QUERIES, BenchQuery, wide_queries
from z3950_client import init_request, present_request, search_request

from app.backends import open_backend
from app.settings import load_settings
from sru.handler import handle_sru
from z3950 import pdu
from z3950.session import Session
from z3950.settings import Z3950Settings


async def _inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def profile(name: str, body: Callable[[int], None], rounds: int, top: int) -> dict[str, Any]:
    """``rounds`` rounds timed, then ``rounds`` more profiled (round numbers 1..2*rounds;
    round 0 warmed up)."""
    requests = rounds * len(QUERIES)
    c0 = time.process_time()
    for n in range(1, rounds + 1):
        body(n)
    plain_ms = (time.process_time() - c0) / requests * 1000
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for n in range(rounds + 1, 2 * rounds + 1):
        body(n)
    profiler.disable()
    elapsed = time.perf_counter() - t0
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    path = OUT / f"profile-{name}.txt"
    path.write_text(f"{requests} requests, {plain_ms:.2f} CPU ms each unprofiled, "
                    f"{elapsed / requests * 1000:.2f} ms each profiled\n" + text.getvalue())
    log(f"profile {name}: {plain_ms:.2f} CPU ms per request unprofiled -> {path}")
    return {"requests": requests, "cpu_ms_per_request": round(plain_ms, 2),
            "ms_per_request_profiled": round(elapsed / requests * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--queries", choices=("wide", "fixed"), default="wide",
                        help="wide: other distinct terms in every round (first-time "
                             "searches); fixed: the 16 bench queries each round (answered "
                             "from the ranked-id cache after the first)")
    parser.add_argument("--marc", type=Path, default=OUT / "lc50000.mrc",
                        help="records to draw the wide set from (the data dir's source)")
    args = parser.parse_args()
    per_round = len(QUERIES)
    rounds = 2 * args.rounds + 1  # warm-up, timed, profiled
    drawn = (wide_queries(args.marc, 2 * rounds * per_round // 4)  # SRU's, then Z39.50's
             if args.queries == "wide" else ())

    def round_of(n: int) -> Sequence[BenchQuery]:
        return drawn[n * per_round:(n + 1) * per_round] if drawn else QUERIES
    settings = load_settings(None, {"UNIONCAT_DATA_DIR": str(args.data_dir)})
    backend = open_backend(settings)
    params = {"version": "1.2", "operation": "searchRetrieve", "maximumRecords": "10",
              "recordSchema": "marcxml"}

    def sru_round(n: int) -> None:
        for q in round_of(n):
            handle_sru(backend, {**params, "query": q.cql})

    asyncio.to_thread = _inline  # type: ignore[assignment]  # keep the backend in this thread
    session = Session(backend, Z3950Settings())
    loop = asyncio.new_event_loop()
    loop.run_until_complete(session.handle(pdu.parse_request(init_request())))

    def z_round(n: int) -> None:
        for q in round_of(rounds + n):
            loop.run_until_complete(session.handle(pdu.parse_request(
                search_request("union", q.use, q.term))))
            loop.run_until_complete(session.handle(pdu.parse_request(present_request(1, 10))))

    sru_round(0)
    z_round(0)  # warm up
    print(profile("sru", sru_round, args.rounds, args.top))
    print(profile("z3950", z_round, args.rounds, args.top))
    loop.close()
    backend.close()


if __name__ == "__main__":
    main()
