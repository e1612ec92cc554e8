"""The read model: one catalog entry (a cluster of member records) as the backends hold it.

A ``CatalogDocument`` carries everything a response needs, so serving code reads only the
search backend: display fields, the preferred MARC record, holdings of every library and
the ids of the member records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

Stored = tuple[bytes, bytes | None]  # an entry's JSON (without MARC) and MARC, as stored


@dataclass(frozen=True)
class Holding:
    library: str  # source code, ISIL-style ("VN-DT-001")
    library_name: str = ""
    library_type: str = ""
    district: str = ""
    call_number: str = ""
    record_id: str = ""  # the member record this holding comes from
    restricted: bool = False


@dataclass(frozen=True)
class CatalogDocument:
    id: str
    title: str
    other_titles: tuple[str, ...] = ()  # uniform, varying and added titles (searchable)
    responsibility: str = ""
    creators: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    publisher: str = ""
    place: str = ""
    year: int | None = None
    edition: str = ""
    isbns: tuple[str, ...] = ()
    issns: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()  # LCCN, OCLC and other system numbers, 024
    language: str = ""
    format: str = "book"
    classification: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    physical: str = ""
    notes: tuple[str, ...] = ()
    holdings: tuple[Holding, ...] = ()
    member_ids: tuple[str, ...] = ()
    marc: bytes = b""  # preferred record, ISO 2709 UTF-8, without added holdings
    added: str = ""  # ISO timestamp the entry first appeared ("what is new")
    updated: str = ""

    @property
    def title_texts(self) -> tuple[str, ...]:
        """What the title index searches: the title, other titles and series titles."""
        return (self.title, *self.other_titles, *self.series)

    @property
    def restricted(self) -> bool:
        """An entry whose every holding is restricted is invisible to the public."""
        return bool(self.holdings) and all(h.restricted for h in self.holdings)

    def libraries(self, include_restricted: bool) -> tuple[str, ...]:
        return tuple(dict.fromkeys(
            h.library for h in self.holdings if include_restricted or not h.restricted))

    def visible_to(self, libraries: frozenset[str] | None, sees_restricted: bool) -> (
            CatalogDocument | None):
        """This entry as a caller with that scope sees it, or None if it is out of scope."""
        kept = tuple(h for h in self.holdings
                     if (sees_restricted or not h.restricted)
                     and (libraries is None or h.library in libraries))
        if self.holdings and not kept:
            return None
        if not self.holdings and libraries is not None:
            return None
        if len(kept) == len(self.holdings):
            return self
        return _replace_holdings(self, kept)

    if not TYPE_CHECKING:  # hidden from mypy, which would let any attribute through
        def __getattr__(self, name: str) -> Any:
            """Reached only for a field a ``public_view`` document has not decoded yet."""
            pending = self.__dict__.get("_pending")
            if pending is None or name not in _FIELD_SET:
                raise AttributeError(name)
            _complete(self, pending)
            return self.__dict__[name]

    @property
    def public_usmarc(self) -> bytes | None:
        """The public view's full ISO 2709 record with its holdings, when the backend
        stored it ready (``public_view``); None otherwise."""
        ready: bytes | None = self.__dict__.get("_usmarc")
        return ready

    def to_json(self) -> dict[str, Any]:
        # vars() not asdict(): asdict deep-copies every value, which dominated indexing time.
        data = {name: getattr(self, name) for name in FIELD_NAMES}
        data["holdings"] = [dict(vars(h)) for h in self.holdings]
        data["marc"] = self.marc.decode("utf-8", "replace")
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes, marc: bytes | None = None) -> CatalogDocument:
        """A document from ``dumps`` output, or from JSON without ``marc`` and the MARC
        bytes beside it. Built by filling ``__dict__`` rather than through the frozen
        dataclass ``__init__`` (one guarded setattr per field): every search result page
        loads ten or more of these."""
        data = orjson.loads(text)  # 2.5x json.loads: a page loads ten or more documents
        holdings = data.get("holdings")
        data["holdings"] = tuple([_holding(h) for h in holdings]) if holdings else ()
        if marc is not None:
            data["marc"] = marc
        else:
            data["marc"] = data["marc"].encode("utf-8") if "marc" in data else b""
        for name in _TUPLE_FIELDS:
            value = data.get(name)
            data[name] = tuple(value) if value else ()
        return _filled(cls, _DOCUMENT_DEFAULTS, data)


    @classmethod
    def public_view(cls, text: bytes, marc: bytes, usmarc: bytes | None
                    ) -> CatalogDocument | None:
        """The entry as the public sees it, decoded only as far as its id: a page often
        needs no more (or only the ready ``usmarc``, ``public_usmarc``), and decoding the
        JSON cost more than the rest of a Z39.50 present. Any other field decodes the
        rest on first use. None when the JSON does not start with a plain id (then
        ``loads`` it)."""
        if not text.startswith(b'{"id":"'):
            return None
        end = text.find(b'"', 7)
        if end < 0 or b"\\" in text[7:end]:
            return None
        return cls._lazy(text[7:end].decode(), (text, marc), usmarc)

    @classmethod
    def public_record(cls, entry_id: str, usmarc: bytes, load: Callable[[], Stored]
                      ) -> CatalogDocument:
        """The entry as the public sees it, holding only its id and ``usmarc``; any other
        field first calls ``load`` for the stored JSON and MARC (which may raise, e.g.
        when the entry changed since)."""
        return cls._lazy(entry_id, load, usmarc)

    @classmethod
    def _lazy(cls, entry_id: str, pending: Stored | Callable[[], Stored],
              usmarc: bytes | None) -> CatalogDocument:
        doc = object.__new__(cls)
        doc.__dict__.update(id=entry_id, _pending=pending, _usmarc=usmarc)
        return doc


def _complete(doc: CatalogDocument, pending: Stored | Callable[[], Stored]) -> None:
    """Decode the rest of a ``public_view`` or ``public_record`` document, as
    ``visible_to`` would show it to the public (restricted holdings dropped). Idempotent,
    so a race is harmless."""
    full = CatalogDocument.loads(*(pending() if callable(pending) else pending))
    decoded = (full.visible_to(None, False) or full).__dict__  # a fresh dict: taken over
    decoded["_usmarc"] = doc.__dict__["_usmarc"]
    object.__setattr__(doc, "__dict__", decoded)


FIELD_NAMES = tuple(f.name for f in fields(CatalogDocument))  # in declaration order
# Defaults stay in ``__init__`` and ``fields()`` but not as class attributes, so that
# reading a field a ``public_view`` document has not decoded reaches ``__getattr__``.
for _field in fields(CatalogDocument):
    if _field.default is not MISSING:
        delattr(CatalogDocument, _field.name)
_FIELD_SET = frozenset(FIELD_NAMES)
_TUPLE_FIELDS = ("other_titles", "creators", "subjects", "isbns", "issns", "identifiers",
                 "classification", "series", "notes", "member_ids")


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


_DOCUMENT_DEFAULTS = _defaults(CatalogDocument)
_HOLDING_DEFAULTS = _defaults(Holding)
_T = TypeVar("_T")


_FIELD_NAMES: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def _field_names(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """(every field, the fields without a default) of a dataclass, worked out once."""
    known = _FIELD_NAMES.get(cls)
    if known is None:
        every = frozenset(f.name for f in fields(cls))
        known = _FIELD_NAMES[cls] = (every, every - _defaults(cls).keys())
    return known


def _filled(cls: type[_T], defaults: dict[str, Any], data: dict[str, Any]) -> _T:
    """An instance of a frozen dataclass with ``data`` over its defaults; a field without
    a default missing from ``data`` is an error, as the constructor would make it."""
    names, required = _field_names(cls)
    instance = object.__new__(cls)
    if data.keys() == names:  # what ``dumps`` writes: every field, nothing to default
        instance.__dict__.update(data)
        return instance
    if not (data.keys() <= names and required <= data.keys()):
        missing = [name for name in names if name not in data and name not in defaults]
        if missing:
            raise TypeError(f"{cls.__name__} needs {', '.join(missing)}")
        unknown = data.keys() - names
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    instance.__dict__.update(defaults)
    instance.__dict__.update(data)
    return instance


def _holding(data: dict[str, Any]) -> Holding:
    return _filled(Holding, _HOLDING_DEFAULTS, data)


def _replace_holdings(doc: CatalogDocument, holdings: tuple[Holding, ...]) -> CatalogDocument:
    from dataclasses import replace

    return replace(doc, holdings=holdings)


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[CatalogDocument]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanEntry:
    term: str  # display form
    count: int  # entries in scope that carry it


@dataclass(frozen=True)
class BackendStats:
    entries: int
    backend: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    ok: bool
    backend: str
    detail: str = ""
