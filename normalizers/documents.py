"""Member records -> the catalog entry (``CatalogDocument``) the search backends hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from normalizers.bib import Bib
from search.document import CatalogDocument, Holding


@dataclass(frozen=True)
class Member:
    record_id: int
    source: str
    library_name: str
    library_type: str
    district: str
    priority: int
    local_id: str
    bib: Bib
    marc: bytes
    call_number: str
    restricted: bool
    first_seen: str
    updated_at: str

    @property
    def member_id(self) -> str:
        return f"{self.source}:{self.local_id}"


ENCODING_LEVEL_SCORE = {" ": 3, "I": 3, "1": 2, "4": 2, "L": 2, "7": 1, "K": 1, "M": 1,
                        "2": 1, "5": 0, "8": 0, "3": 0, "u": 0, "z": 0}


def completeness(member: Member) -> float:
    """How good a record is to copy: fields present, encoding level (leader/17), subjects and
    classification, no ALL-CAPS, and the source's priority."""
    bib = member.bib
    score: float = sum(bool(x) for x in (bib.creators, bib.subjects, bib.publisher, bib.place,
                                         bib.year, bib.isbns, bib.classification, bib.physical,
                                         bib.notes, bib.series, bib.language, bib.responsibility))
    score += ENCODING_LEVEL_SCORE.get(bib.encoding_level, 0)
    score += 2 * bool(bib.subjects) + 2 * bool(bib.classification)
    score += min(len(bib.subjects), 5) * 0.2
    score -= 4 * _shouting(bib.title) + 1 * _shouting(bib.publisher)
    score -= 2 * any(_shouting(c) for c in bib.creators)
    return score + member.priority * 0.5


def _shouting(text: str) -> bool:
    """ALL-CAPS text (a legacy-system habit): at least four letters and no lower case."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and text.isupper()


def preferred(members: list[Member]) -> Member:
    """The record a cataloguer should copy: a public one first, then the most complete;
    ties go to the oldest record so the choice does not flicker between harvests."""
    if len(members) == 1:  # most entries: no need to score
        return members[0]
    return max(members, key=lambda m: (not m.restricted, completeness(m), -m.record_id))


def build_document(cluster_id: str, members: list[Member]) -> CatalogDocument:
    best = preferred(members)
    bib = best.bib
    # the best member's values first: with one member (most entries, and every drafted
    # one) it is that member, and a union of its values with themselves is its values
    ranked = members if len(members) == 1 else [best, *members]
    by_source = members if len(members) == 1 else sorted(members, key=lambda m: m.source)
    return CatalogDocument(
        id=cluster_id,
        title=bib.title,
        other_titles=_union(m.bib.other_titles for m in ranked),
        responsibility=bib.responsibility,
        creators=_union(m.bib.creators for m in ranked),
        subjects=_union(m.bib.subjects for m in ranked),
        publisher=bib.publisher,
        place=bib.place,
        year=bib.year,
        edition=bib.edition,
        isbns=_union(m.bib.isbns for m in members),
        issns=_union(m.bib.issns for m in members),
        identifiers=_union(m.bib.identifiers for m in members),
        language=bib.language,
        format=bib.format,
        classification=_union(m.bib.classification for m in ranked),
        series=tuple(bib.series),
        physical=bib.physical,
        notes=tuple(bib.notes),
        holdings=tuple(_holding(m) for m in by_source),
        member_ids=tuple(m.member_id for m in by_source),
        marc=best.marc,
        added=min(m.first_seen for m in members),
        updated=max(m.updated_at for m in members),
    )


def _holding(member: Member) -> Holding:
    return Holding(library=member.source, library_name=member.library_name,
                   library_type=member.library_type, district=member.district,
                   call_number=member.call_number, record_id=member.member_id,
                   restricted=member.restricted)


def _union(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Every value once, in order of first appearance."""
    return tuple(dict.fromkeys(chain.from_iterable(groups)))
