"""Real LC records (tests/fixtures) and their variants as other libraries catalogue them."""

from __future__ import annotations

import random
import sqlite3
from functools import cache
from pathlib import Path

from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from normalizers.bib import bib_from_record
from normalizers.decode import decode_iso2709
from normalizers.marc import Record, to_iso2709
from normalizers.matching import Verdict, verify
from normalizers.matchkeys import Profile, profile_of

FIXTURES = Path(__file__).parent / "fixtures"
AGAINST_THE_FLOOD = "00055556"  # Ma Văn Kháng, ISBN 1880684675, 2000, 1st ed., 309 p.
SPRING_ESSENCE = "00060307"  # Hồ Xuân Hương, ISBN 1556591489, 2000
VIETNAMESE_WAR = "00041020"  # Elliott, 2003, 2 v.
CHILD_VERSE = "00000017"  # Tabb, Child verse: poems grave and gay, 1899, no ISBN


@cache
def _all() -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in ("lc-sample.mrc", "lc-vietnamese.mrc"):
        for raw in read_marc_path(FIXTURES / name):
            found[decode_iso2709(raw.data).record.control("001").strip()] = raw.data
    return found


def real(control_number: str) -> Record:
    return decode_iso2709(_all()[control_number]).record


def profile(record: Record) -> Profile:
    """As ingest sees it: through ISO 2709 and the decoder (NFC repair included)."""
    decoded = decode_iso2709(to_iso2709(record)).record
    return profile_of(decoded, bib_from_record(decoded))


def compare(a: Record, b: Record) -> Verdict:
    return verify(profile(a), profile(b))


def rng() -> random.Random:
    return random.Random(4)


def raw(record: Record, position: int = 1) -> RawRecord:
    return RawRecord(to_iso2709(record), "iso2709", position, origin="test")


def entries_of(conn: sqlite3.Connection) -> set[frozenset[str]]:
    """The store's entries, each as the set of its live records ("SOURCE:local-id")."""
    groups: dict[str, set[str]] = {}
    for source, local_id, cluster in conn.execute(
            "SELECT source, local_id, cluster_id FROM records WHERE deleted=0"):
        groups.setdefault(cluster, set()).add(f"{source}:{local_id}")
    return {frozenset(g) for g in groups.values()}
