"""Many rows into one table, several rows per INSERT statement.

Each run of an INSERT statement has a fixed cost besides the row it writes: SQLite opens
and closes the table's cursors and checks the transaction, and ``executemany`` binds,
steps and resets the statement from Python. For narrow rows that fixed part is most of
the work: 895,021 ``vals`` rows of 50,000 LC entries took 2.9 s one row a statement and
1.9 s fifty rows a statement (median of five runs); callgrind counted 83 k fewer
instructions an entry over the six tables an entry is written to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

# Bound parameters per statement: wide enough that the fixed cost is shared by tens of
# rows, far below SQLite's limit (32,766 since 3.32).
PARAMETERS_PER_INSERT = 300


def insert_rows(conn: sqlite3.Connection, into: str, rows: Sequence[Sequence[object]]) -> None:
    """``INSERT INTO {into} VALUES`` each row, in order (rows all as wide), with as
    many rows per statement as ``PARAMETERS_PER_INSERT`` allows."""
    if not rows:
        return
    widths = set(map(len, rows))
    if len(widths) != 1:  # one flat list of parameters would shift every row after it
        raise ValueError(f"rows for {into} differ in width: {sorted(widths)}")
    width = widths.pop()
    per = max(PARAMETERS_PER_INSERT // width, 1)
    whole = len(rows) - len(rows) % per
    if whole:
        flat = list(chain.from_iterable(rows[:whole]))
        step = per * width
        conn.executemany(_statement(into, width, per),
                         [flat[start:start + step] for start in range(0, len(flat), step)])
    if whole < len(rows):
        conn.executemany(_statement(into, width, 1), rows[whole:])


@lru_cache(maxsize=64)
def _statement(into: str, width: int, count: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return f"INSERT INTO {into} VALUES " + ", ".join([row] * count)
