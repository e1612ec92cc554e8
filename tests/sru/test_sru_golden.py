"""Golden files: request string -> expected response, compared as canonical XML (C14N).

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/sru/test_sru_golden.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from lxml import etree
from structure import check_response

from search.backend import SearchBackend
from sru.handler import handle_sru
from sru.settings import SruSettings

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = SruSettings(title="Test union catalog", host="127.0.0.1", port=8080)

REQUESTS: list[tuple[str, str]] = [
    ("explain-bare", ""),
    ("explain-1.1", "version=1.1&operation=explain"),
    ("explain-1.2-string", "version=1.2&operation=explain&recordPacking=string"),
    ("sr-1.2-marcxml", "version=1.2&operation=searchRetrieve&query=dc.title%20any%20war"
                       "&maximumRecords=2&startRecord=2"),
    ("sr-1.1-dc", "version=1.1&operation=searchRetrieve&query=bath.isbn%3D9781556591488"
                  "&recordSchema=dc"),
    ("sr-1.2-mods", "version=1.2&operation=searchRetrieve"
                    "&query=dc.creator%3D%22H%E1%BB%93%20Xu%C3%A2n%20H%C6%B0%C6%A1ng%22"
                    "&recordSchema=mods"),
    ("sr-2.0-string", "version=2.0&query=dc.title%20any%20spain&maximumRecords=1"
                      "&recordXMLEscaping=string"),
    ("sr-2.0-sortby", "query=dc.title%20any%20war%20sortBy%20dc.date/sort.descending"
                      "&maximumRecords=0"),
    ("sr-1.2-diag-10", "version=1.2&operation=searchRetrieve&query=dc.title%20%3D"),
    ("sr-2.0-diag-16", "version=2.0&query=dc.colour%3Dred"),
    ("sr-1.1-diag-66", "version=1.1&operation=searchRetrieve&query=war&recordSchema=pdf"),
    ("scan-1.2", "version=1.2&operation=scan&scanClause=uc.library%3DVN&maximumTerms=5"),
    ("scan-2.0", "scanClause=uc.libraryType%3Da&maximumTerms=3"),
    ("scan-1.1-diag-120", "version=1.1&operation=scan&scanClause=dc.title%3Da"
                          "&maximumTerms=2&responsePosition=9"),
    ("diag-4", "version=1.2&operation=update"),
    ("diag-5", "version=0.9&operation=searchRetrieve&query=war"),
]


def _c14n(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


@pytest.mark.parametrize(("name", "query"), REQUESTS, ids=[n for n, _ in REQUESTS])
def test_golden(backend: SearchBackend, name: str, query: str) -> None:
    params = dict(parse_qsl(query, keep_blank_values=True))
    response = handle_sru(backend, params, settings=SETTINGS)
    root = etree.fromstring(response.body)
    check_response(root, str(root.xpath("string(*[local-name()='version'])")))
    got = _c14n(response.body)
    path = GOLDEN / f"{name}.xml"
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.write_bytes(etree.tostring(etree.fromstring(got), pretty_print=True))
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"golden file {path.name} was missing: written, review and commit it")
    assert got == _c14n(path.read_bytes()), f"{name}: response differs from {path.name}"
