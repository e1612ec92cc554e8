"""Deduplication quality on a labelled set built from real Library of Congress records.

Every base record goes to library L0; one to three positive variants (same manifestation,
catalogued differently) go to L1-L3; about a third get a hard negative (another edition,
volume, author, language or year) in L4, sometimes with its own copy in L5. Everything is
ingested through the real ingest path into a real SQLite store with ``DedupClusterer``,
twice in different library orders, and the clusters are scored against the labels:
pairwise precision/recall and B-cubed. Usage:

    .venv/bin/python bench/dedup_eval.py [--records 2000] [--lc 0] [--seed 7] [--errors 10]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.ingest import ingest_records
from bench.dedup_variants import NEGATIVE, copy_variant, relabel
from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from normalizers.decode import decode_iso2709
from normalizers.dedup import DedupClusterer
from normalizers.marc import Record, to_iso2709
from store.db import open_store, transaction
from store.sources import Source, save_source

ROOT = Path(__file__).resolve().parent.parent
FILES = (ROOT / "tests/fixtures/lc-sample.mrc", ROOT / "tests/fixtures/lc-vietnamese.mrc",
         ROOT / "demo/lc-demo.mrc.gz")
LIBRARIES = ("L0", "L1", "L2", "L3", "L4", "L5")


def base_records(count: int, lc_extra: int, rng: random.Random) -> list[Record]:
    seen: dict[str, Record] = {}
    for path in FILES:
        for raw in read_marc_path(path):
            record = decode_iso2709(raw.data).record
            seen.setdefault(record.control("001").strip() or str(len(seen)), record)
    if lc_extra:
        seen.update(_from_lc(lc_extra))
    chosen = list(seen.values())
    rng.shuffle(chosen)
    return chosen[:count]


def _from_lc(count: int) -> dict[str, Record]:
    """Records with an ISBN from the 250k LC file (bench/lcdata.py), count of them."""
    from bench.lcdata import iter_raw, lc_file

    found: dict[str, Record] = {}
    for data in iter_raw(lc_file()):
        if b"\x1fa" not in data or b"020" not in data[24:int(data[12:17])]:
            continue
        record = decode_iso2709(data).record
        if record.get_fields("020"):
            found[record.control("001").strip()] = record
        if len(found) >= count:
            break
    return found


def labelled_set(bases: list[Record], rng: random.Random) -> dict[str, list[tuple[str, Record]]]:
    """Library -> [(label, record)]."""
    out: dict[str, list[tuple[str, Record]]] = defaultdict(list)
    for i, base in enumerate(bases):
        label = f"m{i}"
        out["L0"].append((label, base))
        for library in rng.sample(LIBRARIES[1:4], rng.randint(1, 3)):
            out[library].append((label, copy_variant(base, rng)))
        if rng.random() < 0.35:
            negative = rng.choice(NEGATIVE)(base, rng)
            out["L4"].append((f"{label}-n", negative))
            if rng.random() < 0.5:
                out["L5"].append((f"{label}-n", copy_variant(negative, rng)))
    return out


def run(data: dict[str, list[tuple[str, Record]]], order: list[str],
        workdir: Path) -> tuple[dict[str, str], dict[str, str], float, int]:
    """Ingest libraries in ``order``; returns (member -> cluster, member -> label, s, n)."""
    conn = open_store(workdir / f"store-{'-'.join(order)}.sqlite")
    with transaction(conn):
        for code in LIBRARIES:
            save_source(conn, Source(code, f"Library {code}"))
    labels: dict[str, str] = {}
    started = time.monotonic()
    count = 0
    for code in order:
        raws = list(_raws(code, data[code], labels))
        count += len(raws)
        ingest_records(conn, Source(code, code), raws, DedupClusterer())
    elapsed = time.monotonic() - started
    clusters = {f"{r[0]}:{r[1]}": r[2] for r in conn.execute(
        "SELECT source, local_id, cluster_id FROM records WHERE deleted=0")}
    conn.close()
    return clusters, labels, elapsed, count


def _raws(code: str, items: list[tuple[str, Record]],
          labels: dict[str, str]) -> Iterator[RawRecord]:
    for n, (label, record) in enumerate(items, 1):
        mine = relabel(record, code, n)
        labels[f"{code}:{mine.control('001')}"] = label
        yield RawRecord(to_iso2709(mine), "iso2709", n, origin=f"eval-{code}")


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, int, int]:
    def pairs(assign: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for member, group in assign.items():
            groups[group].append(member)
        return {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}  # type: ignore[misc]

    got, want = pairs(predicted), pairs(truth)
    hit = len(got & want)
    return hit / max(len(got), 1), hit / max(len(want), 1), len(got - want), len(want - got)


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for member in truth:
        by_pred[predicted[member]].add(member)
        by_true[truth[member]].add(member)
    precision = recall = 0.0
    for member in truth:
        common = len(by_pred[predicted[member]] & by_true[truth[member]])
        precision += common / len(by_pred[predicted[member]])
        recall += common / len(by_true[truth[member]])
    return precision / len(truth), recall / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--lc", type=int, default=0, help="add N ISBN records from the 250k file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--errors", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data = labelled_set(base_records(args.records, args.lc, rng), rng)
    with tempfile.TemporaryDirectory() as tmp:
        first = run(data, list(LIBRARIES), Path(tmp))
        second = run(data, list(reversed(LIBRARIES)), Path(tmp))
    report(first, second, args.errors)


def report(first: tuple[dict[str, str], dict[str, str], float, int],
           second: tuple[dict[str, str], dict[str, str], float, int], errors: int) -> None:
    predicted, truth, elapsed, count = first
    p, r, false_pairs, missed_pairs = pairwise(predicted, truth)
    bp, br = bcubed(predicted, truth)
    same = _partition(predicted) == _partition(second[0])
    result = {"records": count, "manifestations": len(set(truth.values())),
              "entries": len(set(predicted.values())), "pairwise_precision": round(p, 4),
              "pairwise_recall": round(r, 4), "false_pairs": false_pairs,
              "missed_pairs": missed_pairs, "bcubed_precision": round(bp, 4),
              "bcubed_recall": round(br, 4), "order_independent": same,
              "ingest_seconds": round(elapsed, 2)}
    print(json.dumps(result, indent=2))
    _show_errors(predicted, truth, errors)
    for group in list(_partition(predicted) - _partition(second[0]))[:errors]:
        print("ORDER-DEPENDENT", sorted((m, truth[m]) for m in group), file=sys.stderr)


def _partition(assign: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for member, group in assign.items():
        groups[group].add(member)
    return {frozenset(g) for g in groups.values()}


def _show_errors(predicted: dict[str, str], truth: dict[str, str], limit: int) -> None:
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for member in truth:
        by_pred[predicted[member]].append(member)
        by_true[truth[member]].append(member)
    merged = [g for g in by_pred.values() if len({truth[m] for m in g}) > 1][:limit]
    split = [g for g in by_true.values() if len({predicted[m] for m in g}) > 1][:limit]
    for group in merged:
        print("FALSE MERGE", [(m, truth[m]) for m in group], file=sys.stderr)
    for group in split:
        print("MISSED", [(m, predicted[m]) for m in group], file=sys.stderr)


if __name__ == "__main__":
    main()
