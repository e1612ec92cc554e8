"""Member records -> the catalog entry (``CatalogDocument``) the search backends hold."""

from __future__ import annotations

from dataclasses import dataclass

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


def completeness(member: Member) -> float:
    """How good a record is to copy: fields present, encoding level, subjects, no ALL-CAPS."""
    bib = member.bib
    score = sum(bool(x) for x in (bib.creators, bib.subjects, bib.publisher, bib.place,
                                  bib.year, bib.isbns, bib.classification, bib.physical,
                                  bib.notes, bib.series, bib.language))
    score += {" ": 3, "1": 2, "4": 2, "7": 1, "I": 3, "K": 1}.get(bib.encoding_level, 0)
    score += 2 * bool(bib.subjects) + 2 * bool(bib.classification)
    if bib.title.isupper():
        score -= 4
    return score + member.priority * 0.5


def preferred(members: list[Member]) -> Member:
    return max(members, key=lambda m: (completeness(m), -m.record_id))


def build_document(cluster_id: str, members: list[Member]) -> CatalogDocument:
    best = preferred(members)
    bib = best.bib
    return CatalogDocument(
        id=cluster_id,
        title=bib.title,
        responsibility=bib.responsibility,
        creators=_union(m.bib.creators for m in [best, *members]),
        subjects=_union(m.bib.subjects for m in [best, *members]),
        publisher=bib.publisher,
        place=bib.place,
        year=bib.year,
        edition=bib.edition,
        isbns=_union(m.bib.isbns for m in members),
        issns=_union(m.bib.issns for m in members),
        identifiers=_union(m.bib.identifiers for m in members),
        language=bib.language,
        format=bib.format,
        classification=_union(m.bib.classification for m in [best, *members]),
        series=tuple(bib.series),
        physical=bib.physical,
        notes=tuple(bib.notes),
        holdings=tuple(_holding(m) for m in sorted(members, key=lambda m: m.source)),
        member_ids=tuple(m.member_id for m in sorted(members, key=lambda m: m.source)),
        marc=best.marc,
        added=min(m.first_seen for m in members),
        updated=max(m.updated_at for m in members),
    )


def _holding(member: Member) -> Holding:
    return Holding(library=member.source, library_name=member.library_name,
                   library_type=member.library_type, district=member.district,
                   call_number=member.call_number, record_id=member.member_id,
                   restricted=member.restricted)


def _union(groups: object) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:  # type: ignore[attr-defined]
        for value in group:
            seen.setdefault(value, None)
    return tuple(seen)
