"""A bounded closed-loop load generator: N worker threads, a fixed request budget, a time cap.

Each worker owns its client (a persistent HTTP connection or Z39.50 association), takes the
next query from a shared fixed list round-robin, and records the latency of every request.
The run stops by itself when the budget is spent or the time cap is reached.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from common import percentile


class Worker(Protocol):
    def request(self, query: Any) -> None: ...  # raises on a failed or wrong response
    def close(self) -> None: ...


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    errors: int
    wall_s: float
    latencies_ms: list[float] = field(repr=False)
    first_error: str = ""
    client_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {"concurrency": self.concurrency, "requests": self.requests,
                "errors": self.errors, "wall_s": round(self.wall_s, 2),
                "requests_per_s": round(self.requests / self.wall_s, 1) if self.wall_s else 0,
                "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
                "p99_ms": round(percentile(lat, 99), 2),
                "client_cpu_s": round(self.client_cpu_s, 2), "first_error": self.first_error}


def run_load(make_worker: Callable[[], Worker], queries: Sequence[Any], concurrency: int,
             total_requests: int, time_cap_s: float) -> LoadResult:
    """Send ``total_requests`` (or fewer, if ``time_cap_s`` passes first) from N threads."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    workers = [make_worker() for _ in range(concurrency)]
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def loop(worker: Worker) -> None:
        mine: list[float] = []
        start_gate.wait()
        while True:
            n = next(counter)
            if n >= total_requests or time.perf_counter() > deadline[0]:
                break
            t0 = time.perf_counter()
            try:
                worker.request(queries[n % len(queries)])
            except Exception as error:  # a failed request counts as an error, the run goes on
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + time_cap_s
    t_start, cpu_start = time.perf_counter(), time.process_time()
    start_gate.wait()
    for thread in threads:
        thread.join(time_cap_s + 60)
    wall = time.perf_counter() - t_start
    client_cpu = time.process_time() - cpu_start
    for worker in workers:
        worker.close()
    return LoadResult(concurrency, len(latencies), len(errors), wall, latencies,
                      errors[0] if errors else "", client_cpu)
