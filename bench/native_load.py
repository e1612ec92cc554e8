"""The lean load generator: ``bench/loadgen_native`` (Go, standard library only) run from
Python with the same queries, load shape and checks as ``bench/loadgen.py``.

The Python generator spends about 1 CPU ms per request on the two cores the servers share,
so at 16 clients it measured its own GIL as much as the servers. The Go one spends a few
tens of microseconds. It is built once per source change with the machine's ``go``
(``go build``: no module is downloaded); where there is no Go the benches fall back to the
Python generator and say so. Z39.50 request bytes come from ``z3950_client``'s encoder.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from common import BENCH, OUT, log
from queries import BenchQuery
from z3950_client import close_request, init_request, present_request, search_request

SOURCE = BENCH / "loadgen_native"
BINARY = OUT / "loadgen_native"
PRESENT_AT_MOST = 10


def available() -> bool:
    return shutil.which("go") is not None


def binary() -> Path:
    """The built generator, rebuilt when its source is newer than the binary."""
    newest = max(p.stat().st_mtime for p in SOURCE.iterdir())
    if not BINARY.exists() or BINARY.stat().st_mtime < newest:
        log(f"building {BINARY.name} with go")
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["go", "build", "-o", str(BINARY), "."], cwd=SOURCE, check=True)
    return BINARY


def run(job: dict[str, Any]) -> dict[str, Any]:
    """One bounded run; the summary has the keys of ``LoadResult.summary()``."""
    done = subprocess.run([str(binary())], input=json.dumps(job).encode(),
                          capture_output=True, timeout=job["time_cap_s"] + 120)
    if done.returncode != 0:
        raise RuntimeError(f"loadgen_native failed: {done.stderr.decode()[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def _load(concurrency: int, total: int, time_cap: float) -> dict[str, Any]:
    return {"concurrency": concurrency, "total": total, "time_cap_s": time_cap}


def sru_job(url: str, params: dict[str, str], queries: Sequence[BenchQuery],
            concurrency: int, total: int, time_cap: float) -> dict[str, Any]:
    """SRU GETs of ``url`` with ``params`` and each query's CQL; a body must hold records."""
    parts = urlsplit(url)
    targets = [f"{parts.path}?{urlencode({**params, 'query': q.cql})}" for q in queries]
    return {"protocol": "sru", "address": parts.netloc, "urls": targets,
            "expect": "recordData", **_load(concurrency, total, time_cap)}


def z3950_job(port: int, database: str, queries: Sequence[BenchQuery], concurrency: int,
              total: int, time_cap: float) -> dict[str, Any]:
    """Z39.50 search + present of min(10, hits) USMARC records per request."""
    def b64(apdu: bytes) -> str:
        return base64.b64encode(apdu).decode("ascii")
    return {"protocol": "z3950", "address": f"127.0.0.1:{port}", "init": b64(init_request()),
            "searches": [b64(search_request(database, q.use, q.term)) for q in queries],
            "presents": [b64(present_request(1, n)) for n in range(1, PRESENT_AT_MOST + 1)],
            "close": b64(close_request()), **_load(concurrency, total, time_cap)}


def pick(requested: str) -> str:
    """``auto`` is the Go generator where ``go`` is installed, else the Python one."""
    if requested != "auto":
        return requested
    if available():
        return "native"
    log("no go on this machine: the Python load generator measures (it costs ~1 CPU ms "
        "per request on the servers' cores)")
    return "python"
