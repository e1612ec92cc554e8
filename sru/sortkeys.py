"""SRU 1.1 ``sortKeys``: space-separated keys ``path,schema,ascending,caseSensitive,missing``."""

from __future__ import annotations

from search.query import SortKey
from sru.cql import SortKey as CqlSortKey
from sru.cql_to_query import map_sort_key
from sru.diagnostics import (
    UnsupportedCase,
    UnsupportedMissingValueAction,
    UnsupportedParameterValue,
    UnsupportedSchemaForSort,
)
from sru.schemas import find_schema


def parse_sort_keys(text: str) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    for spec in text.split():
        parts = spec.split(",")
        path = parts[0]
        if not path:
            raise UnsupportedParameterValue(f"sortKeys: {spec}")
        if len(parts) > 1 and parts[1]:
            try:
                find_schema(parts[1])
            except Exception:
                raise UnsupportedSchemaForSort(parts[1]) from None
        ascending = parts[2] if len(parts) > 2 and parts[2] else "1"
        if ascending not in ("0", "1"):
            raise UnsupportedParameterValue(f"sortKeys ascending: {ascending}")
        if len(parts) > 3 and parts[3] not in ("", "0"):
            raise UnsupportedCase(spec)
        if len(parts) > 4 and parts[4] not in ("", "highValue"):
            raise UnsupportedMissingValueAction(parts[4])
        key = map_sort_key(CqlSortKey(path))
        keys.append(SortKey(key.field, descending=ascending == "0"))
    return tuple(keys)
