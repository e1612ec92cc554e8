"""A real SQLite FTS catalog built from the LC MARC fixtures, served by a real Z39.50 target.

Holdings: every record is held by the provincial library or the university library,
every fifth by both, and two records only by an armed-forces library with restricted
reading (never visible through the public ``union`` database).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from normalizers.bib import bib_from_record
from normalizers.decode import decode_iso2709
from normalizers.documents import Member, build_document
from normalizers.marc import to_iso2709
from search.document import CatalogDocument
from search.query import Scope
from search.sqlite_fts import SqliteFtsBackend
from z3950.server import Z3950Settings, Z3950Thread

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LIBRARIES = {
    "VN-DT-001": ("Thư viện tỉnh Đồng Tháp", "public"),
    "VN-DT-002": ("Thư viện Trường Đại học Đồng Tháp", "university"),
    "VN-DT-QD1": ("Thư viện Bộ Chỉ huy Quân sự tỉnh", "armed_forces"),
}
RESTRICTED_INDEXES = (7, 130)  # records only the armed-forces library holds


def read_marc(path: Path) -> list[bytes]:
    return [chunk + b"\x1d" for chunk in path.read_bytes().split(b"\x1d") if chunk.strip()]


def _member(n: int, source: str, raw: bytes) -> Member:
    decoded = decode_iso2709(raw)
    name, kind = LIBRARIES[source]
    return Member(record_id=n, source=source, library_name=name, library_type=kind,
                  district="Cao Lãnh", priority=1, local_id=f"b{n}",
                  bib=bib_from_record(decoded.record), marc=to_iso2709(decoded.record),
                  call_number=f"DT.{n:04d}", restricted=source == "VN-DT-QD1",
                  first_seen="2024-01-01T00:00:00Z", updated_at="2024-06-01T00:00:00Z")


def build_catalog() -> list[CatalogDocument]:
    raws = read_marc(FIXTURES / "lc-sample.mrc") + read_marc(FIXTURES / "lc-vietnamese.mrc")
    docs = []
    for n, raw in enumerate(raws):
        if n in RESTRICTED_INDEXES:
            sources = ["VN-DT-QD1"]
        else:
            sources = ["VN-DT-001", "VN-DT-002"] if n % 5 == 0 else [
                "VN-DT-001" if n % 2 else "VN-DT-002"]
        members = [_member(n * 10 + i, s, raw) for i, s in enumerate(sources)]
        docs.append(build_document(f"uc{n:05d}", members))
    return docs


@dataclass
class Target:
    host: str
    port: int
    backend: SqliteFtsBackend
    docs: dict[str, CatalogDocument]
    settings: Z3950Settings

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[SqliteFtsBackend, dict[str, CatalogDocument]]]:
    backend = SqliteFtsBackend(tmp_path_factory.mktemp("z3950") / "search.db")
    docs = build_catalog()
    backend.upsert(docs)
    yield backend, {d.id: d for d in docs}
    backend.close()


def start_target(catalog: tuple[SqliteFtsBackend, dict[str, CatalogDocument]],
                 **overrides: object) -> tuple[Target, Z3950Thread]:
    backend, docs = catalog
    settings = Z3950Settings(
        host="127.0.0.1", port=0,
        extra_databases={"truong": Scope(libraries=frozenset({"VN-DT-002"})),
                         "staff": Scope(visibility="staff")},
        **overrides)  # type: ignore[arg-type]
    thread = Z3950Thread(backend, settings)
    port = thread.start()
    return Target("127.0.0.1", port, backend, docs, settings), thread


@pytest.fixture(scope="session")
def target(catalog: tuple[SqliteFtsBackend, dict[str, CatalogDocument]]) -> Iterator[Target]:
    started, thread = start_target(catalog)
    yield started
    thread.stop()
