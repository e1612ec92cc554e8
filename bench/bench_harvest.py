"""Harvest throughput from a real OAI-PMH provider on 127.0.0.1 (the oaipmh package).

Serves N real LC records (BooksAll slice, see bench/lcdata.py) as marc21 pages of
``--batch`` records, harvests them into a fresh store + SQLite FTS index, then checks the
"done" criteria: exactly N records; an incremental run adds nothing; after the provider
deletes 10 and changes 10 one more run reflects exactly that.

Usage: ``python bench/bench_harvest.py [--records 10000] [--batch 500] [--prefix marc21]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.harvest_run import harvest_sources
from app.settings import Settings
from bench.lcdata import iter_raw, lc_file
from normalizers.decode import decode_iso2709
from normalizers.marc import Record
from search.sqlite_fts import SqliteFtsBackend
from store.db import open_store, transaction
from store.sources import Source, save_source
from tests.oai_provider import Feed, Provider


def lc_records(count: int) -> Iterator[Record]:
    for data in islice(iter_raw(lc_file()), count):
        yield decode_iso2709(data).record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--prefix", default="marc21")
    parser.add_argument("--external", action="store_true",
                        help="provider in its own process (throughput only)")
    args = parser.parse_args()
    if args.external:
        external(args.records, args.batch, args.prefix)
        return
    feed = Feed()
    feed.add(lc_records(args.records))
    with tempfile.TemporaryDirectory() as tmp, Provider(feed, args.batch) as provider:
        settings = Settings(data_dir=Path(tmp), dedup=False)
        conn = open_store(settings.store_path)
        source = Source("VN-BENCH", "Bench", protocol="oai", endpoint=provider.url,
                        metadata_prefix=args.prefix)
        with transaction(conn):
            save_source(conn, source)
        backend = SqliteFtsBackend(settings.index_path)
        started = time.perf_counter()
        first, = harvest_sources(settings, [source], backend)
        seconds = time.perf_counter() - started
        live = conn.execute("SELECT COUNT(*) FROM records WHERE deleted=0").fetchone()[0]
        print(f"full harvest: {live:,} records in {seconds:.1f} s = "
              f"{live / seconds:,.0f} records/s ({first.figures.pages} pages of {args.batch}, "
              f"{args.prefix}, indexed in SQLite FTS)")
        assert live == len(feed.items), (live, len(feed.items))
        started = time.perf_counter()
        again, = harvest_sources(settings, [source], backend)
        print(f"incremental, no change: +{again.figures.added} ~{again.figures.updated} "
              f"-{again.figures.deleted} in {time.perf_counter() - started:.2f} s")
        assert (again.figures.added, again.figures.updated, again.figures.deleted) == (0, 0, 0)
        ids = sorted(feed.items)
        feed.delete(ids[:10])
        feed.change(ids[100:110])
        third, = harvest_sources(settings, [source], backend)
        print(f"after 10 deleted, 10 changed: +{third.figures.added} ~{third.figures.updated} "
              f"-{third.figures.deleted}")
        assert (third.figures.added, third.figures.updated, third.figures.deleted) == (0, 10, 10)
        print(f"index entries: {backend.stats().entries:,}")
        backend.close()
        conn.close()


def external(records: int, batch: int, prefix: str) -> None:
    """Throughput with the provider in its own process (no shared GIL)."""
    provider = subprocess.Popen([sys.executable, "tests/oai_provider.py", str(lc_file()),
                                 "--limit", str(records), "--batch", str(batch),
                                 "--port", "18765"], stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[1])
    try:
        assert provider.stdout is not None
        print(provider.stdout.readline().strip())
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), dedup=False)
            conn = open_store(settings.store_path)
            source = Source("VN-BENCH", "Bench", protocol="oai",
                            endpoint="http://127.0.0.1:18765/oai", metadata_prefix=prefix)
            with transaction(conn):
                save_source(conn, source)
            backend = SqliteFtsBackend(settings.index_path)
            started = time.perf_counter()
            result, = harvest_sources(settings, [source], backend)
            seconds = time.perf_counter() - started
            live = conn.execute("SELECT COUNT(*) FROM records WHERE deleted=0").fetchone()[0]
            print(f"external provider: {live:,} records in {seconds:.1f} s = "
                  f"{live / seconds:,.0f} records/s ({result.figures.pages} pages, {prefix})")
            backend.close()
            conn.close()
    finally:
        provider.kill()
        provider.wait()


if __name__ == "__main__":
    main()
