"""Field searches, relations, booleans, phrase, truncation, keyword indexes."""

from __future__ import annotations

import pytest

from search.backend import SearchBackend
from search.query import Bool, MatchAll, QueryError, SearchRequest

from .catalog import PUBLIC_IDS
from .helpers import STAFF, id_set, term


def test_title_word_search(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "truyện kiều")) == {"truyen-kieu"}


def test_all_words_must_match(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "việt nam sử", "all")) == {"viet-nam-su-luoc"}


def test_any_word(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "kiều python", "any")) == {"truyen-kieu", "python"}


def test_creator_search_direct_order_name(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("creator", "Nguyễn Du")) == {"truyen-kieu"}
    assert id_set(loaded, term("creator", "lutz")) == {"python"}


def test_creator_index_does_not_search_titles(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("creator", "kiều")) == set()


def test_subject_search(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("subject", "lịch sử")) == {
        "hcm-toan-tap", "viet-nam-su-luoc", "chien-tranh"}


def test_publisher_and_series(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("publisher", "kim đồng")) == {"dat-rung"}
    assert id_set(loaded, term("series", "toàn tập")) == {"hcm-toan-tap"}


def test_any_index_covers_responsibility_place_and_notes(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("any", "sebastopol")) == {"python"}
    assert id_set(loaded, term("any", "hội đồng xuất bản")) == {"hcm-toan-tap"}
    assert "truyen-kieu" in id_set(loaded, term("any", "nguyen du"))


def test_classification(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("classification", "895.9221")) == {"truyen-kieu"}


def test_phrase_adj(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "việt nam", "adj")) == {
        "viet-nam-su-luoc", "chien-tranh", "ca-dao"}
    assert id_set(loaded, term("title", "nam việt", "adj")) == set()
    assert id_set(loaded, term("title", "nam việt", "all")) != set()


def test_boolean_and_or_not(loaded: SearchBackend) -> None:
    viet = term("title", "việt nam", "adj")
    war = term("subject", "quân sự")
    assert id_set(loaded, Bool("and", viet, war)) == {"chien-tranh"}
    assert id_set(loaded, Bool("not", viet, war)) == {"viet-nam-su-luoc", "ca-dao"}
    assert id_set(loaded, Bool("or", term("title", "kiều"), term("title", "python"))) == {
        "truyen-kieu", "python"}


def test_nested_boolean(loaded: SearchBackend) -> None:
    query = Bool("and", Bool("or", term("language", "eng"), term("format", "map")),
                 Bool("not", MatchAll(), term("year", "2013")))
    assert id_set(loaded, query) == {"ban-do"}


def test_match_all_in_scope(loaded: SearchBackend) -> None:
    result = loaded.search(SearchRequest(MatchAll(), size=100))
    assert result.total == len(PUBLIC_IDS)
    assert {d.id for d in result.hits} == PUBLIC_IDS


def test_right_truncation(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "pyth", truncation="right")) == {"python"}
    assert id_set(loaded, term("title", "phuong na", "adj", truncation="right")) == {"dat-rung"}
    assert id_set(loaded, term("isbn", "978144", truncation="right")) == {"python"}


def test_left_truncation_on_keyword_index(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("identifier", "034210", "==", truncation="left")) == {
        "history-vietnam"}


def test_left_truncation_on_word_index_is_refused_or_works(loaded: SearchBackend) -> None:
    try:
        found = id_set(loaded, term("title", "ython", truncation="left"))
    except QueryError as error:
        assert error.kind == "unsupported_truncation"
    else:
        assert found == {"python"}


@pytest.mark.parametrize("isbn", ["9781449355739", "978-1-4493-5573-9", "1449355730",
                                  "1-4493-5573-0", "978 1 4493 5573 9"])
def test_isbn_10_or_13_with_or_without_hyphens(loaded: SearchBackend, isbn: str) -> None:
    assert id_set(loaded, term("isbn", isbn)) == {"python"}


