"""The fixed query list both benches send: title, author, subject, ISBN and one boolean.

Every term occurs in the first 5,000 LC records, so ``--quick`` hits too. The CQL index names
are the same on unioncat and on both Zebra configurations (their pqf.properties map dc.title
1=4, dc.creator 1=1003, dc.subject 1=21, bath.isbn 1=7); the RPN form uses those Bib-1 use
attributes with structure word (4=2) or, for ISBN, the default.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harvesters.marcfile import read_iso2709
from normalizers.decode import decode_iso2709


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    use: int  # Bib-1 use attribute
    term: str
    cql_index: str

    @property
    def cql(self) -> str:
        return f"{self.cql_index}={self.term}"


def _q(kind: str, term: str) -> BenchQuery:
    use, index = {"title": (4, "dc.title"), "author": (1003, "dc.creator"),
                  "subject": (21, "dc.subject"), "isbn": (7, "bath.isbn")}[kind]
    return BenchQuery(kind, use, term, index)


QUERIES: tuple[BenchQuery, ...] = (
    _q("title", "history"), _q("author", "smith"), _q("subject", "women"),
    _q("isbn", "0152022988"),
    _q("title", "war"), _q("author", "johnson"), _q("subject", "dogs"),
    _q("isbn", "1567668593"),
    _q("title", "poems"), _q("author", "kipling"), _q("subject", "presidents"),
    _q("isbn", "0836932722"),
    _q("title", "science"), _q("author", "wilson"), _q("subject", "animals"),
    _q("isbn", "157003348X"),
)


# ---------------------------------------------------------------- the wide set
# The fixed list repeats 16 queries, so anything a server remembers between requests
# (a query-result cache, warm pages of the same postings) answers most of a run. The wide
# set draws distinct terms from the records both systems indexed: a run of N requests over
# N queries sends each once, so every figure is a first-time search.

_STOP = frozenset((
    "about", "after", "again", "against", "among", "their", "there", "these", "those", "which",
    "while", "where", "would", "could", "should", "other", "under", "between", "through",
    "during", "before", "being", "having", "this", "that", "with", "from", "into", "over",
    "your", "what", "when", "then", "than", "them", "they", "were", "been", "have", "will",
    "shall",
))


def wide_queries(path: Path, per_kind: int, seed: int = 7) -> tuple[BenchQuery, ...]:
    """``per_kind`` distinct title words, author surnames, subject words and ISBNs from the
    MARC file at ``path``, in title/author/subject/ISBN rotation like the fixed list."""
    pools = _term_pools(path)
    rng = random.Random(seed)
    picked = {kind: _weighted_sample(terms, per_kind, rng) for kind, terms in pools.items()}
    rows = zip(*(picked[k] for k in ("title", "author", "subject", "isbn")), strict=False)
    return tuple(_q(kind, term) for row in rows
                 for kind, term in zip(("title", "author", "subject", "isbn"), row, strict=True))


def _weighted_sample(terms: Counter[str], count: int, rng: random.Random) -> list[str]:
    """``count`` distinct terms, each drawn with a chance that grows with the number of
    records carrying it (people search for what catalogues hold; a uniform draw over the
    vocabulary would be mostly one-record words). Efraimidis-Spirakis keys."""
    keyed = sorted(terms, key=lambda t: rng.random() ** (1 / terms[t]), reverse=True)
    return keyed[:count]


def _term_pools(path: Path) -> dict[str, Counter[str]]:
    pools: dict[str, Counter[str]] = {kind: Counter()
                                      for kind in ("title", "author", "subject", "isbn")}
    with path.open("rb") as stream:
        for raw in read_iso2709(stream):
            try:
                record = decode_iso2709(raw.data).record
            except ValueError:
                continue
            pools["title"].update(set(_words(record.subfield("245", "a"))))
            surname = record.subfield("100", "a").split(",")[0].strip().lower()
            if _plain(surname, 4):
                pools["author"][surname] += 1
            pools["subject"].update(_words(record.subfield("650", "a"))[:1])
            isbn = (record.subfield("020", "a").split() or [""])[0].upper()
            if len(isbn) == 10 and isbn[:9].isdigit() and (isbn[9].isdigit() or isbn[9] == "X"):
                pools["isbn"][isbn] += 1
    return pools


def _words(text: str) -> list[str]:
    return [w for w in (t.strip(".,:;/[]()\"'").lower() for t in text.split())
            if _plain(w, 5) and w not in _STOP]


def _plain(word: str, least: int) -> bool:
    return len(word) >= least and word.isascii() and word.isalpha()
