"""Verification: do two candidate records describe the same manifestation?

Blocking (shared match keys) only proposes pairs; these rules decide, and they protect real
differences first: another year, edition, volume, format, author, page count or title is
never merged, whatever identifier the two share. A shared valid ISBN or trusted system
number is strong evidence that lowers the title threshold; without one, the titles must be
near-identical and the years present and equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from normalizers.matchkeys import Profile

TITLE_WITH_ID = 0.5  # title similarity needed when an ISBN or trusted id is shared
TITLE_WITHOUT_ID = 0.85  # ... and when only the title, author and year agree
PAGE_TOLERANCE = 0.1  # page counts further apart than 10% (and 10 pages) differ
STRONG_ID_KINDS = ("lccn", "oclc", "nlv", "id024", "issn")
EXCLUSIVE_ID_KINDS = ("lccn",)  # one per manifestation: two different ones never match


@dataclass(frozen=True)
class Verdict:
    match: bool
    score: float
    reason: str
    hard: bool = True  # a real difference; False = only too little evidence to say


def verify(a: Profile, b: Profile, blocked: frozenset[str] = frozenset()) -> Verdict:
    """Apply the rules in order; ``blocked`` holds 'kind:key' ids that prove nothing."""
    conflict = _conflict(a, b)
    if conflict:
        return Verdict(False, 0.0, conflict)
    shared = shared_ids(a, b, blocked)
    similarity = title_similarity(a, b)
    if shared:
        if similarity < TITLE_WITH_ID:
            return Verdict(False, 0.0, f"titles differ ({similarity:.2f}) despite {shared[0]}")
        return Verdict(True, 2.0 + similarity + 0.1 * len(shared), f"shared {shared[0]}")
    return _without_ids(a, b, similarity)


def _without_ids(a: Profile, b: Profile, similarity: float) -> Verdict:
    if a.isbns and b.isbns:
        return Verdict(False, 0.0, "both have ISBNs and none is shared")
    if similarity < TITLE_WITH_ID:
        return Verdict(False, 0.0, f"titles differ ({similarity:.2f})")
    if a.year is None or b.year is None:
        return Verdict(False, 0.0, "no shared identifier and a year is missing", hard=False)
    if similarity < TITLE_WITHOUT_ID:
        return Verdict(False, 0.0, f"titles differ ({similarity:.2f}) and no shared identifier",
                       hard=False)
    if bool(a.author or a.names) != bool(b.author or b.names):
        return Verdict(False, 0.0, "no shared identifier and only one side has an author",
                       hard=False)
    return Verdict(True, 1.0 + similarity, "same title, author and year")


def _conflict(a: Profile, b: Profile) -> str:
    """The first real difference between the two, or ''."""
    checks = (_format, _year, _edition, _part, _series_volume, _pages, _language, _author,
              _exclusive_ids)
    for check in checks:
        reason = check(a, b)
        if reason:
            return reason
    return ""


def _format(a: Profile, b: Profile) -> str:
    return f"formats differ ({a.format} / {b.format})" if a.format != b.format else ""


def _year(a: Profile, b: Profile) -> str:
    if a.year is not None and b.year is not None and a.year != b.year:
        return f"years differ ({a.year} / {b.year})"
    return ""


def _edition(a: Profile, b: Profile) -> str:
    return f"editions differ ({a.edition!r} / {b.edition!r})" if a.edition != b.edition else ""


def _part(a: Profile, b: Profile) -> str:
    return f"volumes or parts differ ({a.part!r} / {b.part!r})" if a.part != b.part else ""


def _series_volume(a: Profile, b: Profile) -> str:
    if a.series_volume and b.series_volume and a.series_volume != b.series_volume:
        return f"series numbers differ ({a.series_volume!r} / {b.series_volume!r})"
    return ""


def _pages(a: Profile, b: Profile) -> str:
    if a.pages is None or b.pages is None:
        return ""
    gap = abs(a.pages - b.pages)
    if gap > 10 and gap > PAGE_TOLERANCE * max(a.pages, b.pages):
        return f"page counts differ ({a.pages} / {b.pages})"
    return ""


def _language(a: Profile, b: Profile) -> str:
    if a.language and b.language and a.language != b.language:
        return f"languages differ ({a.language} / {b.language})"
    return ""


def _author(a: Profile, b: Profile) -> str:
    """Main authors must agree; a main author missing on one side must be among the other's
    names (or the other has none at all)."""
    if a.author and b.author:
        return "" if names_agree(a.author, b.author) else "authors differ"
    if a.author and b.names and not any(names_agree(a.author, n) for n in b.names):
        return "author not among the other record's names"
    if b.author and a.names and not any(names_agree(b.author, n) for n in a.names):
        return "author not among the other record's names"
    return ""


def names_agree(x: list[str], y: list[str]) -> bool:
    """Sorted name tokens: equal, or every token of the shorter one matches (initials too)."""
    if x == y:
        return True
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    rest = list(long)
    for token in short:
        hit = next((t for t in rest if t == token or (len(token) == 1 and t[0] == token)
                    or (len(t) == 1 and token[0] == t)), None)
        if hit is None:
            return False
        rest.remove(hit)
    return len(short) >= 2 or len(long) == 1


def _exclusive_ids(a: Profile, b: Profile) -> str:
    for kind in EXCLUSIVE_ID_KINDS:
        mine = {i for i in a.ids if i.startswith(kind + ":")}
        theirs = {i for i in b.ids if i.startswith(kind + ":")}
        if mine and theirs and not mine & theirs:
            return f"different {kind} numbers"
    return ""


def shared_ids(a: Profile, b: Profile, blocked: frozenset[str] = frozenset()) -> list[str]:
    found = [f"isbn:{v}" for v in a.isbns if v in b.isbns]
    found += [i for i in a.ids if i in b.ids and i.split(":", 1)[0] in STRONG_ID_KINDS]
    return [i for i in found if i not in blocked]


def title_similarity(a: Profile, b: Profile) -> float:
    """Best of: full titles, short titles, and one full title contained in the other."""
    return max(_dice(a.title, b.title), _dice(a.short, b.short),
               _contained(a.short, b.title), _contained(b.short, a.title))


def _dice(x: list[str], y: list[str]) -> float:
    if not x or not y:
        return 0.0
    common = _overlap(x, y)
    return 2 * common / (len(x) + len(y))


def _contained(short: list[str], full: list[str]) -> float:
    """A dropped subtitle: the short title is the head of the other's full title."""
    if len(short) < 2 or full[:len(short)] != short:
        return 0.0
    return 0.9


def _overlap(x: list[str], y: list[str]) -> int:
    rest = list(y)
    count = 0
    for token in x:
        if token in rest:
            rest.remove(token)
            count += 1
    return count
