"""CPU cost of the embedded backend: upsert docs per CPU-second and CPU ms per search.

Reads the entries (``docs`` JSON) of an existing ``index.sqlite``, upserts them in batches
of 500 (the indexer's batch) into a fresh backend under a scratch directory, then runs a
fixed query list against it, reporting the median and p95 CPU milliseconds
(``time.process_time``, steadier than wall time on a shared machine).

    .venv/bin/python bench/bench_sqlite_search.py SOURCE/index.sqlite [--dump out.json]
        [--compare before.json] [--limit N] [--reuse DIR]

``--dump`` writes each query's total, hit ids and facets (and the timings), so a later run
can check with ``--compare`` that results did not change and print before/after figures.
``--reuse DIR`` skips the upsert when ``DIR/index.sqlite`` already holds the entries.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.document import CatalogDocument
from search.query import (
    Bool,
    Index,
    MatchAll,
    Query,
    Relation,
    Scope,
    SearchRequest,
    SortKey,
    Term,
    Truncation,
)
from search.sqlite_fts import SqliteFtsBackend

BATCH = 500


def _t(index: Index, value: str, relation: Relation = "=",
       truncation: Truncation = "none") -> Term:
    return Term(index, relation, value, truncation)


def _requests() -> dict[str, SearchRequest]:
    staff_lib = Scope(libraries=frozenset({"VN-B", "VN-BENCH"}), visibility="staff")
    plain: dict[str, Query] = {
        'title all "history"': _t("title", "history"),
        'any all "united states"': _t("any", "united states"),
        'subject all "war"': _t("subject", "war"),
        'title adj "the history of"': _t("title", "the history of", "adj"),
        'creator "smith"': _t("creator", "smith"),
        'subject "women"': _t("subject", "women"),
        'title "poems"': _t("title", "poems"),
        'creator "kipling"': _t("creator", "kipling"),
        'isbn 0152022988': _t("isbn", "0152022988"),
        'any "Việt Nam"': _t("any", "Việt Nam"),
        'title "scien*"': _t("title", "scien", truncation="right"),
        'title any "dogs cats"': _t("title", "dogs cats", "any"),
        'history AND year>1990': Bool("and", _t("title", "history"), _t("year", "1990", ">")),
        'history NOT war': Bool("not", _t("title", "history"), _t("subject", "war")),
        'rare "zymurgy"': _t("any", "zymurgy"),
    }
    found = {name: SearchRequest(query) for name, query in plain.items()}
    found['history p3 (start 20)'] = SearchRequest(_t("title", "history"), start=20)
    found['history sort year'] = SearchRequest(_t("title", "history"),
                                               sort=(SortKey("year", True),))
    found['history scoped staff'] = SearchRequest(_t("title", "history"), scope=staff_lib)
    found['history +3 facets'] = SearchRequest(
        _t("title", "history"), facets=("subject", "language", "library"))
    found['united states +subject facet'] = SearchRequest(
        _t("any", "united states"), facets=("subject",))
    found['all records'] = SearchRequest(MatchAll())
    return found


def _source_docs(path: Path, limit: int | None) -> Iterator[CatalogDocument]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = "SELECT json, marc FROM docs ORDER BY rowid" + (f" LIMIT {int(limit)}" if limit else "")
    for text, marc in conn.execute(sql):
        yield CatalogDocument.loads(text, marc)
    conn.close()


def load(backend: SqliteFtsBackend, source: Path, limit: int | None) -> dict[str, float]:
    docs = list(_source_docs(source, limit))
    cpu = 0.0
    for start in range(0, len(docs), BATCH):
        batch = docs[start:start + BATCH]
        began = time.process_time()
        backend.upsert(batch)
        cpu += time.process_time() - began
    began = time.process_time()
    backend.upsert(docs[:BATCH])  # replacing existing entries
    replace = time.process_time() - began
    return {"docs": len(docs), "cpu_s": round(cpu, 3),
            "docs_per_cpu_s": round(len(docs) / cpu, 1),
            "replace_docs_per_cpu_s": round(min(BATCH, len(docs)) / replace, 1)}


def _outcome(backend: SqliteFtsBackend, request: SearchRequest) -> dict[str, Any]:
    result = backend.search(request)
    return {"total": result.total, "ids": [d.id for d in result.hits],
            "facets": {k: [[f.value, f.count] for f in v] for k, v in result.facets.items()}}


def time_queries(backend: SqliteFtsBackend, rounds: int) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    for name, request in _requests().items():
        outcome = _outcome(backend, request)  # warm
        samples = []
        for _ in range(rounds):
            began = time.process_time()
            backend.search(request)
            samples.append((time.process_time() - began) * 1000)
        samples.sort()
        outcome["cpu_ms"] = round(statistics.median(samples), 2)
        outcome["p95_ms"] = round(samples[int(0.95 * (len(samples) - 1))], 2)
        report[name] = outcome
    return report


def _print(report: dict[str, Any], before: dict[str, Any] | None) -> int:
    changed = 0
    old = before["queries"] if before else {}
    print(f"{'query':34} {'hits':>6} {'before':>8} {'after':>8}  (CPU ms, median)")
    for name, now in report["queries"].items():
        was = old.get(name)
        mark = ""
        if was and {k: was[k] for k in ("total", "ids", "facets")} != {
                k: now[k] for k in ("total", "ids", "facets")}:
            mark, changed = "  RESULTS DIFFER", changed + 1
        print(f"{name:34} {now['total']:>6} {was['cpu_ms'] if was else '':>8} "
              f"{now['cpu_ms']:>8}{mark}")
    load_now, load_was = report.get("load"), (before or {}).get("load")
    if load_now:
        print(f"upsert docs/CPU-s: {load_was['docs_per_cpu_s'] if load_was else '-'}"
              f" -> {load_now['docs_per_cpu_s']}  (replace: "
              f"{load_was['replace_docs_per_cpu_s'] if load_was else '-'}"
              f" -> {load_now['replace_docs_per_cpu_s']})")
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="an index.sqlite to take entries from")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None)
    args = parser.parse_args()
    scratch = args.reuse or Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    scratch.mkdir(parents=True, exist_ok=True)
    backend = SqliteFtsBackend(scratch / "index.sqlite")
    report: dict[str, Any] = {}
    if not backend.stats().entries:
        report["load"] = load(backend, args.source, args.limit)
    report["queries"] = time_queries(backend, args.rounds)
    backend.close()
    before = json.loads(args.compare.read_text()) if args.compare else None
    if args.dump:
        args.dump.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 1 if _print(report, before) else 0


if __name__ == "__main__":
    sys.exit(main())
