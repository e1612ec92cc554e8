"""The CQL parser against the published examples and our grammar-derived corpus."""

from __future__ import annotations

import pytest
from cql_corpus import CQL_JAVA, INVALID, OURS, SPEC_LOC, SPEC_OASIS, VALID, Tree

from sru.cql import CQLSyntaxError, parse, to_data


def test_corpus_is_big_enough() -> None:
    assert len(SPEC_LOC) + len(SPEC_OASIS) >= 30
    assert len(CQL_JAVA) >= 50
    assert len(OURS) + len(INVALID) >= 80


@pytest.mark.parametrize(("query", "expected"), VALID, ids=[q for q, _ in VALID])
def test_valid_query_parses_to_expected_tree(query: str, expected: Tree) -> None:
    assert to_data(parse(query)) == expected


@pytest.mark.parametrize(("query", "fragment", "position"), INVALID,
                         ids=[q or "<empty>" for q, _, _ in INVALID])
def test_invalid_query_is_a_syntax_error(query: str, fragment: str, position: int) -> None:
    with pytest.raises(CQLSyntaxError) as caught:
        parse(query)
    assert fragment in str(caught.value)
    assert caught.value.position == position
