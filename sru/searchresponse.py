"""A searchRetrieve response: what the search answered, written as XML text or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sru.diagnostics import SRUDiagnostic
from sru.request import Version
from sru.responses import diagnostic_fields, diagnostic_xml, packing_name, response_namespace
from sru.xmltext import Namespace, escape


class Record(NamedTuple):  # a tuple: ten or more per response, made cheaply
    schema: str
    data: str  # the record as XML text
    position: int


@dataclass
class SearchRetrieveResponse:
    """The response's elements in schema order; empty ones are left out."""

    version: Version
    as_string: bool = False  # records as escaped strings
    total: int = 0
    precision: str = ""  # resultCountPrecision
    records: list[Record] = field(default_factory=list)
    next_position: int = 0  # 0: no nextRecordPosition
    echo: str = ""  # echoedSearchRetrieveRequest, written
    diagnostics: list[SRUDiagnostic] = field(default_factory=list)

    def xml(self) -> bytes:
        """The response element; every part is joined once (records are kilobytes each)."""
        r = response_namespace(self.version)
        parts = [r.open("searchRetrieveResponse", declare=True), r.text("version", self.version),
                 r.text("numberOfRecords", str(self.total))]
        if self.precision:
            parts.append(r.text("resultCountPrecision", self.precision))
        if self.records:
            parts.append(r.open("records"))
            for record in self.records:
                parts += self._record(r, record)
            parts.append(r.close("records"))
        if self.next_position:
            parts.append(r.text("nextRecordPosition", str(self.next_position)))
        parts.append(self.echo)
        if self.diagnostics:
            parts.append(r.wrap("diagnostics", "".join(
                diagnostic_xml(self.version, d) for d in self.diagnostics)))
        parts.append(r.close("searchRetrieveResponse"))
        return "".join(parts).encode("utf-8")

    def _record(self, r: Namespace, record: Record) -> tuple[str, str, str]:
        """(start, data, end) of a record element (one f-string each: half the cost of
        one call per element)."""
        p, packing = r.prefix, packing_name(self.version)
        start = (f"<{p}:record>{r.text('recordSchema', record.schema)}<{p}:{packing}>"
                 f"{'string' if self.as_string else 'xml'}</{p}:{packing}><{p}:recordData>")
        end = (f"</{p}:recordData><{p}:recordPosition>{record.position}</{p}:recordPosition>"
               f"</{p}:record>")
        return start, escape(record.data) if self.as_string else record.data, end

    def fields(self) -> dict[str, object]:
        data: dict[str, object] = {"numberOfRecords": self.total}
        if self.precision:
            data["resultCountPrecision"] = self.precision
        if self.records:
            packing = "string" if self.as_string else "xml"
            data["records"] = [{"recordSchema": x.schema, packing_name(self.version): packing,
                                "recordData": x.data, "recordPosition": x.position}
                               for x in self.records]
        if self.next_position:
            data["nextRecordPosition"] = self.next_position
        if self.diagnostics:
            data["diagnostics"] = [diagnostic_fields(d) for d in self.diagnostics]
        return data

    def replace_diagnostics(self, diag: SRUDiagnostic) -> None:
        self.diagnostics = [diag]
