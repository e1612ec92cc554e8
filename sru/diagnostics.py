"""SRU diagnostics (info:srw/diagnostic/1/N): one exception class per diagnostic.

Class names follow the names in the SRU diagnostics list. ``code`` and ``message`` are
class attributes; ``details`` is what the caller passes (the offending value).
"""

from __future__ import annotations

from typing import ClassVar

DIAGNOSTIC_PREFIX = "info:srw/diagnostic/1/"


class SRUDiagnostic(Exception):
    code: ClassVar[int] = 1
    message: ClassVar[str] = "General system error"
    #: SRU 2.0 HTTP status for a fatal diagnostic (1.x always answers 200).
    http_status: ClassVar[int] = 400

    def __init__(self, details: str = "") -> None:
        super().__init__(f"{self.code} {self.message}: {details}" if details else
                         f"{self.code} {self.message}")
        self.details = details

    @property
    def uri(self) -> str:
        return f"{DIAGNOSTIC_PREFIX}{self.code}"


class GeneralSystemError(SRUDiagnostic):
    code = 1
    message = "General system error"
    http_status = 500


class SystemTemporarilyUnavailable(SRUDiagnostic):
    code = 2
    message = "System temporarily unavailable"
    http_status = 503


class UnsupportedOperation(SRUDiagnostic):
    code = 4
    message = "Unsupported operation"


class UnsupportedVersion(SRUDiagnostic):
    code = 5
    message = "Unsupported version"


class UnsupportedParameterValue(SRUDiagnostic):
    code = 6
    message = "Unsupported parameter value"


class MandatoryParameterNotSupplied(SRUDiagnostic):
    code = 7
    message = "Mandatory parameter not supplied"


class UnsupportedParameter(SRUDiagnostic):
    code = 8
    message = "Unsupported parameter"


class UnsupportedQueryType(SRUDiagnostic):
    code = 11
    message = "Unsupported query type"


class QuerySyntaxError(SRUDiagnostic):
    code = 10
    message = "Query syntax error"


class UnsupportedContextSet(SRUDiagnostic):
    code = 15
    message = "Unsupported context set"


class UnsupportedIndex(SRUDiagnostic):
    code = 16
    message = "Unsupported index"


class UnsupportedRelation(SRUDiagnostic):
    code = 19
    message = "Unsupported relation"


class UnsupportedRelationModifier(SRUDiagnostic):
    code = 20
    message = "Unsupported relation modifier"


class UnsupportedCombinationOfRelationAndIndex(SRUDiagnostic):
    code = 22
    message = "Unsupported combination of relation and index"


class EmptyTermUnsupported(SRUDiagnostic):
    code = 27
    message = "Empty term unsupported"


class MaskingCharacterNotSupported(SRUDiagnostic):
    code = 28
    message = "Masking character not supported"


class MaskedWordsTooShort(SRUDiagnostic):
    code = 29
    message = "Masked words too short"


class TooManyMaskingCharactersInTerm(SRUDiagnostic):
    code = 30
    message = "Too many masking characters in term"


class AnchoringCharacterNotSupported(SRUDiagnostic):
    code = 31
    message = "Anchoring character not supported"


class AnchoringCharacterInUnsupportedPosition(SRUDiagnostic):
    code = 32
    message = "Anchoring character in unsupported position"


class TermInInvalidFormatForIndexOrRelation(SRUDiagnostic):
    code = 36
    message = "Term in invalid format for index or relation"


class UnsupportedBooleanOperator(SRUDiagnostic):
    code = 37
    message = "Unsupported boolean operator"


class TooManyBooleanOperatorsInQuery(SRUDiagnostic):
    code = 38
    message = "Too many boolean operators in query"


class UnsupportedBooleanModifier(SRUDiagnostic):
    code = 46
    message = "Unsupported boolean modifier"


class QueryFeatureUnsupported(SRUDiagnostic):
    code = 48
    message = "Query feature unsupported"


class MaskingCharacterInUnsupportedPosition(SRUDiagnostic):
    code = 49
    message = "Masking character in unsupported position"


class FirstRecordPositionOutOfRange(SRUDiagnostic):
    code = 61
    message = "First record position out of range"


class RecordTemporarilyUnavailable(SRUDiagnostic):
    code = 64
    message = "Record temporarily unavailable"


class UnknownSchemaForRetrieval(SRUDiagnostic):
    code = 66
    message = "Unknown schema for retrieval"


class UnsupportedRecordPacking(SRUDiagnostic):
    code = 71
    message = "Unsupported record packing"


class XPathRetrievalUnsupported(SRUDiagnostic):
    code = 72
    message = "XPath retrieval unsupported"


class SortNotSupported(SRUDiagnostic):
    code = 80
    message = "Sort not supported"


class UnsupportedSchemaForSort(SRUDiagnostic):
    code = 87
    message = "Unsupported schema for sort"


class UnsupportedPathForSort(SRUDiagnostic):
    code = 88
    message = "Unsupported path for sort"


class UnsupportedCase(SRUDiagnostic):
    code = 91
    message = "Unsupported case"


class UnsupportedMissingValueAction(SRUDiagnostic):
    code = 92
    message = "Unsupported missing value action"


class ResponsePositionOutOfRange(SRUDiagnostic):
    code = 120
    message = "Response position out of range"


class TooManyTermsRequested(SRUDiagnostic):
    code = 121
    message = "Too many terms requested"


ALL: tuple[type[SRUDiagnostic], ...] = tuple(
    sorted(SRUDiagnostic.__subclasses__(), key=lambda c: c.code))
