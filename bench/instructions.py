"""Instructions per served request, counted by callgrind: an A/B measure that load on the
machine does not move (wall-clock and CPU-time figures on the shared cores do, by 10-20 %).

    python bench/instructions.py DATA_DIR [--protocol z3950|sru] [--requests 600]

Runs itself under ``valgrind --tool=callgrind`` with instrumentation off, warms up on other
queries, switches instrumentation on (``callgrind_control -i on``) for ``--requests``
first-time queries from the bench's wide set, and prints instructions per request. The
backend is called in process, as a worker calls it, but with the inline deadline off:
under valgrind every search would overrun it and run twice. Compare two versions of the
code on the same data and queries (``PYTHONPATH=/other/checkout`` for the other one) and
with the same ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import OUT
from queries import wide_queries
from z3950_client import init_request, present_request, search_request

WARM_UP = 200
CHILD = "UNIONCAT_INSTRUCTIONS_CHILD"


def _sru(data_dir: Path) -> Callable[[str, int, str], None]:
    from app.backends import open_backend
    from app.settings import load_settings
    from sru.handler import handle_sru

    backend = open_backend(load_settings(None, {"UNIONCAT_DATA_DIR": str(data_dir)}))
    params = {"version": "1.2", "operation": "searchRetrieve", "maximumRecords": "10",
              "recordSchema": "marcxml"}
    return lambda cql, use, term: handle_sru(backend, {**params, "query": cql})


def _z3950(data_dir: Path) -> Callable[[str, int, str], None]:
    from app.backends import open_backend
    from app.settings import load_settings
    from search import inline
    from z3950 import pdu
    from z3950.session import Session
    from z3950.settings import Z3950Settings

    inline.BUDGET_S = float("inf")  # no deadline re-runs (see the module docstring)
    backend = open_backend(load_settings(None, {"UNIONCAT_DATA_DIR": str(data_dir)}))
    session = Session(backend, Z3950Settings())

    def answer(apdu: bytes) -> Any:
        """As the server's connection does: run the session to its end here when nothing
        in it waits (``z3950.server.Connection._handle``), else on the loop."""
        handling = session.handle(pdu.parse_request(apdu))
        try:
            handling.send(None)
        except StopIteration as done:
            return done.value
        handling.close()
        raise RuntimeError("a Z39.50 request waited, which it should not without a deadline")
    answer(init_request())
    present = present_request(1, 10)

    def request(cql: str, use: int, term: str) -> None:
        answer(search_request("union", use, term))
        answer(present)
    return request


def child(data_dir: Path, protocol: str, requests: int, marc: Path) -> None:
    """Inside valgrind: warm up, then count ``requests`` first-time queries."""
    queries = wide_queries(marc, (requests + WARM_UP) // 4 + 1)
    request = (_z3950 if protocol == "z3950" else _sru)(data_dir)
    for q in queries[requests:requests + WARM_UP]:
        request(q.cql, q.use, q.term)
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True,
                   capture_output=True)
    for q in queries[:requests]:
        request(q.cql, q.use, q.term)
    os._exit(0)  # the count stops here: no teardown in it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--protocol", choices=("z3950", "sru"), default="z3950")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--marc", type=Path, default=OUT / "lc50000.mrc",
                        help="records to draw the queries from (the data dir's source)")
    args = parser.parse_args()
    if os.environ.get(CHILD):
        child(args.data_dir, args.protocol, args.requests, args.marc)
        return
    out = OUT / f"callgrind-{args.protocol}.out"
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, __file__, *sys.argv[1:]],
        env={**os.environ, CHILD: "1"}, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"callgrind run failed:\n{done.stderr[-2000:]}")
    total = int(found.group(1))
    print(f"{args.protocol}: {total / args.requests / 1e6:.3f} M instructions a request "
          f"({args.requests} first-time queries; profile in {out})")


if __name__ == "__main__":
    main()
