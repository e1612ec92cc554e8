"""Fetch the 250,000 Library of Congress MARC21 records carried by pymarc 5.4.0's sdist.

The file is never committed; it is cached under ``$UNIONCAT_CACHE`` (default
``~/.cache/unioncat``). Usage: ``python bench/lcdata.py [--slice N OUT] [--vietnamese OUT]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

MEMBER = "pymarc-5.4.0/BooksAll.2016.part01.utf8"
VIETNAMESE_ONLY = set("ăđơưĂĐƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
                      "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ")


def cache_dir() -> Path:
    return Path(os.environ.get("UNIONCAT_CACHE", Path.home() / ".cache" / "unioncat"))


def lc_file() -> Path:
    """Path of BooksAll.2016.part01.utf8, downloading pymarc's sdist from PyPI once."""
    target = cache_dir() / "BooksAll.2016.part01.utf8"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print("fetching pymarc 5.4.0 sdist from PyPI (76 MB)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--no-binary", ":all:", "pymarc==5.4.0",
                        "-d", tmp, "-q"], check=True)
        with tarfile.open(Path(tmp) / "pymarc-5.4.0.tar.gz") as tar:
            source = tar.extractfile(MEMBER)
            assert source is not None
            partial = target.with_suffix(".part")
            with partial.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            partial.rename(target)
    return target


def iter_raw(path: Path) -> Iterator[bytes]:
    """ISO 2709 records as raw bytes, split by the record length in the leader."""
    with path.open("rb") as handle:
        while head := handle.read(5):
            length = int(head)
            yield head + handle.read(length - 5)


def is_vietnamese(raw: bytes) -> bool:
    text = unicodedata.normalize("NFC", raw.decode("utf-8", "replace"))
    return any(ch in VIETNAMESE_ONLY for ch in text)


def write_slice(out: Path, count: int, vietnamese_extra: bool) -> int:
    """First ``count`` records, plus every Vietnamese one after them if asked."""
    written = 0
    with out.open("wb") as handle:
        for position, raw in enumerate(iter_raw(lc_file())):
            if position < count or (vietnamese_extra and is_vietnamese(raw)):
                handle.write(raw)
                written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slice", nargs=2, metavar=("N", "OUT"))
    parser.add_argument("--with-vietnamese", action="store_true",
                        help="add every Vietnamese-letter record to the slice")
    args = parser.parse_args()
    if args.slice:
        n = write_slice(Path(args.slice[1]), int(args.slice[0]), args.with_vietnamese)
        print(f"wrote {n} records to {args.slice[1]}")
    else:
        print(lc_file())


if __name__ == "__main__":
    main()
