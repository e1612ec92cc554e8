"""Structural checks of SRU responses and MARCXML records, RELAX-NG style.

The official XSDs (srw-types.xsd, sruResponse.xsd, MARC21slim.xsd) are not available
offline in this environment, so these checks restate their content models by hand:
element names, namespaces, order and required children, and MARCXML's value patterns.
"""

from __future__ import annotations

import re

from lxml import etree

SRW = "http://www.loc.gov/zing/srw/"
SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
SCAN2 = "http://docs.oasis-open.org/ns/search-ws/scan"
DIAG1 = "http://www.loc.gov/zing/srw/diagnostic/"
DIAG2 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
MARC = "http://www.loc.gov/MARC21/slim"

# Content models: (child name, min, max) in order.
SEARCH_1 = [("version", 1, 1), ("numberOfRecords", 1, 1), ("resultSetId", 0, 1),
            ("resultSetIdleTime", 0, 1), ("records", 0, 1), ("nextRecordPosition", 0, 1),
            ("echoedSearchRetrieveRequest", 0, 1), ("diagnostics", 0, 1),
            ("extraResponseData", 0, 1)]
SEARCH_2 = [("version", 1, 1), ("numberOfRecords", 1, 1), ("resultSetId", 0, 1),
            ("resultSetTTL", 0, 1), ("resultCountPrecision", 0, 1), ("facetedResults", 0, 1),
            ("searchResultAnalysis", 0, 1), ("records", 0, 1), ("nextRecordPosition", 0, 1),
            ("echoedSearchRetrieveRequest", 0, 1), ("diagnostics", 0, 1),
            ("extraResponseData", 0, 1)]
RECORD_1 = [("recordSchema", 1, 1), ("recordPacking", 1, 1), ("recordData", 1, 1),
            ("recordPosition", 0, 1), ("extraRecordData", 0, 1)]
RECORD_2 = [("recordSchema", 1, 1), ("recordXMLEscaping", 0, 1), ("recordData", 1, 1),
            ("recordPosition", 0, 1), ("extraRecordData", 0, 1)]
SCAN = [("version", 1, 1), ("terms", 0, 1), ("extraResponseData", 0, 1),
        ("echoedScanRequest", 0, 1), ("diagnostics", 0, 1)]
TERM = [("value", 1, 1), ("numberOfRecords", 0, 1), ("displayTerm", 0, 1),
        ("whereInList", 0, 1), ("extraTermData", 0, 1)]
EXPLAIN = [("version", 1, 1), ("record", 0, 1), ("echoedExplainRequest", 0, 1),
           ("diagnostics", 0, 1), ("extraResponseData", 0, 1)]
DIAGNOSTIC = [("uri", 1, 1), ("details", 0, 1), ("message", 0, 1)]

LEADER = re.compile(r"[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}(2| )(2| )[\d ]{5}"
                    r"[\dA-Za-z ]{3}(4500|    )\Z")
CONTROL_TAG = re.compile(r"00[1-9A-Za-z]\Z")
DATA_TAG = re.compile(r"(0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|"
                      r"[1-9a-z][0-9a-z]{2})\Z")
INDICATOR = re.compile(r"[\da-z ]\Z")


def check_sequence(element: etree._Element, ns: str, model: list[tuple[str, int, int]],
                   ) -> None:
    children = [c for c in element if isinstance(c.tag, str)]
    names = [etree.QName(c).localname for c in children]
    for child in children:
        assert etree.QName(child).namespace == ns, f"{child.tag} not in {ns}"
    pos = 0
    for name, low, high in model:
        count = 0
        while pos < len(names) and names[pos] == name:
            count += 1
            pos += 1
        assert low <= count <= high, f"{name}: {count} in {names}"
    assert pos == len(names), f"unexpected {names[pos:]} in {etree.QName(element).localname}"


def check_response(root: etree._Element, version: str) -> None:
    name = etree.QName(root).localname
    v2 = version == "2.0"
    ns = SRU2 if v2 else SRW
    if name == "searchRetrieveResponse":
        check_sequence(root, ns, SEARCH_2 if v2 else SEARCH_1)
        for record in root.iterfind(f"{{{ns}}}records/{{{ns}}}record"):
            check_sequence(record, ns, RECORD_2 if v2 else RECORD_1)
            data = record.find(f"{{{ns}}}recordData")
            assert data is not None
            if len(data) and etree.QName(data[0]).namespace == MARC:
                check_marcxml(data[0])
    elif name == "scanResponse":
        ns = SCAN2 if v2 else SRW
        check_sequence(root, ns, SCAN)
        for term in root.iterfind(f"{{{ns}}}terms/{{{ns}}}term"):
            check_sequence(term, ns, TERM)
    elif name == "explainResponse":
        check_sequence(root, ns, EXPLAIN)
    else:
        raise AssertionError(f"unexpected root {root.tag}")
    assert etree.QName(root).namespace == (SCAN2 if v2 and name == "scanResponse" else ns)
    diag_ns = DIAG2 if v2 else DIAG1
    for diag in root.iter(f"{{{diag_ns}}}diagnostic"):
        check_sequence(diag, diag_ns, DIAGNOSTIC)
        uri = diag.findtext(f"{{{diag_ns}}}uri") or ""
        assert re.fullmatch(r"info:srw/diagnostic/1/\d+", uri), uri
    assert root.findtext(f"{{{ns if name != 'scanResponse' else root.nsmap[root.prefix]}}}"
                         "version") == version


def check_marcxml(record: etree._Element) -> None:
    assert record.tag == f"{{{MARC}}}record"
    children = list(record)
    assert children and children[0].tag == f"{{{MARC}}}leader"
    assert LEADER.match(children[0].text or ""), repr(children[0].text)
    seen_data = False
    for child in children[1:]:
        local = etree.QName(child).localname
        if local == "controlfield":
            assert not seen_data, "controlfield after datafield"
            assert CONTROL_TAG.match(child.get("tag", "")), child.get("tag")
        else:
            assert local == "datafield", local
            seen_data = True
            assert DATA_TAG.match(child.get("tag", "")), child.get("tag")
            assert INDICATOR.match(child.get("ind1", "")) and INDICATOR.match(
                child.get("ind2", "")), (child.get("ind1"), child.get("ind2"))
            subfields = list(child)
            assert subfields, f"datafield {child.get('tag')} without subfields"
            for sub in subfields:
                assert sub.tag == f"{{{MARC}}}subfield" and len(sub.get("code", "")) == 1
