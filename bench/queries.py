"""The fixed query list both benches send: title, author, subject, ISBN and one boolean.

Every term occurs in the first 5,000 LC records, so ``--quick`` hits too. The CQL index names
are the same on unioncat and on both Zebra configurations (their pqf.properties map dc.title
1=4, dc.creator 1=1003, dc.subject 1=21, bath.isbn 1=7); the RPN form uses those Bib-1 use
attributes with structure word (4=2) or, for ISBN, the default.
"""

from __future__ import annotations

from dataclasses import dataclass


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
