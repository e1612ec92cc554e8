"""``search.sqlite_insert.insert_rows``: several rows per statement, the same table after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.sqlite_insert import PARAMETERS_PER_INSERT, insert_rows


def _table(tmp_path: Path, name: str) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / f"{name}.sqlite", isolation_level=None)
    conn.execute("CREATE TABLE t(a INTEGER, b TEXT, c BLOB, d)")
    return conn


def _rows(count: int) -> list[tuple[object, ...]]:
    return [(i, f"ký tự {i}", bytes([i % 256]) * (i % 5), None if i % 3 else i / 7)
            for i in range(count)]


PER = PARAMETERS_PER_INSERT // 4  # rows of four columns in one statement


@pytest.mark.parametrize("count", [0, 1, PER - 1, PER, 3 * PER + 7])
def test_the_table_holds_what_one_row_a_statement_would(tmp_path: Path, count: int) -> None:
    rows = _rows(count)
    one_by_one, together = _table(tmp_path, "one"), _table(tmp_path, "many")
    one_by_one.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    insert_rows(together, "t", rows)
    expected = one_by_one.execute("SELECT rowid, * FROM t ORDER BY rowid").fetchall()
    assert together.execute("SELECT rowid, * FROM t ORDER BY rowid").fetchall() == expected
    assert len(expected) == count


def test_named_columns_and_lists_as_rows(tmp_path: Path) -> None:
    conn = _table(tmp_path, "named")
    insert_rows(conn, "t(d, a)", [[f"d{i}", i] for i in range(200)])
    assert conn.execute("SELECT count(*), sum(a), min(d) FROM t WHERE b IS NULL").fetchone() == (
        200, sum(range(200)), "d0")


def test_rows_of_different_widths_are_refused_before_anything_is_written(
        tmp_path: Path) -> None:
    conn = _table(tmp_path, "widths")
    rows: list[tuple[object, ...]] = [(1, "a", b"", None)] * 100 + [(2, "b", b"")]
    with pytest.raises(ValueError, match="differ in width"):
        insert_rows(conn, "t", rows)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_a_constraint_error_surfaces_as_it_would_row_by_row(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "unique.sqlite", isolation_level=None)
    conn.execute("CREATE TABLE u(k INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.IntegrityError):
        insert_rows(conn, "u", [(i % 120, "x") for i in range(150)])
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM u").fetchone() == (0,)
