"""The store keeps a record's MARC once when the normalized record is the bytes received."""

from __future__ import annotations

from app.indexer import load_documents
from app.ingest import prepare
from app.reindex import renormalize
from harvesters.raw import RawRecord
from normalizers.clustering import SingletonClusterer
from normalizers.dedup import index_record
from normalizers.matchkeys import Profile
from search.document import CatalogDocument
from store.db import transaction
from tests.conftest import FIXTURES, Catalog


def _entries(catalog: Catalog) -> dict[str, CatalogDocument]:
    ids = [r[0] for r in catalog.conn.execute("SELECT DISTINCT cluster_id FROM records")]
    return load_documents(catalog.conn, ids)


def test_marc_equal_to_raw_is_stored_once_and_read_as_before(catalog: Catalog) -> None:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-A")
    catalog.ingest(FIXTURES / "lc-vietnamese.mrc", "VN-B")  # decomposed accents: repaired
    once, twice = catalog.conn.execute(
        "SELECT sum(marc IS NULL), sum(marc IS NOT NULL AND marc != raw) FROM records"
    ).fetchone()
    assert once > 0 and twice > 0
    entries = _entries(catalog)
    with transaction(catalog.conn):  # as an older version stored them: both columns filled
        catalog.conn.execute("UPDATE records SET marc = raw WHERE marc IS NULL")
    assert _entries(catalog) == entries
    assert all(doc.marc for doc in entries.values())


def test_renormalize_changes_nothing_and_keeps_the_marc_once(catalog: Catalog) -> None:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-A")
    before = catalog.conn.execute("SELECT id, raw, marc FROM records ORDER BY id").fetchall()
    assert renormalize(catalog.conn, SingletonClusterer()) == 0
    with transaction(catalog.conn):
        catalog.conn.execute("UPDATE records SET bib = '{}' WHERE id = ?", (before[0]["id"],))
    assert renormalize(catalog.conn, SingletonClusterer()) == 1  # re-derived, marc still once
    after = catalog.conn.execute("SELECT id, raw, marc FROM records ORDER BY id").fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]


def test_a_profile_is_rebuilt_from_the_marc_stored_once(catalog: Catalog) -> None:
    catalog.ingest(FIXTURES / "lc-sample.mrc", "VN-A")  # without dedup: no profile stored
    record_id, raw = catalog.conn.execute(
        "SELECT id, raw FROM records WHERE marc IS NULL AND profile IS NULL ORDER BY id LIMIT 1"
    ).fetchone()
    expected = prepare(RawRecord(raw, "iso2709", 0), "852", False, "VN-A").record
    assert expected is not None and expected.profile_json is not None
    with transaction(catalog.conn):
        rebuilt = index_record(catalog.conn, record_id)
    assert rebuilt == Profile.loads(expected.profile_json)
