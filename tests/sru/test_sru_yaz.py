"""Real SRU clients against a live server: yaz-client and zoomsh, every version and binding.

yaz-client exits 0 even on failure, so every test reads what it printed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pymarc import parse_xml_to_array

from search.backend import SearchBackend
from search.query import SearchRequest, Term

pytestmark = pytest.mark.skipif(not shutil.which("yaz-client") or not shutil.which("zoomsh"),
                                reason="yaz (yaz-client, zoomsh) not installed")

BINDINGS = [("get", "1.1"), ("get", "1.2"), ("get", "2.0"), ("post", "1.1"), ("post", "1.2"),
            ("post", "2.0"), ("soap", "1.1"), ("soap", "1.2")]


def yaz(url: str, commands: list[str], marc_file: Path | None = None) -> str:
    args = ["yaz-client"] + (["-m", str(marc_file)] if marc_file else []) + [url]
    script = "\n".join([*commands, "quit"]) + "\n"
    done = subprocess.run(args, input=script, capture_output=True, text=True, timeout=60,
                          check=False)
    return done.stdout + done.stderr


def zoomsh(commands: list[str]) -> str:
    script = "\n".join([*commands, "quit"]) + "\n"
    done = subprocess.run(["zoomsh"], input=script, capture_output=True, text=True,
                          timeout=60, check=False)
    return done.stdout + done.stderr


def expected_hits(backend: SearchBackend, value: str) -> int:
    return backend.search(SearchRequest(Term("title", "any", value), size=0)).total


@pytest.mark.parametrize(("binding", "version"), BINDINGS, ids=[f"{b}-{v}" for b, v in BINDINGS])
def test_yaz_client_search_and_fetch(server: str, backend: SearchBackend, tmp_path: Path,
                                     binding: str, version: str) -> None:
    saved = tmp_path / "records.xml"
    out = yaz(f"{server}/sru", [f"sru {binding} {version}", "querytype cql",
                                "find dc.title any war", "show 1+3"], saved)
    total = expected_hits(backend, "war")
    assert total >= 3
    assert f"Number of hits: {total}" in out, out
    assert "diagnostic" not in out.lower(), out
    assert out.count("schema=info:srw/schema/1/marcxml-v1.1") == 3, out
    text = saved.read_text(encoding="utf-8")
    records = parse_xml_to_array(_collection(text))
    assert len(records) == 3
    for record in records:
        assert "war" in record["245"].format_field().lower()
        assert record.get_fields("852"), "holdings 852 missing"
        assert record["852"]["a"].startswith("VN-TG-")


@pytest.mark.parametrize(("binding", "version"), BINDINGS, ids=[f"{b}-{v}" for b, v in BINDINGS])
def test_yaz_client_scan(server: str, binding: str, version: str) -> None:
    out = yaz(f"{server}/sru", [f"sru {binding} {version}", "querytype cql",
                                "scan uc.library=VN"])
    assert "Received SRW Scan Response" in out, out
    lines = [line for line in out.splitlines() if line.startswith("VN-TG-")]
    assert [line.split(":")[0] for line in lines] == ["VN-TG-001", "VN-TG-002", "VN-TG-003"]
    assert all(int(line.rsplit(":", 1)[1]) > 0 for line in lines)


@pytest.mark.parametrize(("binding", "version"), BINDINGS, ids=[f"{b}-{v}" for b, v in BINDINGS])
def test_yaz_client_sees_diagnostics(server: str, binding: str, version: str) -> None:
    out = yaz(f"{server}/sru", [f"sru {binding} {version}", "querytype cql",
                                "find dc.title any/stem war", "find dc.nothing = war",
                                "find dc.title ="])
    assert "info:srw/diagnostic/1/20" in out, out
    assert "info:srw/diagnostic/1/16" in out, out
    assert "info:srw/diagnostic/1/10" in out, out


def test_yaz_client_record_schemas(server: str, tmp_path: Path) -> None:
    out = yaz(f"{server}/sru", ["sru get 1.2", "querytype cql", "schema dc",
                                "find dc.title any war", "show 1", "schema mods", "show 2",
                                "schema nonsense", "show 3"])
    assert "schema=info:srw/schema/1/dc-v1.1" in out, out
    assert "schema=info:srw/schema/1/mods-v3.7" in out, out
    assert "info:srw/diagnostic/1/66" in out, out


@pytest.mark.parametrize("version", ["1.1", "1.2", "2.0"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_zoomsh_search_scan_show(server: str, backend: SearchBackend, version: str,
                                 method: str) -> None:
    out = zoomsh([f"set sru {method}", f"set sru_version {version}",
                  f"connect {server}/sru", "search cql:dc.title any war", "show 0 2",
                  "scan cql:uc.library=VN"])
    assert f"{server}/sru: {expected_hits(backend, 'war')} hits" in out, out
    assert out.count('<record xmlns="http://www.loc.gov/MARC21/slim">') == 2, out
    assert "VN-TG-001 " in out and "VN-TG-003 " in out, out
    assert "error" not in out.lower(), out


def test_zoomsh_reports_diagnostic(server: str) -> None:
    out = zoomsh(["set sru get", "set sru_version 1.2", f"connect {server}/sru",
                  "search cql:war prox spain"])
    assert "info:srw/diagnostic/1:37" in out or "Unsupported boolean operator" in out, out


def _collection(text: str) -> Path | object:
    import io

    body = text.replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    wrapped = ('<collection xmlns="http://www.loc.gov/MARC21/slim">' + body + "</collection>")
    return io.BytesIO(wrapped.encode("utf-8"))
