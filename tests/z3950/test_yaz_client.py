"""The target driven by real yaz-client and zoomsh over TCP, on a real SQLite FTS catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from search.document import CatalogDocument

from .clients import diagnostics, hits, read_marc, yaz_client, zoomsh
from .conftest import Target

SPRING = "uc00302"  # Spring essence : the poetry of Hồ Xuân Hương (ISBN 9781556591488)
NGOI_CHUA = "Ngôi chùa, một vùng tâm thức"


def control_number(doc: CatalogDocument) -> str:
    return next(i for i in doc.identifiers if i.startswith("lccn:"))[5:]


def public(target: Target) -> list[CatalogDocument]:
    return [d for d in target.docs.values() if not d.restricted]


def test_init_negotiates_version_3_and_utf8(target: Target) -> None:
    out = yaz_client(target.address, [])
    assert "Connection accepted by v3 target." in out
    assert "Accepted character set : UTF-8" in out
    assert "Options: search present delSet triggerResourceCtrl scan sort namedResultSets" in out
    assert "Target has closed the association." in out
    assert "Reason: finished" in out


def test_isbn_search_returns_the_entry_as_usmarc(target: Target, tmp_path: Path) -> None:
    doc = target.docs[SPRING]
    marc = tmp_path / "isbn.mrc"
    out = yaz_client(target.address, ["format usmarc", "elements F",
                                      "find @attr 1=7 1556591489", "show 1"], marc)
    assert hits(out) == [1], out
    [record] = read_marc(marc)
    assert (record["001"].data or "").strip() == control_number(doc)
    assert record["245"]["a"].startswith("Spring essence")
    assert "Hồ Xuân Hương" in record["245"].value()
    holdings = [(f["a"], f["b"], f["h"]) for f in record.get_fields("852")]
    assert holdings == [(h.library, h.library_name, h.call_number) for h in doc.holdings]


KOHA_TERMS = {
    # Koha C4::Breeding::_bib_build_query, one per search form field, with our data
    "isbn": ('@attr 1=7 @attr 5=1 "9781556591488"', 1),
    "title": ('@attr 1=4 "Spring essence"', 1),
    "author": ('@attr 1=1003 "Hồ, Xuân Hương"', 1),
    "dewey": ('@attr 1=16 "895.9/2211"', 1),
    "subject": ('@attr 1=21 "Vietnamese poetry"', 1),
    "lccall": ('@attr 1=16 @attr 2=3 @attr 3=1 @attr 4=1 @attr 5=1 @attr 6=1 "PL4378.9"', 1),
    "controlnumber": ('@attr 1=12 "00060307"', 1),
    "srchany": ('@attr 1=1016 "Balaban"', 1),
    "stdid": ('@attr 1=1007 "9781556591488"', 1),
    "publicationyear": ('@attr 1=31 "2000"', 1),
    "title+author": ('@and @attr 1=4 "Spring essence" @attr 1=1003 "Balaban" ', 1),
}


@pytest.mark.parametrize("field", sorted(KOHA_TERMS))
def test_koha_default_queries_find_the_entry(target: Target, field: str, tmp_path: Path) -> None:
    query, minimum = KOHA_TERMS[field]
    marc = tmp_path / "koha.mrc"
    out = yaz_client(target.address, ["format usmarc", f"find {query}", "show 1+20"], marc)
    assert "Search was a success." in out, out
    [count] = hits(out)
    assert count >= minimum
    numbers = {(r["001"].data or "").strip() for r in read_marc(marc)}
    assert control_number(target.docs[SPRING]) in numbers


def test_koha_issn_query_is_a_successful_empty_search(target: Target) -> None:
    out = yaz_client(target.address, ['find @attr 1=8 @attr 5=1 "0028-0836"'])
    assert "Search was a success." in out and hits(out) == [0]


@pytest.mark.parametrize("query", [
    '@attr 1=1016 "Mekong"',  # MarcEdit keyword
    '@attr 1=4 "Vietnamese war"',  # MarcEdit title
    '@attr 1=1003 "Elliott"',  # MarcEdit author
    '@attr 1=21 "Vietnam War, 1961-1975"',  # MarcEdit subject
    '@attr 1=9 "00041020"',  # MarcEdit LCCN
])
def test_marcedit_style_queries(target: Target, query: str) -> None:
    out = yaz_client(target.address, [f"find {query}"])
    assert "Search was a success." in out, out
    assert hits(out)[0] >= 1


def test_vietnamese_terms_with_and_without_diacritics(target: Target, tmp_path: Path) -> None:
    marc = tmp_path / "vn.mrc"
    out = yaz_client(target.address, [
        f'find @attr 1=4 "{NGOI_CHUA}"', 'find @attr 1=4 "ngoi chua mot vung tam thuc"',
        'find @attr 1=1003 "Nguyễn Khắc Mai"', 'find @attr 1=1003 "nguyen khac mai"',
        "show 1"], marc)
    counts = hits(out)
    assert counts[0] == counts[1] >= 1
    assert counts[2] == counts[3] >= 1
    [record] = read_marc(marc)
    assert record["245"]["a"].startswith("Ngôi chùa")


def test_year_range(target: Target) -> None:
    query = "@and @attr 1=31 @attr 2=4 1997 @attr 1=31 @attr 2=2 1999"
    out = yaz_client(target.address, [f"find {query}"])
    expected = sum(1 for d in public(target) if d.year is not None and 1997 <= d.year <= 1999)
    assert expected > 0
    assert hits(out) == [expected]


def test_year_relations_and_structure(target: Target) -> None:
    out = yaz_client(target.address, ["find @attr 1=31 @attr 2=5 @attr 4=4 2000",
                                      "find @attr 1=31 @attr 4=4 1899"])
    newer = sum(1 for d in public(target) if d.year is not None and d.year > 2000)
    of_1899 = sum(1 for d in public(target) if d.year == 1899)
    assert hits(out) == [newer, of_1899]


def test_truncation_and_structures(target: Target) -> None:
    out = yaz_client(target.address, [
        "find @attr 1=4 @attr 5=1 @attr 4=2 spri",  # right truncation
        "find @attr 1=4 @attr 5=101 spri#",  # '#' mask
        'find @attr 1=4 @attr 4=1 "spring essence"',  # phrase
        'find @attr 1=4 @attr 4=1 "essence spring"',  # phrase in the wrong order
        'find @attr 1=4 @attr 4=6 "essence spring"',  # word list
        "find @attr 1=4 spri",  # no truncation
    ])
    counts = hits(out)
    assert counts[0] == counts[1] >= 1
    assert counts[2] >= 1 and counts[3] == 0 and counts[4] == counts[2]
    assert counts[5] == 0


def test_boolean_operators(target: Target) -> None:
    out = yaz_client(target.address, [
        "find @attr 1=21 thailand",
        "find @and @attr 1=21 thailand @attr 1=21 politics",
        "find @not @attr 1=21 thailand @attr 1=21 politics",
        "find @or @attr 1=21 thailand @attr 1=21 laos",
    ])
    all_thai, both, without, either = hits(out)
    assert all_thai == both + without and both > 0 and either > all_thai


def test_show_marcxml(target: Target, tmp_path: Path) -> None:
    out_file = tmp_path / "xml.out"
    out = yaz_client(target.address, ["format xml", "find @attr 1=7 9781556591488", "show 1"],
                     out_file)
    assert "Record type: XML" in out
    root = etree.fromstring(out_file.read_bytes())
    ns = {"m": "http://www.loc.gov/MARC21/slim"}
    assert root.tag == "{http://www.loc.gov/MARC21/slim}record"
    libs = root.xpath("m:datafield[@tag='852']/m:subfield[@code='a']/text()", namespaces=ns)
    assert libs == [h.library for h in target.docs[SPRING].holdings]
    title = root.findtext("m:datafield[@tag='245']/m:subfield[@code='a']", namespaces=ns)
    assert (title or "").startswith("Spring essence")


def test_brief_and_sutrs(target: Target, tmp_path: Path) -> None:
    marc = tmp_path / "brief.mrc"
    out = yaz_client(target.address, ["find @attr 1=7 9781556591488", "elements B",
                                      "format usmarc", "show 1", "format sutrs", "elements F",
                                      "show 1"], marc)
    assert "Record type: SUTRS" in out
    brief = read_marc(marc)[0]
    tags = {f.tag for f in brief.get_fields()}
    assert {"001", "020", "100", "245", "852"} <= tags and "650" not in tags


def test_scan_with_counts(target: Target) -> None:
    out = yaz_client(target.address, ["scan @attr 1=1003 nguyen"])
    assert "Received ScanResponse" in out
    assert "20 entries" in out
    assert "Nguyễn, Khắc Mai (1)" in out


def test_named_result_sets_and_replace(target: Target) -> None:
    out = yaz_client(target.address, ["set_setname spring", "find @attr 1=4 spring",
                                      "set_setname war", "find @attr 1=4 war",
                                      "setnames", "show 1+1"])
    assert "Search was a success." in out and len(hits(out)) == 2


def test_sort_by_title(target: Target) -> None:
    out = yaz_client(target.address, ["find @attr 1=21 thailand", "sort 1=4 <",
                                      "show 1+3"])
    assert "Received SortResponse: status=success" in out, out


@pytest.mark.parametrize(("command", "code"), [
    ("find @attr 1=9999 x", 114),
    ("find @attr 2=7 @attr 1=4 x", 117),
    ("find @attr 1=4 @attr 4=99 x", 118),
    ("find @attr 3=9 @attr 1=4 x", 119),
    ("find @attr 1=4 @attr 5=102 x", 120),
    ("find @attr 6=9 @attr 1=4 x", 122),
    ("find @attr 1=4 @attr 4=4 1999", 123),
    ("find @attr 9=1 x", 113),
    ("find @attr 1=31 nineteen", 126),
    ("find @attr 1=4 @attr 5=2 essence", 120),  # left truncation on a word index (backend)
    ("find @prox 0 1 0 2 k 2 a b", 110),
    ("find @set default", 18),
    ("find @attrset 1.2.840.10003.3.5 @attr 1=4 x", 121),
])
def test_unsupported_attributes_get_bib1_diagnostics(target: Target, command: str,
                                                      code: int) -> None:
    out = yaz_client(target.address, [command, "find @attr 1=4 spring"])
    assert "Search was a bloomin' failure." in out
    assert diagnostics(out)[0] == code, out
    assert hits(out)[-1] == 1  # the association goes on


def test_unknown_database_is_diagnostic_109(target: Target) -> None:
    out = yaz_client(target.address, ["find @attr 1=4 spring"], database="nosuchdb")
    assert diagnostics(out) == [109]


def test_present_errors(target: Target) -> None:
    out = yaz_client(target.address, ["find @attr 1=7 9781556591488", "show 5",
                                      "elements Z", "show 1", "elements F",
                                      "format 1.2.3.4", "show 1"])
    assert diagnostics(out) == [13, 25, 239]


def test_restricted_entries_never_leak_through_public_database(target: Target) -> None:
    restricted = target.docs["uc00007"]
    assert restricted.restricted
    title_query = 'find @attr 1=4 @attr 4=1 "The poems of Celia Thaxter"'
    public_out = yaz_client(target.address, [title_query, "scan @attr 1=1003 thaxter"])
    staff_out = yaz_client(target.address, [title_query], database="staff")
    assert hits(public_out) == [0]
    assert "Thaxter, Celia" not in public_out
    assert hits(staff_out) == [1]


def test_library_view_database_shows_only_its_holdings(target: Target, tmp_path: Path) -> None:
    marc = tmp_path / "truong.mrc"
    yaz_client(target.address, ["find @attr 1=21 thailand", "show 1+5"], marc,
               database="truong")
    records = read_marc(marc)
    assert records
    for record in records:
        assert {f["a"] for f in record.get_fields("852")} == {"VN-DT-002"}


def test_copy_cataloguing_session(target: Target, tmp_path: Path) -> None:
    """A cataloguer: connect, ISBN search, title + author search, take the full record."""
    doc = target.docs[SPRING]
    marc = tmp_path / "copycat.mrc"
    out = yaz_client(target.address, [
        "format usmarc", "elements F",
        "find @attr 1=7 @attr 5=1 1556591489",
        "show 1",
        'find @and @attr 1=4 @attr 4=6 "spring essence" @attr 1=1003 "Balaban, John"',
        "show 1",
    ], marc)
    assert hits(out) == [1, 1]
    first, second = read_marc(marc)
    assert first.as_marc() == second.as_marc()
    assert first["020"]["a"].startswith("1556591489")
    assert first["100"]["a"] == "Hồ, Xuân Hương."
    assert [f.value() for f in first.get_fields("650")] == [
        "Vietnamese poetry Translations into English."]
    assert [(f["a"], f["h"]) for f in first.get_fields("852")] == [
        (h.library, h.call_number) for h in doc.holdings]
    assert first.leader[9] == "a"  # UTF-8


def test_zoomsh_find_show_scan(target: Target) -> None:
    out = zoomsh(target.address, [
        "set preferredRecordSyntax usmarc", "find @attr 1=7 9781556591488", "show 0 1",
        "set preferredRecordSyntax xml", "show 0 1", "scan @attr 1=1003 ho"])
    assert "1 hits" in out
    assert "syntax=USmarc" in out and "852    $a VN-DT-002" in out
    assert '<datafield tag="852"' in out
    assert "Hồ, Xuân Hương 1" in out


def test_zoomsh_vietnamese_without_diacritics(target: Target) -> None:
    out = zoomsh(target.address, ['find @attr 1=4 "ngoi chua"', "show 0 1"])
    assert "1 hits" in out and "Ngôi chùa" in out
