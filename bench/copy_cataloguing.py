"""A cataloguer's copy-cataloguing session, scripted with yaz-client, on a large catalog.

For N records picked from the store (each with an ISBN, a 100 author and a 245 title), run
what a cataloguer does in Koha's or MarcEdit's Z39.50 search: connect, find by ISBN, find
by title AND author, show the full USMARC record; parse what yaz-client saved with pymarc
and check it is that book, with the holdings as 852.

    .venv/bin/python bench/copy_cataloguing.py bench/out/data-50000-dedup [--count 20]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymarc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, UnioncatServer

from normalizers.bib import Bib


def pick(store: Path, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(isbn13, title words, author) of records that have all three."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    rows = conn.execute("SELECT bib FROM records WHERE deleted = 0 AND bib LIKE '%\"isbns\":[\"%'"
                        ).fetchall()
    conn.close()
    random.Random(seed).shuffle(rows)
    chosen = []
    for (text,) in rows:
        bib = Bib.loads(text)
        words = [w for w in bib.title.split() if w.isalpha() and len(w) > 3][:2]
        if bib.isbns and bib.creators and len(words) == 2:
            chosen.append((bib.isbns[0], " ".join(words), bib.creators[0].split(",")[0]))
        if len(chosen) == count:
            break
    return chosen


def session(port: int, isbn: str, title: str, author: str, marc: Path) -> tuple[str, float]:
    commands = [f"open tcp:127.0.0.1:{port}/union", "format usmarc", "elements F",
                f"find @attr 1=7 {isbn}", "show 1",
                f'find @and @attr 1=4 @attr 4=6 "{title}" @attr 1=1003 "{author}"', "show 1",
                "close", "quit"]
    started = time.perf_counter()
    out = subprocess.run(["yaz-client", "-m", str(marc)], input="\n".join(commands) + "\n",
                         capture_output=True, text=True, timeout=60).stdout
    return out, time.perf_counter() - started


def check(out: str, marc: Path, isbn: str) -> str:
    """'' if the session did what a cataloguer needs, else what went wrong."""
    hits = [int(line.split(":")[1].split(",")[0]) for line in out.splitlines()
            if line.startswith("Number of hits:")]
    if len(hits) != 2 or hits[0] < 1 or hits[1] < 1:
        return f"hits {hits}"
    with marc.open("rb") as handle:
        records = [r for r in pymarc.MARCReader(handle, to_unicode=True) if r is not None]
    if len(records) != 2:
        return f"{len(records)} records saved"
    first = records[0]
    isbns = [sf for f in first.get_fields("020") for sf in f.get_subfields("a", "z")]
    if not first.get_fields("852"):
        return "no 852 holdings"
    if not any(isbn[3:12] in i.replace("-", "") for i in isbns):
        return f"ISBN {isbn} not in 020 {isbns}"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    entries = sqlite3.connect(args.data_dir / "index.sqlite").execute(
        "SELECT count(*) FROM entries").fetchone()[0]
    server = UnioncatServer(args.data_dir, OUT / "serve-copycat.log")
    server.start()
    failures = 0
    try:
        for isbn, title, author in pick(args.data_dir / "store.sqlite", args.count, args.seed):
            with tempfile.TemporaryDirectory() as tmp:
                marc = Path(tmp) / "copy.mrc"
                out, seconds = session(server.z3950_port, isbn, title, author, marc)
                problem = check(out, marc, isbn)
            failures += bool(problem)
            print(f"| {isbn} | {title} / {author} | {seconds * 1000:.0f} ms | "
                  f"{problem or 'ok'} |")
    finally:
        server.stop()
    print(f"{args.count - failures} of {args.count} sessions ok on {entries:,} entries")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
