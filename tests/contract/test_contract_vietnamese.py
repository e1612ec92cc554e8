"""Diacritic-insensitive matching, diacritic-aware ranking."""

from __future__ import annotations

from search.backend import SearchBackend

from .helpers import id_set, ids, term


def test_unaccented_query_finds_accented_title(loaded: SearchBackend) -> None:
    assert "hcm-toan-tap" in id_set(loaded, term("any", "ho chi minh"))
    assert id_set(loaded, term("creator", "ho chi minh")) == {"hcm-toan-tap"}


def test_unaccented_name_finds_nguyen_du(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("creator", "nguyen du")) == {"truyen-kieu"}


def test_d_with_stroke_folds_to_d(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "dat rung")) == {"dat-rung"}
    assert id_set(loaded, term("title", "ĐẤT RỪNG")) == {"dat-rung"}
    assert id_set(loaded, term("creator", "doan gioi")) == {"dat-rung"}
    assert id_set(loaded, term("creator", "Đoàn")) == {"dat-rung"}


def test_uppercase_and_accents_are_ignored_for_matching(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "TRUYEN KIEU")) == {"truyen-kieu"}
    assert id_set(loaded, term("title", "truyền kiệu")) == {"truyen-kieu"}


def test_decomposed_query_matches_composed_data(loaded: SearchBackend) -> None:
    nfd = "Nguye\u0302\u0303n Du"
    assert id_set(loaded, term("creator", nfd)) == {"truyen-kieu"}


def test_exact_diacritics_rank_first(loaded: SearchBackend) -> None:
    found = ids(loaded, term("title", "Việt"))
    assert "viet-van" in found  # "Viết" matches folded...
    assert found.index("viet-nam-su-luoc") < found.index("viet-van")  # ...but ranks last
    assert found[-1] == "viet-van"


def test_other_diacritics_rank_first_the_other_way(loaded: SearchBackend) -> None:
    found = ids(loaded, term("title", "viết"))
    assert found[0] == "viet-van"
    assert len(found) > 1


def test_exact_boost_on_any_index(loaded: SearchBackend) -> None:
    found = ids(loaded, term("any", "Viết"))
    assert found[0] == "viet-van"


def test_unaccented_query_still_ranks_by_relevance(loaded: SearchBackend) -> None:
    found = ids(loaded, term("any", "kieu"))
    assert found == ["truyen-kieu"]


def test_english_vietnam_does_not_match_viet_nam_words(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "vietnamese")) == {"history-vietnam"}


def test_truncation_is_folded(loaded: SearchBackend) -> None:
    assert id_set(loaded, term("title", "phươ", truncation="right")) == {"dat-rung"}
