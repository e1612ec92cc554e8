"""The benchmark suite (``make bench``): unioncat next to Zebra in the same run, as ratios.

Steps: ingest (unioncat dedup off/on, zebraidx GRS and DOM+ICU) -> SRU and Z39.50 load
against ``unioncat serve`` and both zebrasrv instances over the same records -> (``--full``)
memory of a 250,000-record ingest and of the server over it. Results go to
bench/out/results-<records>.json; a markdown table is printed at the end.

  python bench/run_all.py                 # 50,000 records
  python bench/run_all.py --quick         # 5,000-record smoke run, short load phases
  python bench/run_all.py --full          # also the 250k memory run (long: 15+ minutes)
  python bench/run_all.py --skip-ingest   # reuse bench/out/data-N-dedup and Zebra registers
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import bench_ingest
import bench_memory
import bench_sru
import bench_z3950
from common import (
    OUT,
    UnioncatServer,
    ZebraServers,
    git_head,
    lc_slice,
    log,
    machine,
    write_json,
    zebra,
    zebra_available,
    zebra_index,
    zebra_indexed,
)
from queries import QUERIES
from wide_cells import WideCells


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--quick", action="store_true", help="5,000 records, short load runs")
    parser.add_argument("--full", action="store_true", help="add the 250k memory benchmark")
    parser.add_argument("--repeat", type=int, default=2, help="load runs per configuration")
    parser.add_argument("--ingest-repeat", type=int, default=1)
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per load run (default 3000, quick 300)")
    parser.add_argument("--time-cap", type=float, default=None,
                        help="seconds per load run at most (default 60, quick 15)")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--serve-workers", type=int, default=os.cpu_count() or 1,
                        help="unioncat serve --workers N, default the core count as the "
                             "README advises (zebrasrv forks per connection)")
    parser.add_argument("--no-zebra", action="store_true")
    parser.add_argument("--queries", choices=("wide", "fixed"), default="wide",
                        help="wide: distinct terms drawn from the records, each sent once "
                             "per run (first-time searches); fixed: the 16 queries of "
                             "bench/queries.py in rotation (earlier runs used these)")
    parser.add_argument("--client", choices=("auto", "native", "python"), default="auto",
                        help="load generator: native = bench/loadgen_native (Go; auto picks "
                             "it where go is installed), python = bench/loadgen.py threads "
                             "(runs before 19 used it)")
    parser.add_argument("--wide-per-kind", type=int, default=750,
                        help="wide set: terms per kind (title, author, subject, ISBN)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="serve this data dir (with --skip-ingest) instead of "
                             "bench/out/data-N-dedup, e.g. a copy kept apart from other runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.records = 5000
        args.repeat = 1
    args.requests = args.requests or (300 if args.quick else 3000)
    args.time_cap = args.time_cap or (15.0 if args.quick else 60.0)
    return args


def serving(args: argparse.Namespace, with_zebra: bool) -> dict[str, Any]:
    """SRU and Z39.50 against one ``unioncat serve`` and both zebrasrv, then stop them."""
    data_dir = args.data_dir or bench_ingest.data_dir(args.records, dedup=True)
    if not data_dir.exists():
        raise SystemExit(f"no data dir {data_dir}: run without --skip-ingest first")
    path = lc_slice(args.records)
    if with_zebra and not zebra_indexed(path):
        log(f"Zebra registers are not from {path}: indexing")
        zebra_index(path)
    server = UnioncatServer(data_dir, OUT / "serve-run_all.log", args.serve_workers)
    server.start()
    results: dict[str, Any] = {"serve_commit": git_head(), "serve_workers": args.serve_workers}
    try:
        conc = (4, 16)
        with ZebraServers() if with_zebra else contextlib.nullcontext():
            pids = bench_sru.server_pids(server)
            urls = bench_sru.targets(server, with_zebra)
            z_targets = bench_z3950.targets(server, with_zebra)
            if args.queries == "fixed":
                results["queries"] = {"set": "fixed", "count": len(QUERIES)}
                results["sru"] = bench_sru.measure(urls, conc, args.requests, args.time_cap,
                                                   args.repeat, pids, client=args.client)
                results["z3950"] = bench_z3950.measure(z_targets, conc, args.requests,
                                                       args.time_cap, args.repeat, pids,
                                                       client=args.client)
            else:
                cells = WideCells(args, urls, path, len(conc) * args.repeat * 2)
                results["queries"] = cells.described()
                results["sru"] = cells.measure(bench_sru.measure, urls, conc, pids)
                results["z3950"] = cells.measure(bench_z3950.measure, z_targets, conc, pids)
    finally:
        server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with_zebra = not args.no_zebra and zebra_available()
    if not with_zebra:
        log("Zebra is not available (or --no-zebra): unioncat figures only, no ratios")
    started = time.monotonic()
    given = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    results: dict[str, Any] = {"machine": machine(), "args": given}
    try:
        if not args.skip_ingest:
            results["ingest"] = bench_ingest.run(args.records, args.ingest_repeat, with_zebra)
        results.update(serving(args, with_zebra))
        if args.full:
            results["memory"] = bench_memory.run()
    finally:
        if with_zebra:
            zebra("stop")  # in case an exception left them up
        results["elapsed_s"] = round(time.monotonic() - started, 1)
        suffix = f"-w{args.serve_workers}" if args.serve_workers > 1 else ""
        suffix += "-serving" if args.skip_ingest else ""
        path = write_json(f"results-{args.records}{suffix}.json", results)
        log(f"results in {path}")
    print(markdown(results))
    return 0


# ---------------------------------------------------------------- the table

def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"unioncat benchmarks, {m['date']}, {m['cpus']} CPUs (shared), commit {m['commit']},"
             f" load average at start {m['loadavg_at_start']}; serving: commit "
             f"{results.get('serve_commit', '-')}, {results.get('serve_workers', 1)} worker(s)",
             ""]
    lines += ["| benchmark | unioncat | zebra GRS | zebra DOM+ICU | ratio vs GRS "
              "| ratio vs DOM+ICU |", "| --- | --- | --- | --- | --- | --- |"]
    if "ingest" in results:
        lines += _ingest_rows(results["ingest"]["summary"])
    for proto in ("sru", "z3950"):
        if proto in results:
            lines += _load_rows(proto, results[proto]["summary"])
    if "memory" in results:
        mem = results["memory"]
        ing, srv = mem.get("ingest", {}), mem.get("serve", {})
        lines.append(f"| memory: ingest {mem['records']:,} peak RSS MB (target < 500) | "
                     f"{_fmt(ing.get('peak_rss_mb'))} | | | | |")
        lines.append(f"| memory: serve RSS MB after warm-up (target < 400) | "
                     f"{_fmt(srv.get('rss_after_warmup_mb'))} | | | | |")
    return "\n".join(lines)


def _ingest_rows(summary: dict[str, Any]) -> list[str]:
    rows = []
    zeb = summary.get("zebra", {})
    grs, dom = zeb.get("grs", {}), zeb.get("dom-icu", {})
    for key, label in (("nodedup", "dedup off"), ("dedup", "dedup on")):
        for metric, unit in (("records_per_s", "rec/s wall"), ("records_per_cpu_s", "rec/CPU-s")):
            uc = summary["unioncat"][key][metric]
            zg, zd = grs.get(metric), dom.get(metric)
            rows.append(f"| ingest {label}, {unit} | {_fmt(uc)} | {_fmt(zg)} | {_fmt(zd)} | "
                        f"{_fmt(uc / zg if zg else None, 3)} | "
                        f"{_fmt(uc / zd if zd else None, 3)} |")
    for key in ("dedup_cost_fraction_wall", "dedup_cost_fraction_cpu"):
        if key in summary:
            rows.append(f"| ingest: {key.replace('_', ' ')} (target <= 0.333) | "
                        f"{_fmt(summary[key], 3)} | | | | |")
    return rows


def _load_rows(proto: str, summary: dict[str, Any]) -> list[str]:
    label = {"sru": "SRU searchRetrieve 10 MARCXML", "z3950": "Z39.50 search+present 10"}[proto]
    rows = []
    for conc, row in summary.items():
        uc, grs, dom = row.get("unioncat", {}), row.get("zebra-grs", {}), row.get("zebra-dom-icu",
                                                                                 {})
        for metric, unit in (("requests_per_s", "req/s"),
                             ("requests_per_server_cpu_s", "req per server CPU-s"),
                             ("p50_ms", "p50 ms"),
                             ("p95_ms", "p95 ms"), ("p99_ms", "p99 ms")):
            a, g, d = uc.get(metric), grs.get(metric), dom.get(metric)
            rows.append(f"| {label}, c={conc}, {unit} | {_fmt(a)} | {_fmt(g)} | {_fmt(d)} | "
                        f"{_fmt(a / g if a and g else None, 3)} | "
                        f"{_fmt(a / d if a and d else None, 3)} |")
    return rows


if __name__ == "__main__":
    sys.exit(main())
