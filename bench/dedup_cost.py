"""What clustering costs: ingest rate on vs off, re-cluster time for one change, peak memory.

Library A loads the first N*0.8 records of the 250k LC file (bench/lcdata.py), library B
the first N*0.2 again (copies to cluster), into a fresh SQLite store through the real
ingest path. Each mode runs in its own process so peak memory (ru_maxrss) is its own.

    .venv/bin/python bench/dedup_cost.py [--count 50000]          # both modes + re-cluster
    .venv/bin/python bench/dedup_cost.py --mode on --count 50000  # one mode, JSON out
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.ingest import apply_batch, ingest_records
from bench import dedup_variants as variants
from bench.lcdata import iter_raw, lc_file
from harvesters.raw import RawRecord
from normalizers.clustering import Clusterer, SingletonClusterer
from normalizers.decode import decode_iso2709
from normalizers.dedup import DedupClusterer
from normalizers.marc import to_iso2709
from store.db import open_store, transaction
from store.sources import Source, save_source


def raws(count: int) -> list[bytes]:
    return list(islice(iter_raw(lc_file()), count))


def one_mode(mode: str, count: int) -> dict[str, float]:
    data = raws(int(count * 0.8))
    clusterer: Clusterer = DedupClusterer() if mode == "on" else SingletonClusterer()
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_store(Path(tmp) / "store.sqlite")
        with transaction(conn):
            for code in ("A", "B"):
                save_source(conn, Source(code, code))
        started = time.monotonic()
        ingest_records(conn, Source("A", "A"), _stream(data), clusterer)
        ingest_records(conn, Source("B", "B"), _stream(data[:count - len(data)]), clusterer)
        elapsed = time.monotonic() - started
        result = {"records": count, "seconds": round(elapsed, 1),
                  "records_per_second": round(count / elapsed),
                  "entries": conn.execute("SELECT count(DISTINCT cluster_id) FROM records"
                                          ).fetchone()[0]}
        if mode == "on":
            result.update(recluster(conn, data[:200]))
        conn.close()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def _stream(data: list[bytes]) -> list[RawRecord]:
    return [RawRecord(raw, "iso2709", i, origin="lc") for i, raw in enumerate(data, 1)]


def recluster(conn: object, sample: list[bytes]) -> dict[str, float]:
    """Milliseconds to re-process one changed record of library B (apply + re-cluster)."""
    import sqlite3

    assert isinstance(conn, sqlite3.Connection)
    rng = random.Random(1)
    moved, stayed = [], []
    for position, raw in enumerate(sample[:40], 1):
        record = decode_iso2709(raw).record
        for change, times in ((variants.punctuation, stayed), (variants.reprint, moved)):
            data = to_iso2709(change(record, rng))
            started = time.perf_counter()
            with transaction(conn):
                apply_batch(conn, Source("B", "B"), [RawRecord(data, "iso2709", position)],
                            DedupClusterer())
            times.append((time.perf_counter() - started) * 1000)
    return {"recluster_ms_stays_median": round(statistics.median(stayed), 2),
            "recluster_ms_leaves_median": round(statistics.median(moved), 2),
            "recluster_ms_max": round(max(moved + stayed), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50000)
    parser.add_argument("--mode", choices=("on", "off"))
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one_mode(args.mode, args.count)))
        return
    results = {}
    for mode in ("off", "on"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--count",
                              str(args.count)], check=True, capture_output=True, text=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    results["clustering_cost"] = round(results["off"]["records_per_second"]
                                       / results["on"]["records_per_second"] - 1, 3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
