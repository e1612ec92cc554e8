"""Memory: peak RSS of ``unioncat ingest`` of all 250,000 LC records (target < 500 MB) and
RSS of ``unioncat serve`` over them after a warm-up of a few hundred searches (< 400 MB).

The ingest forks parse workers, so its peak is sampled every 0.5 s over the process tree
(summed VmRSS, and summed PSS, which counts fork-shared pages once); ``/usr/bin/time -v``
(Debian ``time``, installed if missing) adds the largest single process's peak. The
server's VmRSS/VmHWM come from /proc/PID/status. Long (a 250k ingest): run_all.py
runs it only with ``--full``. Usage: ``python bench/bench_memory.py [--records N]
[--serve-only] [--file F]``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from common import (
    OUT,
    SOURCE_CODE,
    UNIONCAT,
    UnioncatServer,
    count_records,
    lc_full,
    lc_slice,
    log,
    machine,
    proc_status,
    run_polled,
    write_json,
)
from loadgen import run_load
from queries import wide_queries

INGEST_TARGET_MB = 500
SERVE_TARGET_MB = 400


def ingest_peak(path: Path, target: Path, records: int) -> dict[str, Any]:
    """Peak memory of the whole ingest: the writer and its parse worker processes."""
    shutil.rmtree(target, ignore_errors=True)
    log(f"memory: unioncat ingest of {records} records into {target} (long)")
    timed, tree = run_polled([str(UNIONCAT), "ingest", str(path), "--source", SOURCE_CODE],
                             env={"UNIONCAT_DATA_DIR": str(target)}, cwd=OUT)
    peak = round(tree.peak_rss_kb / 1024, 1)
    failed = timed.returncode != 0
    if failed:
        log(f"memory: unioncat ingest FAILED: {timed.stderr.strip().splitlines()[-1:]}")
    return {"records": records, "peak_rss_mb": peak, "returncode": timed.returncode,
            "error": timed.stderr.strip()[-600:] if failed else "",
            "peak_pss_mb": round(tree.peak_pss_kb / 1024, 1),
            "largest_process_peak_rss_mb": round(timed.max_rss_kb / 1024, 1),
            "main_process_vmhwm_mb": round(tree.peak_main_rss_kb / 1024, 1),
            "processes": tree.max_processes, "samples": tree.samples,
            "target_mb": INGEST_TARGET_MB, "meets_target": not failed and peak < INGEST_TARGET_MB,
            "wall_s": round(timed.wall_s, 1), "cpu_s": round(timed.cpu_s, 1),
            "records_per_s": round(records / timed.wall_s, 1),
            "summary": timed.stdout.strip().splitlines()[-1:]}


def serve_rss(target: Path, warmup: int, source: Path) -> dict[str, Any]:
    """RSS after ``warmup`` SRU and ``warmup`` Z39.50 first-time searches (distinct terms
    drawn from ``source``, so the page cache fills as it would in service)."""
    from bench_sru import SruWorker
    from bench_z3950 import Z3950Worker

    queries = wide_queries(source, -(-2 * warmup // 4))
    server = UnioncatServer(target, OUT / "serve-memory.log")
    server.start()
    try:
        idle = proc_status(server.pid, "VmRSS")
        url = f"http://127.0.0.1:{server.http_port}/sru"
        sru = run_load(lambda: SruWorker(url), queries[:warmup], 4, warmup, 300)
        z = run_load(lambda: Z3950Worker(server.z3950_port, "union"), queries[warmup:], 4,
                     warmup, 300)
        rss, hwm = proc_status(server.pid, "VmRSS"), proc_status(server.pid, "VmHWM")
    finally:
        server.stop()
    mb = round(rss / 1024, 1)
    return {"idle_rss_mb": round(idle / 1024, 1), "rss_after_warmup_mb": mb,
            "peak_rss_mb": round(hwm / 1024, 1), "warmup_sru": sru.summary(),
            "warmup_z3950": z.summary(), "target_mb": SERVE_TARGET_MB,
            "meets_target": mb < SERVE_TARGET_MB}


def run(records: int | None = None, serve_only: bool = False, warmup: int = 300,
        path: Path | None = None) -> dict[str, Any]:
    """``records`` first LC records, or all of them, or the MARC file ``path``."""
    if path is None:
        path = lc_full() if records is None else lc_slice(records)
    path = path.resolve()  # the ingest runs in bench/out
    n = count_records(path)
    target = OUT / f"data-memory-{n}"
    result: dict[str, Any] = {"machine": machine(), "records": n, "file": str(path)}
    if not serve_only:
        result["ingest"] = ingest_peak(path, target, n)
        log(f"memory: ingest {result['ingest']}")
    if serve_only or not result["ingest"]["returncode"]:
        result["serve"] = serve_rss(target, warmup, path)
        log(f"memory: serve {result['serve']['rss_after_warmup_mb']} MB after warm-up")
    write_json(f"memory-{n}.json", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=None, help="default: all 250,000")
    parser.add_argument("--serve-only", action="store_true",
                        help="reuse the data dir of an earlier run")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--file", type=Path, default=None, help="MARC file to ingest instead")
    args = parser.parse_args()
    result = run(args.records, args.serve_only, args.warmup, args.file)
    print({k: v for k, v in result.items() if k != "machine"})


if __name__ == "__main__":
    main()
