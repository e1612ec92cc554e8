"""Facets on OpenSearch: entries counted per key, then one display form per key.

Counting buckets of ``<index>_scan`` (key + display) split a value's entries over its
display forms ("South African War" ×3, "South African war" ×2), and a value whose forms
each fell below the bucket cut-off vanished from the list. So the counts come from the
``<index>_key`` field (one value per key per entry, as the embedded backend counts), and
a second, small request names each listed key: the smallest ``_scan`` value that starts
with the key, through a ``terms`` aggregation restricted by an ``include`` pattern.
"""

from __future__ import annotations

from typing import Any

from search.opensearch_compile import holding_filter
from search.opensearch_mapping import HOLDING_FIELDS, KEYED_INDEXES, SEP
from search.query import QueryError, Scope

Dsl = dict[str, Any]
Keys = dict[str, list[tuple[str, int]]]  # index -> (key, entries), in facet order


def facet_agg(index: str, scope: Scope, size: int) -> Dsl:
    """Entries per key of ``index`` among the hits, most first, then by key."""
    if index in HOLDING_FIELDS:
        return {"nested": {"path": "holdings"}, "aggs": {"visible": {
            "filter": {"bool": {"filter": holding_filter(scope)}},
            "aggs": {"values": {
                "terms": {"field": f"holdings.{index}_key", "size": size,
                          "order": [{"entries": "desc"}, {"_key": "asc"}]},
                "aggs": {"entries": {"reverse_nested": {}}}}}}}}
    if index not in KEYED_INDEXES or index == "any":
        raise QueryError("unsupported_index", f"no facet on {index!r}", index)
    return {"terms": {"field": f"{index}_key", "size": size, "shard_size": size * 3 + 20,
                      "order": [{"_count": "desc"}, {"_key": "asc"}]}}


def facet_keys(index: str, agg: dict[str, Any]) -> list[tuple[str, int]]:
    if index in HOLDING_FIELDS:
        return [(str(b["key"]), int(b["entries"]["doc_count"]))
                for b in agg["visible"]["values"]["buckets"]]
    return [(str(b["key"]), int(b["doc_count"])) for b in agg["buckets"]]


def display_request(keys: Keys) -> Dsl | None:
    """A size-0 search naming every listed key (None when no facet listed any)."""
    aggs = {_name(index, n): _display_agg(index, key)
            for index, listed in keys.items() for n, (key, _) in enumerate(listed)}
    return {"size": 0, "query": {"match_all": {}}, "aggs": aggs} if aggs else None


def displays(keys: Keys, aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """(display, entries) per facet, in facet order; a key without a display shows as is."""
    out: dict[str, list[tuple[str, int]]] = {}
    for index, listed in keys.items():
        rows = []
        for n, (key, count) in enumerate(listed):
            agg = aggregations.get(_name(index, n), {})
            buckets = (agg.get("v", {}) if index in HOLDING_FIELDS else agg).get("buckets", [])
            shown = str(buckets[0]["key"]).partition(SEP)[2] if buckets else key
            rows.append((shown, count))
        out[index] = rows
    return out


def _name(index: str, n: int) -> str:
    return f"{index}.{n}"


def _display_agg(index: str, key: str) -> Dsl:
    terms = {"terms": {"field": f"{index}_scan", "include": _literal(key) + SEP + ".*",
                       "size": 1, "order": {"_key": "asc"}}}
    if index in HOLDING_FIELDS:
        terms["terms"]["field"] = f"holdings.{index}_scan"
        return {"nested": {"path": "holdings"}, "aggs": {"v": terms}}
    return terms


def _literal(text: str) -> str:
    """``text`` as a Lucene regular expression matching itself: a backslash makes any
    character literal."""
    return "".join(c if c.isascii() and c.isalnum() else "\\" + c for c in text)
