"""CQL search terms -> the neutral model's value and truncation.

CQL 1.2 masking: unescaped ``*`` (any characters) and ``?`` (one character); ``^``
anchors a term to the start or end of the field; a backslash escapes the next
character. We support ``*`` at the start and/or end of a term (left/right truncation),
and ``^`` at both ends together (the whole field, i.e. ``==``). Anything else gets the
diagnostic the SRU list names for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.query import Truncation
from sru.diagnostics import (
    AnchoringCharacterInUnsupportedPosition,
    AnchoringCharacterNotSupported,
    MaskedWordsTooShort,
    MaskingCharacterInUnsupportedPosition,
    MaskingCharacterNotSupported,
    TooManyMaskingCharactersInTerm,
)

MIN_STEM = 2  # characters a masked word must keep


@dataclass(frozen=True)
class Piece:
    char: str
    special: bool  # an unescaped *, ? or ^


@dataclass(frozen=True)
class ParsedTerm:
    value: str
    truncation: Truncation = "none"
    anchored: bool = False  # ^ at both ends: the whole field


def pieces(raw: str) -> list[Piece]:
    out: list[Piece] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(Piece(raw[i + 1], False))
            i += 2
            continue
        out.append(Piece(ch, ch in "*?^"))
        i += 1
    return out


def unescape(raw: str) -> str:
    """The term's text with escapes resolved and masking characters kept literally."""
    return "".join(p.char for p in pieces(raw))


def parse_term(raw: str, masked: bool = True) -> ParsedTerm:
    """Interpret masking and anchoring; ``masked=False`` is CQL's ``/unmasked``."""
    if not masked:
        return ParsedTerm(unescape(raw))
    chars = pieces(raw)
    anchored = _strip_anchors(chars, raw)
    left = _strip_star(chars, 0, raw)
    right = _strip_star(chars, -1, raw)
    for piece in chars:
        if piece.special and piece.char == "*":
            raise MaskingCharacterInUnsupportedPosition(raw)
        if piece.special and piece.char == "?":
            raise MaskingCharacterNotSupported(raw)
    value = "".join(p.char for p in chars)
    if (left or right) and len(value.strip()) < MIN_STEM:
        raise MaskedWordsTooShort(raw)
    truncation: Truncation = ("both" if left and right else "left" if left else
                              "right" if right else "none")
    if anchored and truncation != "none":
        raise AnchoringCharacterInUnsupportedPosition(raw)
    return ParsedTerm(value, truncation, anchored)


def _strip_anchors(chars: list[Piece], raw: str) -> bool:
    first = bool(chars) and chars[0].special and chars[0].char == "^"
    last = len(chars) > 1 and chars[-1].special and chars[-1].char == "^"
    if first:
        chars.pop(0)
    if last:
        chars.pop()
    if any(p.special and p.char == "^" for p in chars):
        raise AnchoringCharacterInUnsupportedPosition(raw)
    if first != last:
        raise AnchoringCharacterNotSupported(
            f"{raw} (only a term anchored at both ends, ^term^, is supported)")
    return first


def _strip_star(chars: list[Piece], where: int, raw: str) -> bool:
    if not chars or not (chars[where].special and chars[where].char == "*"):
        return False
    chars.pop(where)
    if chars and chars[where].special and chars[where].char == "*":
        raise TooManyMaskingCharactersInTerm(raw)
    return True
