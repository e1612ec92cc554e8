"""Z39.50-2003 (version 3) APDUs: parse the requests a target receives, build its responses.

Tags follow /usr/share/yaz/z39.50/z3950v3.asn (a module with EXPLICIT default tagging, so
every ``[n] Type`` without IMPLICIT wraps its value in an extra constructed element).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeVar, dataclass_transform

from z3950 import ber
from z3950.ber import CONTEXT, UNIVERSAL, BerError, Node, cons, integer, oid, prim, seq, text

# APDU tags
INIT_REQUEST, INIT_RESPONSE = 20, 21
SEARCH_REQUEST, SEARCH_RESPONSE = 22, 23
PRESENT_REQUEST, PRESENT_RESPONSE = 24, 25
DELETE_RS_REQUEST, DELETE_RS_RESPONSE = 26, 27
RESOURCE_CONTROL_RESPONSE = 31
TRIGGER_RESOURCE_CONTROL_REQUEST = 32
SCAN_REQUEST, SCAN_RESPONSE = 35, 36
SORT_REQUEST, SORT_RESPONSE = 43, 44
CLOSE = 48

# object identifiers
BIB1_ATTRIBUTES = "1.2.840.10003.3.1"
BIB1_DIAGNOSTICS = "1.2.840.10003.4.1"
USMARC = "1.2.840.10003.5.10"
SUTRS = "1.2.840.10003.5.101"
XML_TEXT = "1.2.840.10003.5.109.10"
XML_APPLICATION = "1.2.840.10003.5.109.9"
CHARSET_NEGOTIATION_3 = "1.2.840.10003.15.3"
UTF8_ENCODING = "1.0.10646.1.0.8"

# close reasons
CLOSE_FINISHED, CLOSE_SHUTDOWN, CLOSE_SYSTEM_PROBLEM = 0, 1, 2
CLOSE_RESOURCES, CLOSE_PROTOCOL_ERROR, CLOSE_LACK_OF_ACTIVITY = 4, 6, 7

# Init options we offer: search, present, delSet, triggerResourceCtrl, scan, sort,
# namedResultSets, negotiationModel (bit 17, set only when we answer a negotiation)
OPTION_BITS = {"search": 0, "present": 1, "delSet": 2, "triggerResourceCtrl": 4,
               "scan": 7, "sort": 8, "namedResultSets": 14, "negotiationModel": 17}


_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def value(cls: type[_T]) -> type[_T]:
    """A frozen dataclass to the type checker, a plain slotted one at run time: a frozen
    dataclass's __init__ costs ~5x (it sets each field through object.__setattr__), and
    every APDU makes a few of these, every record sent one."""
    return dataclass(slots=True)(cls)


class PduError(BerError):
    """A well-formed TLV that is not the APDU it claims to be."""


class QueryTypeError(PduError):
    """A query type other than type-1/type-101 RPN (Bib-1 diagnostic 107)."""


# ---------------------------------------------------------------- request values

@value
class InitRequest:
    reference_id: bytes | None
    versions: list[bool]
    options: list[bool]
    preferred_message_size: int
    exceptional_record_size: int
    implementation: tuple[str, str, str]
    charsets: tuple[str, ...] = ()  # proposed, e.g. ("UTF-8",)
    records_in_charset: bool | None = None


@value
class Attribute:
    type: int
    value: int | str
    attribute_set: str | None = None


TermType = Literal["general", "numeric", "characterString", "other"]


@value
class AttrTerm:
    attributes: tuple[Attribute, ...]
    term: str
    term_type: TermType = "general"


@value
class ResultSetRef:
    name: str


@value
class RpnOp:
    op: Literal["and", "or", "and-not", "prox"]
    left: Rpn
    right: Rpn


Rpn = AttrTerm | ResultSetRef | RpnOp


@value
class RpnQuery:
    attribute_set: str
    rpn: Rpn


@value
class SearchRequest:
    reference_id: bytes | None
    small_set_upper_bound: int
    large_set_lower_bound: int
    medium_set_present_number: int
    replace: bool
    result_set_name: str
    databases: tuple[str, ...]
    query: RpnQuery
    small_set_element_set: str | None = None
    medium_set_element_set: str | None = None
    record_syntax: str | None = None


@value
class PresentRequest:
    reference_id: bytes | None
    result_set: str
    start: int
    count: int
    element_set: str | None = None
    record_syntax: str | None = None
    unsupported: str = ""  # "additionalRanges" / "comp-spec" if the client sent them


@value
class ScanRequest:
    reference_id: bytes | None
    databases: tuple[str, ...]
    attribute_set: str | None
    start: AttrTerm
    count: int
    position: int = 1
    step_size: int = 0


@value
class SortKeySpec:
    field: str = ""  # sortfield name, or "" when given as attributes
    use: int | None = None  # Bib-1 use attribute
    descending: bool = False


@value
class SortRequest:
    reference_id: bytes | None
    inputs: tuple[str, ...]
    output: str
    keys: tuple[SortKeySpec, ...]


@value
class DeleteResultSetRequest:
    reference_id: bytes | None
    all_sets: bool
    names: tuple[str, ...]


@value
class CloseRequest:
    reference_id: bytes | None
    reason: int


@value
class OtherPdu:
    """An APDU we recognise the tag of but do not serve (or do not know at all)."""

    tag: int
    reference_id: bytes | None


Request = (InitRequest | SearchRequest | PresentRequest | ScanRequest | SortRequest
           | DeleteResultSetRequest | CloseRequest | OtherPdu)


# ---------------------------------------------------------------- parsing

def parse_request(data: bytes) -> Request:
    """One APDU from its bytes; raises BerError/PduError for anything malformed."""
    if data[:1] == _PRESENT_HEAD:
        return _parse_present_bytes(data)
    return _parse_apdu(data)


_PRESENT_HEAD = bytes([0xA0 | PRESENT_REQUEST])  # [24] context-specific, constructed


@lru_cache(maxsize=256)
def _parse_present_bytes(data: bytes) -> Request:
    """A client sends the same present APDU again and again (``show 1+10`` after every
    search, Koha's present of 20): its bytes are looked up, not decoded each time. The
    value is immutable, so sharing it is safe; a malformed one raises and is not kept."""
    return _parse_apdu(data)


def _parse_apdu(data: bytes) -> Request:
    node = ber.decode(data)
    if node.cls != CONTEXT or not node.constructed:
        raise PduError(f"not a Z39.50 APDU (tag class {node.cls}, number {node.tag})")
    parser = _PARSERS.get(node.tag)
    if parser is None:
        return OtherPdu(node.tag, _reference_id(node))
    try:
        return parser(node)
    except (IndexError, ValueError) as exc:
        if isinstance(exc, BerError):
            raise
        raise PduError(f"malformed APDU [{node.tag}]: {exc}") from exc


def _reference_id(node: Node) -> bytes | None:
    return _reference(node.find(2))


def _reference(found: Node | None) -> bytes | None:
    return found.content if found is not None and not found.constructed else None


def _int_or(node: Node, tag: int, default: int) -> int:
    return _int_of(node.find(tag), default)


def _int_of(found: Node | None, default: int) -> int:
    return found.as_int() if found is not None else default


def _parse_init(node: Node) -> InitRequest:
    impl = tuple(n.as_text() if (n := node.find(t)) else "" for t in (110, 111, 112))
    charsets, records = _charset_proposal(node)
    return InitRequest(
        reference_id=_reference_id(node),
        versions=node.need(3).as_bits(),
        options=node.need(4).as_bits(),
        preferred_message_size=_int_or(node, 5, 1024 * 1024),
        exceptional_record_size=_int_or(node, 6, 1024 * 1024),
        implementation=(impl[0], impl[1], impl[2]),
        charsets=charsets,
        records_in_charset=records,
    )


def _charset_proposal(node: Node) -> tuple[tuple[str, ...], bool | None]:
    """Character sets proposed in otherInfo (charset negotiation 3, as YAZ sends it)."""
    other = node.find(201)
    if other is None:
        return (), None
    for item in other.children:
        external = item.find(4)
        if external is None or _external_oid(external) != CHARSET_NEGOTIATION_3:
            continue
        proposal = _external_single(external)
        if proposal is not None and proposal.is_(1):
            return _proposal_charsets(proposal)
    return (), None


def _external_oid(external: Node) -> str | None:
    found = external.find(ber.OBJECT_IDENTIFIER, UNIVERSAL)
    return found.as_oid() if found is not None else None


def _external_single(external: Node) -> Node | None:
    """The value of an EXTERNAL's single-ASN1-type encoding."""
    found = external.find(0)
    return found.first() if found is not None and found.children else None


def _proposal_charsets(proposal: Node) -> tuple[tuple[str, ...], bool | None]:
    names: list[str] = []
    sets = proposal.find(1)
    for choice in sets.children if sets is not None else []:
        if choice.is_(2):  # iso10646
            level = choice.find(2)
            if level is not None:
                names.append(_ISO10646_FORMS.get(level.as_oid().rsplit(".", 1)[-1], "?"))
        elif choice.is_(3):  # private: externallySpecified carries the name
            names.extend(_private_name(choice))
    records = proposal.find(3)
    return tuple(names), (records.as_bool() if records is not None else None)


_ISO10646_FORMS = {"2": "UCS-2", "4": "UCS-4", "5": "UTF-16", "8": "UTF-8"}


def _private_name(choice: Node) -> list[str]:
    for node in ber.walk(choice):
        if node.is_(1) and not node.constructed:  # octet-aligned data
            return [node.as_text()]
    return []


def _context_children(node: Node) -> dict[int, Node]:
    """``node.find(tag)`` of every tag at once: the first context-specific child of each
    tag (a search request looks for eleven, each ``find`` a walk over its children)."""
    return {child.tag: child for child in reversed(node.children) if child.cls == CONTEXT}


def _need(node: Node, fields: dict[int, Node], tag: int) -> Node:
    found = fields.get(tag)
    return found if found is not None else node.need(tag)  # which raises its BerError


def _parse_search(node: Node) -> SearchRequest:
    fields = _context_children(node)
    query = _need(node, fields, 21).first()
    if not (query.is_(1) or query.is_(101)):
        raise QueryTypeError(f"query type {query.tag} is not supported")
    syntax = fields.get(104)
    return SearchRequest(
        reference_id=_reference(fields.get(2)),
        small_set_upper_bound=_int_of(fields.get(13), 0),
        large_set_lower_bound=_int_of(fields.get(14), 1),
        medium_set_present_number=_int_of(fields.get(15), 0),
        replace=_need(node, fields, 16).as_bool(),
        result_set_name=_need(node, fields, 17).as_text(),
        databases=tuple([d.as_text() for d in _need(node, fields, 18).children]),
        query=_parse_rpn_query(query),
        small_set_element_set=_element_set(fields.get(100)),
        medium_set_element_set=_element_set(fields.get(101)),
        record_syntax=syntax.as_oid() if syntax is not None else None,
    )


def _element_set(wrapper: Node | None) -> str | None:
    if wrapper is None or not wrapper.children:
        return None
    names = wrapper.first()
    if names.is_(0):
        return names.as_text()
    for node in ber.walk(names):  # databaseSpecific: take the first name
        if node.is_(103):
            return node.as_text()
    return None


def _parse_rpn_query(query: Node) -> RpnQuery:
    attr_set = query.need(ber.OBJECT_IDENTIFIER, UNIVERSAL).as_oid()
    for structure in query.children:  # loops, not next() on a generator: ~4x cheaper
        if structure.cls == CONTEXT:
            return RpnQuery(attr_set, _parse_rpn(structure))
    raise PduError(f"no RPN structure in query [{query.tag}]")


def _parse_rpn(node: Node) -> Rpn:
    if node.is_(0):  # op [0] Operand (explicit)
        return _parse_operand(node.first())
    if node.is_(1):  # rpnRpnOp
        left, right, operator = node.children[0], node.children[1], node.need(46)
        return RpnOp(_operator(operator.first()), _parse_rpn(left), _parse_rpn(right))
    raise PduError(f"unknown RPN structure [{node.tag}]")


_Operator = Literal["and", "or", "and-not", "prox"]
_OPERATORS: dict[int, _Operator] = {0: "and", 1: "or", 2: "and-not", 3: "prox"}


def _operator(node: Node) -> _Operator:
    if node.tag not in _OPERATORS:
        raise PduError(f"unknown operator [{node.tag}]")
    return _OPERATORS[node.tag]


def _parse_operand(node: Node) -> Rpn:
    if node.is_(102):
        return parse_attr_term(node)
    if node.is_(31):
        return ResultSetRef(node.as_text())
    if node.is_(214):
        return ResultSetRef(node.need(31).as_text())
    raise PduError(f"unknown operand [{node.tag}]")


_TERM_TYPES: dict[int, TermType] = {45: "general", 215: "numeric", 216: "characterString"}


def parse_attr_term(node: Node) -> AttrTerm:
    attrs = tuple([_attribute(a) for a in node.need(44).children])
    for term in node.children:
        if not term.is_(44):
            break
    else:
        raise PduError(f"no term in [{node.tag}]")
    kind: TermType = _TERM_TYPES.get(term.tag, "other")
    if kind == "numeric":
        return AttrTerm(attrs, str(term.as_int()), kind)
    value = term.as_text() if kind != "other" else ""
    return AttrTerm(attrs, value, kind)


def _attribute(node: Node) -> Attribute:
    attr_set = node.find(1)
    for value_node in node.children:
        if value_node.tag == 121 or value_node.tag == 224:
            break
    else:
        raise PduError(f"no attribute value in [{node.tag}]")
    value: int | str
    if value_node.is_(121):
        value = value_node.as_int()
    else:
        first = value_node.need(1).first()
        value = first.as_text() if first.is_(1) else first.as_int()
    return Attribute(node.need(120).as_int(), value,
                     attr_set.as_oid() if attr_set is not None else None)


def _parse_present(node: Node) -> PresentRequest:
    composition = node.find(19)
    syntax = node.find(104)
    unsupported = "additionalRanges" if node.find(212) else (
        "comp-spec" if node.find(209) else "")
    return PresentRequest(
        reference_id=_reference_id(node),
        result_set=node.need(31).as_text(),
        start=node.need(30).as_int(),
        count=node.need(29).as_int(),
        element_set=_element_set(composition),
        record_syntax=syntax.as_oid() if syntax is not None else None,
        unsupported=unsupported,
    )


def _parse_scan(node: Node) -> ScanRequest:
    attr_set = node.find(ber.OBJECT_IDENTIFIER, UNIVERSAL)
    return ScanRequest(
        reference_id=_reference_id(node),
        databases=tuple(d.as_text() for d in node.need(3).children),
        attribute_set=attr_set.as_oid() if attr_set is not None else None,
        start=parse_attr_term(node.need(102)),
        count=node.need(6).as_int(),
        position=_int_or(node, 7, 1),
        step_size=_int_or(node, 5, 0),
    )


def _parse_sort(node: Node) -> SortRequest:
    keys = tuple(_sort_key(spec) for spec in node.need(5).children)
    return SortRequest(
        reference_id=_reference_id(node),
        inputs=tuple(n.as_text() for n in node.need(3).children),
        output=node.need(4).as_text(),
        keys=keys,
    )


def _first_of(node: Node, *tags: int) -> Node | None:
    """The first context-class child with one of these tags."""
    for child in node.children:
        if child.cls == ber.CONTEXT and child.tag in tags:
            return child
    return None


def _sort_key(spec: Node) -> SortKeySpec:
    descending = _int_or(spec, 1, 0) in (1, 4)
    element = _first_of(spec, 1, 2)
    if element is None:
        raise PduError("sort key without sortElement")
    key = element.first() if element.is_(1) else None
    if key is None:
        return SortKeySpec(field="?", descending=descending)
    if key.is_(0):
        return SortKeySpec(field=key.as_text(), descending=descending)
    if key.is_(2):
        attrs = [_attribute(a) for a in key.need(44).children]
        use = next((a.value for a in attrs if a.type == 1 and isinstance(a.value, int)), None)
        return SortKeySpec(use=use, descending=descending)
    return SortKeySpec(field="?", descending=descending)


def _parse_delete(node: Node) -> DeleteResultSetRequest:
    listing = node.find(ber.SEQUENCE, UNIVERSAL)
    names = tuple(n.as_text() for n in listing.children if n.is_(31)) if listing else ()
    return DeleteResultSetRequest(_reference_id(node), node.need(32).as_int() == 1, names)


def _parse_close(node: Node) -> CloseRequest:
    return CloseRequest(_reference_id(node), _int_or(node, 211, CLOSE_FINISHED))


_PARSERS: dict[int, Callable[[Node], Request]] = {
    INIT_REQUEST: _parse_init,
    SEARCH_REQUEST: _parse_search,
    PRESENT_REQUEST: _parse_present,
    SCAN_REQUEST: _parse_scan,
    SORT_REQUEST: _parse_sort,
    DELETE_RS_REQUEST: _parse_delete,
    CLOSE: _parse_close,
}


# ---------------------------------------------------------------- response values

@value
class Diagnostic:
    code: int
    addinfo: str = ""


@value
class Record:
    """One retrieval record: the syntax OID and its encoded value, or a diagnostic."""

    database: str
    syntax: str = ""
    data: bytes = b""
    diagnostic: Diagnostic | None = None


@value
class ScanTerm:
    term: str
    count: int
    display: str = ""


@value
class InitResponse:
    reference_id: bytes | None
    accept: bool
    options: frozenset[str]
    preferred_message_size: int
    exceptional_record_size: int
    implementation: tuple[str, str, str]
    charset: str | None = None  # "UTF-8" when negotiated
    records_in_charset: bool | None = None


@value
class Records:
    """The records part of a search/present response: records or a non-surrogate diag."""

    records: list[Record] = field(default_factory=list)
    diagnostic: Diagnostic | None = None


# ---------------------------------------------------------------- building

def _ref(reference_id: bytes | None) -> bytes:
    return prim(2, reference_id) if reference_id is not None else b""


def _bits(names: frozenset[str], table: dict[str, int]) -> bytes:
    width = max(table.values()) + 1
    values = [False] * width
    for name in names:
        values[table[name]] = True
    return values_bits(values)


def values_bits(values: list[bool]) -> bytes:
    return ber.encode_bits(values)


def init_response(resp: InitResponse) -> bytes:
    options = resp.options | ({"negotiationModel"} if resp.charset else set())
    parts = [
        _ref(resp.reference_id),
        prim(3, values_bits([True, True, True])),
        prim(4, _bits(frozenset(options), OPTION_BITS)),
        integer(resp.preferred_message_size, 5, CONTEXT),
        integer(resp.exceptional_record_size, 6, CONTEXT),
        ber.boolean(resp.accept, 12, CONTEXT),
        text(resp.implementation[0], 110, CONTEXT),
        text(resp.implementation[1], 111, CONTEXT),
        text(resp.implementation[2], 112, CONTEXT),
    ]
    if resp.charset:
        parts.append(_charset_response(resp.records_in_charset))
    return cons(INIT_RESPONSE, *parts)


def _charset_response(records_in_charset: bool | None) -> bytes:
    iso10646 = cons(2, prim(2, ber.encode_oid(UTF8_ENCODING)))
    target = [cons(1, iso10646)]  # selectedCharSets [1] (explicit CHOICE)
    if records_in_charset is not None:
        target.append(ber.boolean(records_in_charset, 3, CONTEXT))
    negotiation = cons(2, *target)  # response [2] IMPLICIT TargetResponse
    # OtherInformation [201] ... externallyDefinedInfo [4] IMPLICIT EXTERNAL
    external_content = oid(CHARSET_NEGOTIATION_3) + cons(0, negotiation)
    return cons(201, seq(cons(4, external_content)))


def diag_format(diag: Diagnostic, tag: int | None = None) -> bytes:
    """DefaultDiagFormat, as a SEQUENCE or re-tagged IMPLICIT [tag]."""
    body = oid(BIB1_DIAGNOSTICS) + integer(diag.code) + text(diag.addinfo)
    return seq(body) if tag is None else cons(tag, body)


def _records(records: Records) -> list[bytes]:
    """The records element as parts that the APDU copies once (they hold the records)."""
    if records.diagnostic is not None:
        return [diag_format(records.diagnostic, 130)]
    parts = [b""]
    for rec in records.records:
        parts += _name_plus_record(rec)
    parts[0] = ber.head(CONTEXT, True, 28, sum(map(len, parts)))
    return parts


def _name_plus_record(rec: Record) -> list[bytes]:
    if rec.diagnostic is None:
        return _retrieval_record(rec.database, rec.syntax, rec.data)
    choice = cons(2, diag_format(rec.diagnostic))  # surrogateDiagnostic [2] DiagRec
    return [seq(text(rec.database, 0, CONTEXT), cons(1, choice))]


# The headers of a retrieval record whose five lengths all take two octets (a MARC record
# of 256 bytes to ~64 KiB): SEQUENCE, name, record [1], retrievalRecord [1], EXTERNAL,
# syntax OID, octet-aligned [1]; packed in one call.
_TWO_OCTETS = (0x100, 0x10000)


@lru_cache(maxsize=64)
def _record_heads(database: str, syntax: str) -> tuple[struct.Struct, bytes, bytes]:
    name, syntax_oid = text(database, 0, CONTEXT), oid(syntax)
    layout = struct.Struct(f">2sH{len(name)}s2sH2sH2sH{len(syntax_oid)}s2sH")
    return layout, name, syntax_oid


def _retrieval_record(database: str, syntax: str, data: bytes) -> list[bytes]:
    """NamePlusRecord { name [0], record [1] { retrievalRecord [1] EXTERNAL } }, as the
    headers and the record (for the APDU to copy once): the bytes of ``seq(text(database),
    cons(1, cons(1, external(syntax, data))))``, ten records a page."""
    layout, name, syntax_oid = _record_heads(database, syntax)
    size = len(data)
    external_size = size + 4 + len(syntax_oid)
    total = external_size + 12 + len(name)
    if syntax != SUTRS and _TWO_OCTETS[0] <= size and total < _TWO_OCTETS[1]:
        return [layout.pack(b"\x30\x82", total, name, b"\xa1\x82", external_size + 8,
                            b"\xa1\x82", external_size + 4, b"\x28\x82", external_size,
                            syntax_oid, b"\x81\x82", size), data]
    return _any_retrieval_record(name, syntax, syntax_oid, data)


def _any_retrieval_record(name: bytes, syntax: str, syntax_oid: bytes,
                          data: bytes) -> list[bytes]:
    """``_retrieval_record`` of any size and syntax, one header at a time."""
    if syntax == SUTRS:
        encoding = cons(0, prim(ber.GENERAL_STRING, data, UNIVERSAL))
        data = b""
    else:
        encoding = ber.head(CONTEXT, False, 1, len(data))  # octet-aligned [1]
    size = len(syntax_oid) + len(encoding) + len(data)
    external_head = ber.head(UNIVERSAL, True, ber.EXTERNAL, size)
    size += len(external_head)
    choice_head = ber.head(CONTEXT, True, 1, size)
    size += len(choice_head)
    record_head = ber.head(CONTEXT, True, 1, size)
    size += len(record_head) + len(name)
    head = b"".join((ber.head(UNIVERSAL, True, ber.SEQUENCE, size), name, record_head,
                     choice_head, external_head, syntax_oid, encoding))
    return [head, data]


def external(syntax: str, data: bytes) -> bytes:
    """An EXTERNAL holding a record: SUTRS as single-ASN1-type, the rest octet-aligned."""
    if syntax == SUTRS:
        encoding = cons(0, prim(ber.GENERAL_STRING, data, UNIVERSAL))
    else:
        encoding = prim(1, data)
    return ber.cons(ber.EXTERNAL, oid(syntax), encoding, cls=UNIVERSAL)


def search_response(reference_id: bytes | None, count: int, returned: int, next_pos: int,
                    ok: bool, records: Records | None, present_status: int | None) -> bytes:
    parts = [_ref(reference_id), integer(count, 23, CONTEXT), integer(returned, 24, CONTEXT),
             integer(next_pos, 25, CONTEXT), ber.boolean(ok, 22, CONTEXT)]
    if not ok:
        parts.append(integer(3, 26, CONTEXT))  # resultSetStatus: none
    if present_status is not None:
        parts.append(integer(present_status, 27, CONTEXT))
    if records is not None:
        parts += _records(records)
    return cons(SEARCH_RESPONSE, *parts)


def present_response(reference_id: bytes | None, returned: int, next_pos: int, status: int,
                     records: Records | None) -> bytes:
    parts = [_ref(reference_id), integer(returned, 24, CONTEXT),
             integer(next_pos, 25, CONTEXT), integer(status, 27, CONTEXT)]
    if records is not None:
        parts += _records(records)
    return cons(PRESENT_RESPONSE, *parts)


def scan_response(reference_id: bytes | None, status: int, terms: list[ScanTerm],
                  position: int | None, diagnostic: Diagnostic | None) -> bytes:
    entries = [cons(1, _term_info(t)) for t in terms]
    listed = [cons(1, *entries)] if terms else []
    if diagnostic is not None:
        listed.append(cons(2, diag_format(diagnostic)))
    parts = [_ref(reference_id), integer(0, 3, CONTEXT), integer(status, 4, CONTEXT),
             integer(len(terms), 5, CONTEXT)]
    if position is not None:
        parts.append(integer(position, 6, CONTEXT))
    if listed:
        parts.append(cons(7, *listed))
    return cons(SCAN_RESPONSE, *parts)


def _term_info(term: ScanTerm) -> bytes:
    display = text(term.display, 0, CONTEXT) if term.display else b""
    return (prim(45, term.term.encode("utf-8")) + display
            + integer(term.count, 2, CONTEXT))


def sort_response(reference_id: bytes | None, status: int,
                  diagnostic: Diagnostic | None, count: int | None) -> bytes:
    parts = [_ref(reference_id), integer(status, 3, CONTEXT)]
    if status != 0:
        parts.append(integer(4, 4, CONTEXT))  # resultSetStatus: none
    if diagnostic is not None:
        parts.append(cons(5, diag_format(diagnostic)))
    if count is not None:
        parts.append(integer(count, 6, CONTEXT))
    return cons(SORT_RESPONSE, *parts)


def delete_response(reference_id: bytes | None, status: int) -> bytes:
    return cons(DELETE_RS_RESPONSE, _ref(reference_id), integer(status, 0, CONTEXT))


def resource_control_response(reference_id: bytes | None) -> bytes:
    return cons(RESOURCE_CONTROL_RESPONSE, _ref(reference_id), ber.boolean(True, 44, CONTEXT))


def close(reason: int, message: str = "", reference_id: bytes | None = None) -> bytes:
    parts = [_ref(reference_id), integer(reason, 211, CONTEXT)]
    if message:
        parts.append(text(message, 3, CONTEXT))
    return cons(CLOSE, *parts)
