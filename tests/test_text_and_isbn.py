"""Vietnamese folding, ISBD punctuation, ISBN/ISSN normalization, settings precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import load_settings
from normalizers.isbn import isbn10, isbn13, issn
from normalizers.text import clean_punctuation, exact, fold, has_marks


@pytest.mark.parametrize("text, folded", [
    ("Nguyễn Du", "nguyen du"), ("Đà Nẵng", "da nang"), ("ĐẠI HỌC", "dai hoc"),
    ("Hồ Chí Minh", "ho chi minh"), ("Việt", "viet"), ("viết", "viet"),
    ("Nguye\u0302\u0303n", "nguyen"), ("Ærø", "aero"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(fold(text)) == folded


def test_exact_keeps_diacritics_and_composes() -> None:
    assert exact("Vie\u0302\u0323t") == "việt" != exact("viết")


@pytest.mark.parametrize("raw, clean", [
    ("Hà Nội :", "Hà Nội"), ("The title /", "The title"), ("Smith, J.", "Smith, J."),
    ("1547 p. ;", "1547 p"), ("etc...", "etc..."),
])
def test_clean_punctuation(raw: str, clean: str) -> None:
    assert clean_punctuation(raw) == clean


@pytest.mark.parametrize("raw, expected", [
    ("0-19-852663-6 (pbk.)", "9780198526636"), ("978-0-19-852663-6", "9780198526636"),
    ("019852663X", None), ("0198526637", None), ("ISBN 604-0-00000-0", None),
    ("9786041086425", "9786041086425"), ("9786041086421", None),
])
def test_isbn13(raw: str, expected: str | None) -> None:
    assert isbn13(raw) == expected


def test_isbn10_and_issn() -> None:
    assert isbn10("9780198526636") == "0198526636"
    assert isbn10("9791034304569") is None
    assert issn("ISSN 0378-5955") == "0378-5955"
    assert issn("0378-5956") is None


def test_settings_precedence(tmp_path: Path) -> None:
    config = tmp_path / "unioncat.toml"
    config.write_text('port = 8100\ndata_dir = "from-toml"\n[search]\nbackend = "sqlite-fts"\n'
                      '[[sources]]\ncode = "VN-DT-001"\nname = "Thư viện tỉnh"\n', "utf-8")
    settings = load_settings(config, env={"UNIONCAT_PORT": "8200"}, host="0.0.0.0")
    assert (settings.port, settings.host, settings.data_dir) == (8200, "0.0.0.0",
                                                                 Path("from-toml"))
    assert settings.sources[0]["name"] == "Thư viện tỉnh"
    with pytest.raises(ValueError, match="whole number"):
        load_settings(config, env={"UNIONCAT_PORT": "eighty"})


@pytest.mark.parametrize(("text", "marked"), [
    ("Việt", True), ("viết nam", True), ("Nguye\u0302\u0303n", True), ("đ", True),
    ("viet", False), ("HISTORY", False), ("o'brien", False), ("история", False)])
def test_has_marks_says_whether_a_query_carries_diacritics(text: str, marked: bool) -> None:
    assert has_marks(text) is marked


def test_only_a_query_with_diacritics_asks_for_the_exact_form_ranking() -> None:
    from search.query import Scope, Term
    from search.sqlite_compile import compile_query

    def exact_match(value: str) -> str | None:
        return compile_query(Term("title", "all", value), Scope()).exact_match

    assert exact_match("history") is None
    assert exact_match("Việt") is not None
