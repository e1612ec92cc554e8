"""Ingest rate: ``unioncat ingest`` (dedup on and off) next to ``zebraidx`` on the same file.

records/s = records / wall seconds of the whole command (fresh data dir each time); CPU
seconds (user+sys, children included) are reported too, since on a shared machine they are
steadier than wall time. Usage: ``python bench/bench_ingest.py [--records N] [--repeat R]``.
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
    lc_slice,
    log,
    machine,
    ratio,
    run_timed,
    write_json,
    zebra_available,
    zebra_index,
)


def data_dir(records: int, dedup: bool) -> Path:
    return OUT / f"data-{records}-{'dedup' if dedup else 'nodedup'}"


def unioncat_ingest(path: Path, records: int, dedup: bool, target: Path) -> dict[str, Any]:
    """One fresh ``unioncat ingest``; the data dir is left in place for the serving benches."""
    shutil.rmtree(target, ignore_errors=True)
    env = {"UNIONCAT_DATA_DIR": str(target), "UNIONCAT_DEDUP": "true" if dedup else "false"}
    timed = run_timed([str(UNIONCAT), "ingest", str(path.resolve()), "--source", SOURCE_CODE],
                      env=env, cwd=OUT)
    if timed.returncode != 0:
        raise RuntimeError(f"unioncat ingest failed: {timed.stderr[-2000:]}")
    summary = timed.stdout.strip().splitlines()[-1] if timed.stdout.strip() else ""
    return {"dedup": dedup, "records": records, "wall_s": round(timed.wall_s, 2),
            "cpu_s": round(timed.cpu_s, 2), "max_rss_mb": round(timed.max_rss_kb / 1024, 1),
            "records_per_s": round(records / timed.wall_s, 1),
            "records_per_cpu_s": round(records / timed.cpu_s, 1) if timed.cpu_s else None,
            "summary": summary}


def run(records: int, repeat: int = 1, with_zebra: bool = True) -> dict[str, Any]:
    path = lc_slice(records)
    result: dict[str, Any] = {"machine": machine(), "records": records, "file": str(path),
                              "unioncat": {"dedup": [], "nodedup": []}, "zebra": []}
    for attempt in range(repeat):
        for dedup in (False, True):
            log(f"unioncat ingest {records} records, dedup={dedup} (run {attempt + 1})")
            run_ = unioncat_ingest(path, records, dedup, data_dir(records, dedup))
            log(f"  {run_['records_per_s']} rec/s wall, {run_['cpu_s']} cpu s")
            result["unioncat"]["dedup" if dedup else "nodedup"].append(run_)
        if with_zebra and zebra_available():
            log(f"zebra.sh index {records} records (run {attempt + 1})")
            zeb = zebra_index(path)
            log(f"  {zeb}")
            result["zebra"].append(zeb)
    result["summary"] = summarize(result)
    write_json(f"ingest-{records}.json", result)
    return result


def _best(runs: list[dict[str, Any]], key: str) -> float:
    return max((r[key] for r in runs if r.get(key)), default=0.0)


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Best of the repeats (least disturbed by the other tenants of the machine)."""
    uc = {k: {"records_per_s": _best(v, "records_per_s"),
              "records_per_cpu_s": _best(v, "records_per_cpu_s")}
          for k, v in result["unioncat"].items()}
    summary: dict[str, Any] = {"unioncat": uc}
    if uc["dedup"]["records_per_s"] and uc["nodedup"]["records_per_s"]:
        summary["dedup_cost_fraction_wall"] = round(
            1 - uc["dedup"]["records_per_s"] / uc["nodedup"]["records_per_s"], 3)
    if uc["dedup"]["records_per_cpu_s"] and uc["nodedup"]["records_per_cpu_s"]:
        summary["dedup_cost_fraction_cpu"] = round(
            1 - uc["dedup"]["records_per_cpu_s"] / uc["nodedup"]["records_per_cpu_s"], 3)
    zebra: dict[str, Any] = {}
    for inst in ("grs", "dom-icu"):
        runs = [z[inst] for z in result["zebra"] if inst in z]
        if not runs:
            continue
        rps = max(r["records_per_s"] for r in runs)
        rpc = max((r["records"] / r["cpu_s"] for r in runs if r["cpu_s"]), default=0.0)
        zebra[inst] = {"records_per_s": rps, "records_per_cpu_s": round(rpc, 1),
                       "ratio_dedup_wall": ratio(uc["dedup"]["records_per_s"], rps),
                       "ratio_nodedup_wall": ratio(uc["nodedup"]["records_per_s"], rps),
                       "ratio_dedup_cpu": ratio(uc["dedup"]["records_per_cpu_s"], rpc)}
    summary["zebra"] = zebra
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-zebra", action="store_true")
    args = parser.parse_args()
    result = run(args.records, args.repeat, not args.no_zebra)
    print(result["summary"])


if __name__ == "__main__":
    main()