def test_isbn_stored_with_hyphens_and_x_check_digit(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("isbn", "6046912342")) == {"truyen-kieu"}
    assert id_set(loaded, term("isbn", "604-570-018-x")) == {"hcm-toan-tap"}


def test_issn_with_or_without_hyphen(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("issn", "0866-7365")) == {"tap-chi-van-hoc"}
    assert id_set(loaded, term("issn", "08667365")) == {"tap-chi-van-hoc"}


def test_keyword_indexes(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("format", "serial")) == {"tap-chi-van-hoc"}
    assert id_set(loaded, term("language", "eng")) == {"history-vietnam", "python"}
    assert id_set(loaded, term("id", "ban-do")) == {"ban-do"}
    assert id_set(loaded, term("language", "eng vie", "any")) == PUBLIC_IDS


def test_holdings_indexes(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("library", "VN-DT-C01")) == {"python"}
    assert id_set(loaded, term("library_type", "school")) == {"truyen-kieu", "dat-rung"}
    assert id_set(loaded, term("district", "Lấp Vò")) == {"viet-van", "dat-rung", "ca-dao"}
    assert id_set(loaded, term("district", "lap vo")) == {"viet-van", "dat-rung", "ca-dao"}


def test_year_relations(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("year", "2013")) == {"history-vietnam", "python"}
    assert id_set(loaded, term("year", "1960", "<")) == {"dat-rung"}
    assert id_set(loaded, term("year", "2013", ">=")) == {"history-vietnam", "python",
                                                          "truyen-kieu"}
    assert id_set(loaded, term("year", "1960", "<=")) == {"dat-rung", "tap-chi-van-hoc"}
    assert "python" not in id_set(loaded, term("year", "2013", "<>"))
    assert "viet-van" in id_set(loaded, term("year", "2013", "<>"))


def test_year_numeric_not_lexical(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("year", "999", ">")) >= {"dat-rung", "python"}


def test_year_within_is_inclusive(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("year", "1999 2005", "within")) == {
        "viet-nam-su-luoc", "viet-van"}
    assert id_set(loaded, term("year", "1979 2001", "within"), STAFF) == {
        "chien-tranh", "viet-nam-su-luoc", "quan-su"}


def test_whole_field_equality(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "truyen kieu", "==")) == {"truyen-kieu"}
    assert id_set(loaded, term("title", "truyện", "==")) == set()
    assert id_set(loaded, term("subject", "văn học việt nam", "==")) == {
        "truyen-kieu", "dat-rung", "ca-dao"}


def test_lexical_comparison_on_word_index(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "b", "<")) == {"history-vietnam"}


@pytest.mark.parametrize("value", ["", "   ", "?!;", "--"])
def test_empty_or_punctuation_term(loaded: SearchBackend, value: str) -> None:
    try:
        found = id_set(loaded, term("title", value))
    except QueryError as error:
        assert error.kind == "bad_term"
    else:
        assert found == set()


@pytest.mark.parametrize("value", ['"', 'viet" OR "python', "NEAR(a b)", "title:kieu",
                                   "{title} : x", "a*", "'; DROP TABLE entries; --",
                                   "^viet", "- viet", "AND", "OR NOT"])
def test_fts_syntax_in_user_input_is_literal(loaded: SearchBackend, value: str) -> None:
    try:
        found = id_set(loaded, term("any", value))
    except QueryError as error:
        assert error.kind == "bad_term"
        return
    assert "python" not in found or value == 'viet" OR "python'
    assert loaded.search(SearchRequest(MatchAll())).total == len(PUBLIC_IDS)


def test_quote_injection_does_not_or(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", 'kiều" OR "python')) == set()


def test_unsupported_relation_raises(loaded: SearchBackend) -> None:
    with pytest.raises(QueryError) as caught:
        loaded.search(SearchRequest(term("title", "1990 2000", "within")))
    assert caught.value.kind == "unsupported_relation"


def test_bad_year_raises(loaded: SearchBackend) -> None:
    with pytest.raises(QueryError) as caught:
        loaded.search(SearchRequest(term("year", "nineteen")))
    assert caught.value.kind == "bad_term"
