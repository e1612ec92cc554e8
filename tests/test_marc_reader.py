"""Streaming readers: framing of ISO 2709 and MARCXML, with faults set aside."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from harvesters.marcfile import read_marc, read_marc_path
from tests.conftest import FIXTURES


def test_reads_every_iso2709_record_of_a_real_file() -> None:
    records = list(read_marc_path(FIXTURES / "lc-sample.mrc"))
    assert len(records) == 300
    assert all(r.error is None and r.syntax == "iso2709" for r in records)
    assert [r.position for r in records[:3]] == [1, 2, 3]


def test_reads_gzip(tmp_path: Path) -> None:
    packed = tmp_path / "sample.mrc.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "lc-sample.mrc").read_bytes()))
    assert len(list(read_marc_path(packed))) == 300


def test_marcxml_collection_and_single_record() -> None:
    collection = list(read_marc_path(FIXTURES / "batch.xml"))
    assert len(collection) == 2 and all(r.syntax == "marcxml" for r in collection)
    single = list(read_marc_path(FIXTURES / "utf8.xml"))
    assert len(single) == 1


def test_truncated_record_is_flagged_not_dropped() -> None:
    data = (FIXTURES / "lc-sample.mrc").read_bytes()
    records = list(read_marc(io.BytesIO(data[:-300]), origin="cut.mrc"))
    assert len(records) == 300
    assert records[-1].error is not None and "truncated" in records[-1].error


def test_bad_leader_length_is_flagged_and_next_record_still_read() -> None:
    data = bytearray((FIXTURES / "lc-sample.mrc").read_bytes())
    data[0:5] = b"x0472"
    records = list(read_marc(io.BytesIO(bytes(data))))
    assert records[0].error is not None and "bad leader" in records[0].error
    assert records[1].error is None and len(records) == 300


def test_invalid_xml_keeps_records_before_the_fault() -> None:
    good = (FIXTURES / "batch.xml").read_bytes()
    second = good.rindex(b"</marc:record>") - 40
    broken = good[:second] + b" & <broken"
    records = list(read_marc(io.BytesIO(broken)))
    assert [r.error is None for r in records] == [True, False]
    assert "invalid XML" in (records[-1].error or "")
