"""Bib-1 diagnostics (diagnostic set 1.2.840.10003.4.1), one exception class per condition.

``code`` is the Bib-1 condition number sent to the client; ``addinfo`` is what the client
shows next to it (the offending attribute, term or name).
"""

from __future__ import annotations

from typing import ClassVar

from search.query import QueryError


class Bib1Diagnostic(Exception):
    code: ClassVar[int] = 100
    title: ClassVar[str] = "unspecified error"

    def __init__(self, addinfo: str = "") -> None:
        super().__init__(f"Bib-1 {self.code} {self.title}: {addinfo}")
        self.addinfo = addinfo


class PermanentSystemError(Bib1Diagnostic):
    code, title = 1, "permanent system error"


class PresentOutOfRange(Bib1Diagnostic):
    code, title = 13, "present request out-of-range"


class RecordTooLargeForMessage(Bib1Diagnostic):
    code, title = 16, "record exceeds preferred message size"


class RecordTooLargeForExceptional(Bib1Diagnostic):
    code, title = 17, "record exceeds exceptional record size"


class ResultSetAsTermNotSupported(Bib1Diagnostic):
    code, title = 18, "result set not supported as a search term"


class ResultSetExists(Bib1Diagnostic):
    code, title = 21, "result set exists and replace indicator off"


class ElementSetNameNotValid(Bib1Diagnostic):
    code, title = 25, "specified element set name not valid for specified database"


class ResultSetDoesNotExist(Bib1Diagnostic):
    code, title = 30, "specified result set does not exist"


class QueryTypeNotSupported(Bib1Diagnostic):
    code, title = 107, "query type not supported"


class MalformedQuery(Bib1Diagnostic):
    code, title = 108, "malformed query"


class DatabaseUnavailable(Bib1Diagnostic):
    code, title = 109, "database unavailable"


class OperatorUnsupported(Bib1Diagnostic):
    code, title = 110, "operator unsupported"


class TooManyDatabases(Bib1Diagnostic):
    code, title = 111, "too many databases specified"


class TooManyResultSets(Bib1Diagnostic):
    code, title = 112, "too many result sets created"


class UnsupportedAttributeType(Bib1Diagnostic):
    code, title = 113, "unsupported attribute type"


class UnsupportedUseAttribute(Bib1Diagnostic):
    code, title = 114, "unsupported use attribute"


class UnsupportedTermValue(Bib1Diagnostic):
    code, title = 115, "unsupported term value for use attribute"


class UnsupportedRelationAttribute(Bib1Diagnostic):
    code, title = 117, "unsupported relation attribute"


class UnsupportedStructureAttribute(Bib1Diagnostic):
    code, title = 118, "unsupported structure attribute"


class UnsupportedPositionAttribute(Bib1Diagnostic):
    code, title = 119, "unsupported position attribute"


class UnsupportedTruncationAttribute(Bib1Diagnostic):
    code, title = 120, "unsupported truncation attribute"


class UnsupportedAttributeSet(Bib1Diagnostic):
    code, title = 121, "unsupported attribute set"


class UnsupportedCompletenessAttribute(Bib1Diagnostic):
    code, title = 122, "unsupported completeness attribute"


class UnsupportedAttributeCombination(Bib1Diagnostic):
    code, title = 123, "unsupported attribute combination"


class MalformedSearchTerm(Bib1Diagnostic):
    code, title = 125, "malformed search term"


class IllegalTermValue(Bib1Diagnostic):
    code, title = 126, "illegal term value for attribute"


class OnlyZeroStepSize(Bib1Diagnostic):
    code, title = 205, "only zero step size supported for scan"


class CannotSort(Bib1Diagnostic):
    code, title = 207, "cannot sort according to sequence"


class TermTypeNotSupported(Bib1Diagnostic):
    code, title = 229, "term type not supported"


class RecordSyntaxNotSupported(Bib1Diagnostic):
    code, title = 239, "record syntax not supported"


class AdditionalRangesNotSupported(Bib1Diagnostic):
    code, title = 243, "present: additional-ranges parameter not supported"


class CompSpecNotSupported(Bib1Diagnostic):
    code, title = 244, "present: comp-spec parameter not supported"


class RestrictionOperandNotSupported(Bib1Diagnostic):
    code, title = 245, "type-1 query: restriction ('resultAttr') operand not supported"


_QUERY_ERRORS: dict[str, type[Bib1Diagnostic]] = {
    "unsupported_index": UnsupportedUseAttribute,
    "unsupported_relation": UnsupportedRelationAttribute,
    "unsupported_truncation": UnsupportedTruncationAttribute,
    "bad_term": MalformedSearchTerm,
    "too_complex": MalformedQuery,
}


def from_query_error(error: QueryError) -> Bib1Diagnostic:
    """The Bib-1 diagnostic for a backend's refusal of a query."""
    kind = _QUERY_ERRORS.get(error.kind, MalformedQuery)
    return kind(error.detail or str(error))
