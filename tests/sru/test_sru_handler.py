"""handle_sru over a real SqliteFtsBackend: versions, bindings, diagnostics, schemas, scope."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from conftest import RESTRICTED_LIBRARY, STAFF
from lxml import etree
from structure import DIAG1, DIAG2, SRU2, SRW, check_response

from search.backend import SearchBackend
from search.document import CatalogDocument
from sru import diagnostics
from sru.handler import SruResponse, handle_sru
from sru.settings import SruSettings

SETTINGS = SruSettings(title="Test union catalog", host="127.0.0.1", port=8080)


def call(backend: SearchBackend, settings: SruSettings = SETTINGS, **params: str,
         ) -> SruResponse:
    return handle_sru(backend, params, settings=settings)


def parse(response: SruResponse) -> etree._Element:
    return etree.fromstring(response.body)


def diag_codes(response: SruResponse) -> list[int]:
    root = parse(response)
    uris = root.xpath("//d1:uri/text() | //d2:uri/text()",
                      namespaces={"d1": DIAG1, "d2": DIAG2})
    return [int(str(u).rsplit("/", 1)[1]) for u in uris]


def version_of(response: SruResponse) -> str:
    root = parse(response)
    return str(root.xpath("string(*[local-name()='version'])"))


# ------------------------------------------------------------------ diagnostics table

SR = {"operation": "searchRetrieve"}
DIAGNOSTIC_CASES: list[tuple[str, dict[str, str], int]] = [
    ("4 unknown operation", {"version": "1.2", "operation": "update"}, 4),
    ("5 version below 1.1", {"version": "1.0", **SR, "query": "a"}, 5),
    ("5 version not a number", {"version": "abc", **SR, "query": "a"}, 5),
    ("6 startRecord 0", {"version": "1.2", **SR, "query": "war", "startRecord": "0"}, 6),
    ("6 maximumRecords text", {"version": "1.2", **SR, "query": "war",
                               "maximumRecords": "ten"}, 6),
    ("6 resultSetTTL negative", {"version": "1.1", **SR, "query": "war",
                                 "resultSetTTL": "-1"}, 6),
    ("6 scan maximumTerms 0", {"version": "1.2", "operation": "scan",
                               "scanClause": "dc.title=a", "maximumTerms": "0"}, 6),
    ("7 missing query", {"version": "1.2", **SR}, 7),
    ("7 empty query", {"version": "1.1", **SR, "query": " "}, 7),
    ("7 missing scanClause", {"version": "1.2", "operation": "scan"}, 7),
    ("7 1.x query without operation", {"version": "1.2", "query": "war"}, 7),
    ("8 unknown parameter", {"version": "1.2", **SR, "query": "war", "foo": "1"}, 8),
    ("8 sortKeys in 1.2", {"version": "1.2", **SR, "query": "war", "sortKeys": "title"}, 8),
    ("10 syntax", {"version": "1.2", **SR, "query": "dc.title ="}, 10),
    ("10 unbalanced", {"version": "2.0", "query": "(a or b"}, 10),
    ("11 query type", {"version": "2.0", "query": "a", "queryType": "pqf"}, 11),
    ("15 context set", {"version": "1.2", **SR, "query": "foo.title = war"}, 15),
    ("15 prefix to unknown set", {"version": "1.2", **SR,
                                  "query": '> x = "urn:nope" x.title = war'}, 15),
    ("16 index", {"version": "1.2", **SR, "query": "dc.nothing = war"}, 16),
    ("16 unprefixed index", {"version": "1.2", **SR, "query": "colour = red"}, 16),
    ("16 scan of allRecords", {"version": "1.2", "operation": "scan",
                               "scanClause": "cql.allRecords = 1"}, 16),
    ("19 relation", {"version": "1.2", **SR, "query": "dc.title encloses war"}, 19),
    ("19 range on title", {"version": "1.2", **SR, "query": "dc.title < war"}, 19),
    ("19 within on isbn", {"version": "1.2", **SR, "query": "bath.isbn within \"1 2\""}, 19),
    ("19 scan relation", {"version": "1.2", "operation": "scan",
                          "scanClause": "dc.title any war"}, 19),
    ("20 relation modifier", {"version": "1.2", **SR, "query": "dc.title any/stem war"}, 20),
    ("20 modifier with value", {"version": "1.2", **SR,
                                "query": "dc.title =/rel.algorithm=cori war"}, 20),
    ("27 empty term", {"version": "1.2", **SR, "query": 'dc.title = ""'}, 27),
    ("28 ? masking", {"version": "1.2", **SR, "query": "dc.title = w?r"}, 28),
    ("29 masked word too short", {"version": "1.2", **SR, "query": "dc.title = w*"}, 29),
    ("30 too many masking characters", {"version": "1.2", **SR,
                                        "query": "dc.title = war**"}, 30),
    ("31 anchoring at one end", {"version": "1.2", **SR, "query": "dc.title = ^war"}, 31),
    ("32 anchoring in the middle", {"version": "1.2", **SR,
                                    "query": "dc.title = \"the^war\""}, 32),
    ("36 within needs two bounds", {"version": "1.2", **SR, "query": "dc.date within 1899"}, 36),
    ("36 not a year", {"version": "1.2", **SR, "query": "dc.date = abc"}, 36),
    ("37 prox", {"version": "1.2", **SR, "query": "war prox spain"}, 37),
    ("46 boolean modifier", {"version": "1.2", **SR, "query": "war and/rel.combine=sum spain"},
     46),
    ("49 masking in the middle", {"version": "1.2", **SR, "query": "dc.title = wa*r"}, 49),
    ("61 start past the end", {"version": "1.2", **SR, "query": "dc.title any war",
                               "startRecord": "500"}, 61),
    ("66 unknown schema", {"version": "1.2", **SR, "query": "war", "recordSchema": "pdf"}, 66),
    ("71 record packing", {"version": "1.2", **SR, "query": "war", "recordPacking": "json"}, 71),
    ("71 2.0 unpacked", {"version": "2.0", "query": "war", "recordPacking": "unpacked"}, 71),
    ("71 2.0 escaping", {"version": "2.0", "query": "war", "recordXMLEscaping": "base64"}, 71),
    ("72 xpath", {"version": "1.1", **SR, "query": "war", "recordXPath": "/a"}, 72),
    ("88 sort on unsortable index", {"version": "1.2", **SR,
                                     "query": "war sortBy dc.subject"}, 88),
    ("88 1.1 sortKeys path", {"version": "1.1", **SR, "query": "war", "sortKeys": "bath.isbn"},
     88),
    ("87 1.1 sortKeys schema", {"version": "1.1", **SR, "query": "war",
                                "sortKeys": "dc.title,pdf"}, 87),
    ("91 respectCase", {"version": "1.2", **SR, "query": "war sortBy dc.title/respectCase"},
     91),
    ("92 missing value", {"version": "1.2", **SR,
                          "query": "war sortBy dc.title/sort.missingHigh"}, 92),
    ("120 responsePosition", {"version": "1.2", "operation": "scan",
                              "scanClause": "dc.title=a", "maximumTerms": "3",
                              "responsePosition": "9"}, 120),
]


@pytest.mark.parametrize(("case", "params", "code"), DIAGNOSTIC_CASES,
                         ids=[c for c, _, _ in DIAGNOSTIC_CASES])
def test_diagnostic(backend: SearchBackend, case: str, params: dict[str, str],
                    code: int) -> None:
    response = call(backend, **params)
    assert diag_codes(response) == [code], case
    check_response(parse(response), version_of(response))
    if version_of(response) == "2.0":
        assert response.status == 400
    else:
        assert response.status == 200


def test_sort_not_supported_is_80(backend: SearchBackend) -> None:
    settings = SruSettings(sort_supported=False)
    assert diag_codes(call(backend, settings, version="1.2", operation="searchRetrieve",
                           query="war sortBy dc.title")) == [80]
    assert diag_codes(call(backend, settings, version="1.1", operation="searchRetrieve",
                           query="war", sortKeys="dc.title")) == [80]


def test_backend_query_error_becomes_a_diagnostic(backend: SearchBackend) -> None:
    # "..." has no searchable words: the backend raises QueryError("bad_term")
    response = call(backend, version="1.2", operation="searchRetrieve", query='dc.title = "..."')
    assert diag_codes(response) == [36]


def test_every_diagnostic_class_has_code_message_and_uri() -> None:
    codes = [cls.code for cls in diagnostics.ALL]
    assert len(codes) == len(set(codes))
    for required in (1, 4, 5, 6, 7, 8, 10, 15, 16, 19, 20, 27, 61, 64, 66, 71, 80):
        assert required in codes
    assert diagnostics.UnsupportedIndex("x").uri == "info:srw/diagnostic/1/16"


BAD_INPUTS = ["", "(", ")", '"', "\\", "\x00", "a" * 5000, "((((((((((((a", "> > >",
              "dc.title any/" + "/x" * 50, "sortBy", "a sortby", "\udcff", "🙂 and 🙂",
              "cql.allRecords = 1 not (" + "a or " * 100 + "b)"]


@pytest.mark.parametrize("query", BAD_INPUTS)
@pytest.mark.parametrize("version", ["1.1", "1.2", "2.0"])
def test_no_server_error_for_bad_input(backend: SearchBackend, query: str,
                                       version: str) -> None:
    for params in ({"version": version, "operation": "searchRetrieve", "query": query,
                    "startRecord": query, "maximumRecords": query, "recordSchema": query},
                   {"version": version, "operation": "scan", "scanClause": query},
                   {"version": query, "operation": query}):
        response = call(backend, **params)
        assert response.status < 500
        etree.fromstring(response.body)


# ------------------------------------------------------------------ versions and bindings

def test_bare_get_is_explain(backend: SearchBackend) -> None:
    response = call(backend)
    root = parse(response)
    assert root.tag == f"{{{SRU2}}}explainResponse"
    check_response(root, "2.0")
    assert response.headers["Content-Type"].startswith("application/sru+xml")


@pytest.mark.parametrize(("asked", "answered"), [("1.1", "1.1"), ("1.2", "1.2"),
                                                 ("2.0", "2.0"), ("1.5", "1.2"),
                                                 ("3.0", "2.0")])
def test_version_negotiation(backend: SearchBackend, asked: str, answered: str) -> None:
    response = call(backend, version=asked, operation="searchRetrieve", query="war")
    assert version_of(response) == answered
    assert diag_codes(response) == []


def test_sru2_infers_operation(backend: SearchBackend) -> None:
    assert parse(call(backend, query="war")).tag == f"{{{SRU2}}}searchRetrieveResponse"
    scan = parse(call(backend, scanClause="dc.title = war"))
    assert etree.QName(scan).localname == "scanResponse"


def test_form_post(backend: SearchBackend) -> None:
    body = urlencode({"version": "1.2", "operation": "searchRetrieve",
                      "query": "dc.title any war", "maximumRecords": "2"}).encode()
    response = handle_sru(backend, {}, method="POST", body=body,
                          content_type="application/x-www-form-urlencoded", settings=SETTINGS)
    root = parse(response)
    assert root.tag == f"{{{SRW}}}searchRetrieveResponse"
    assert len(root.findall(f"{{{SRW}}}records/{{{SRW}}}record")) == 2


SOAP = """<?xml version="1.0"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Body><srw:searchRetrieveRequest xmlns:srw="http://www.loc.gov/zing/srw/">
<srw:version>1.2</srw:version><srw:query>dc.title any war</srw:query>
<srw:startRecord>2</srw:startRecord><srw:maximumRecords>1</srw:maximumRecords>
<srw:recordSchema>dc</srw:recordSchema>
</srw:searchRetrieveRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>"""


def test_soap_search(backend: SearchBackend) -> None:
    response = handle_sru(backend, {}, method="POST", body=SOAP.encode(),
                          content_type="text/xml; charset=utf-8", settings=SETTINGS)
    envelope = parse(response)
    payload = envelope[0][0]
    assert payload.tag == f"{{{SRW}}}searchRetrieveResponse"
    check_response(payload, "1.2")
    assert payload.findtext(f"{{{SRW}}}records/{{{SRW}}}record/{{{SRW}}}recordPosition") == "2"


def test_soap_garbage_is_a_client_fault(backend: SearchBackend) -> None:
    response = handle_sru(backend, {}, method="POST", body=b"<not-soap", content_type="text/xml")
    assert response.status == 400 and b"SOAP-ENV:Client" in response.body


# ------------------------------------------------------------------ explain

def test_explain_lists_every_index_schema_and_limits(backend: SearchBackend) -> None:
    from sru.indexes import INDEXES
    from sru.schemas import SCHEMAS

    root = parse(call(backend, version="1.2", operation="explain"))
    check_response(root, "1.2")
    zns = {"z": "http://explain.z3950.org/dtd/2.0/"}
    ids = set(root.xpath("//z:index/@id", namespaces=zns))
    assert ids == {i.qualified for i in INDEXES}
    for index in root.xpath("//z:index", namespaces=zns):
        assert index.findtext("z:title", namespaces=zns)
    assert set(root.xpath("//z:schema/@name", namespaces=zns)) == {s.name for s in SCHEMAS}
    assert root.xpath("string(//z:default[@type='numberOfRecords'])", namespaces=zns) == "10"
    assert root.xpath("string(//z:setting[@type='maximumRecords'])", namespaces=zns) == "100"
    assert root.xpath("string(//z:supports[@type='sort'])", namespaces=zns) == "true"
    assert root.xpath("string(//z:serverInfo/z:port)", namespaces=zns) == "8080"


# ------------------------------------------------------------------ searchRetrieve

def test_paging_and_next_record_position(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="searchRetrieve",
                      query="dc.title any war", startRecord="3", maximumRecords="2"))
    total = int(root.findtext(f"{{{SRW}}}numberOfRecords") or 0)
    assert total >= 5
    positions = [r.findtext(f"{{{SRW}}}recordPosition")
                 for r in root.iterfind(f"{{{SRW}}}records/{{{SRW}}}record")]
    assert positions == ["3", "4"]
    assert root.findtext(f"{{{SRW}}}nextRecordPosition") == "5"


def test_maximum_records_is_capped(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="searchRetrieve",
                      query="cql.allRecords = 1", maximumRecords="5000"))
    assert len(root.findall(f"{{{SRW}}}records/{{{SRW}}}record")) == 100


def test_all_records_and_not(backend: SearchBackend, documents: list[CatalogDocument]) -> None:
    everything = parse(call(backend, version="1.2", operation="searchRetrieve",
                            query="cql.allRecords = 1", maximumRecords="0"))
    public = sum(1 for d in documents if not d.restricted)
    assert everything.findtext(f"{{{SRW}}}numberOfRecords") == str(public)
    minus = parse(call(backend, version="1.2", operation="searchRetrieve",
                       query="cql.allRecords = 1 not dc.title any war", maximumRecords="0"))
    assert int(minus.findtext(f"{{{SRW}}}numberOfRecords") or 0) < public


def test_record_packing_string_and_schemas(backend: SearchBackend) -> None:
    for schema, marker in (("marcxml", b"MARC21/slim"), ("dc", b"info:srw/schema/1/dc-schema"),
                           ("mods", b"http://www.loc.gov/mods/v3"),
                           ("info:srw/schema/1/mods-v3.6", b"mods/v3")):
        response = call(backend, version="1.1", operation="searchRetrieve",
                        query="dc.title any war", maximumRecords="1", recordSchema=schema,
                        recordPacking="string")
        root = parse(response)
        data = root.find(f".//{{{SRW}}}recordData")
        assert data is not None and len(data) == 0 and marker in (data.text or "").encode()
        etree.fromstring((data.text or "").encode())


def test_mods_has_holdings_and_title(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="searchRetrieve",
                      query='dc.creator = "Hồ Xuân Hương"', recordSchema="mods"))
    mods = {"m": "http://www.loc.gov/mods/v3"}
    assert root.xpath("string(//m:titleInfo/m:title)", namespaces=mods) == "Spring essence"
    assert root.xpath("//m:location/m:physicalLocation", namespaces=mods)
    assert root.xpath("string(//m:identifier[@type='isbn'])", namespaces=mods)


def test_sort_by_date_descending(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="searchRetrieve",
                      query="dc.title any war sortBy dc.date/sort.descending",
                      recordSchema="dc", maximumRecords="20"))
    dates = [int(d) for d in root.xpath("//dc:date/text()",
                                        namespaces={"dc": "http://purl.org/dc/elements/1.1/"})]
    assert dates == sorted(dates, reverse=True) and len(dates) > 2


def test_json_for_sru2_http_accept(backend: SearchBackend) -> None:
    response = call(backend, version="2.0", query="dc.title any war", maximumRecords="2",
                    httpAccept="application/json")
    assert response.headers["Content-Type"].startswith("application/json")
    data = json.loads(response.body)
    assert data["numberOfRecords"] >= 2 and len(data["records"]) == 2
    assert "<record" in data["records"][0]["recordData"]


def test_unknown_http_accept_is_6(backend: SearchBackend) -> None:
    response = call(backend, version="2.0", query="war", httpAccept="image/png")
    assert response.status == 400 and diag_codes(response) == [6]


def test_stylesheet_and_extra_request_data_are_safe(backend: SearchBackend) -> None:
    ok = call(backend, version="1.2", operation="searchRetrieve", query="war",
              stylesheet="/static/sru.xsl", extraRequestData="<x/>")
    assert ok.body.splitlines()[1] == b'<?xml-stylesheet type="text/xsl" href="/static/sru.xsl"?>'
    evil = call(backend, version="1.2", operation="searchRetrieve", query="war",
                stylesheet='"?><script>')
    assert b"xml-stylesheet" not in evil.body and diag_codes(evil) == []


def test_vietnamese_without_diacritics(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="searchRetrieve",
                      query="dc.creator = \"ho xuan huong\""))
    assert int(root.findtext(f"{{{SRW}}}numberOfRecords") or 0) >= 1


# ------------------------------------------------------------------ scope

def test_restricted_entries_stay_out_of_public_scope(
        backend: SearchBackend, documents: list[CatalogDocument]) -> None:
    hidden = next(d for d in documents if d.restricted)
    query = f'rec.identifier = "{hidden.id}"'
    public = parse(call(backend, version="1.2", operation="searchRetrieve", query=query))
    assert public.findtext(f"{{{SRW}}}numberOfRecords") == "0"
    staff = parse(handle_sru(backend, {"version": "1.2", "operation": "searchRetrieve",
                                       "query": query}, settings=SETTINGS, scope=STAFF))
    assert staff.findtext(f"{{{SRW}}}numberOfRecords") == "1"
    assert RESTRICTED_LIBRARY.encode() in etree.tostring(staff)
    library = parse(call(backend, version="1.2", operation="scan",
                         scanClause=f"uc.library = {RESTRICTED_LIBRARY}"))
    values = library.xpath("//zs:value/text()", namespaces={"zs": SRW})
    assert RESTRICTED_LIBRARY not in values


# ------------------------------------------------------------------ scan

def test_scan_counts_and_position(backend: SearchBackend) -> None:
    root = parse(call(backend, version="1.2", operation="scan", scanClause="uc.library = VN",
                      maximumTerms="5", responsePosition="1"))
    check_response(root, "1.2")
    terms = root.findall(f"{{{SRW}}}terms/{{{SRW}}}term")
    assert [t.findtext(f"{{{SRW}}}value") for t in terms] == ["VN-TG-001", "VN-TG-002",
                                                            "VN-TG-003"]
    assert all(int(t.findtext(f"{{{SRW}}}numberOfRecords") or 0) > 0 for t in terms)
