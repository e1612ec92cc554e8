"""The SQLite backend's key helpers: fast folding equals normalizers.text.fold, ISBN forms."""

from __future__ import annotations

import unicodedata

import pytest

from normalizers.text import fold
from search.sqlite_keys import fast_fold, isbn_forms, keyword_key

SAMPLES = ["Hồ Chí Minh toàn tập", "ĐẤT RỪNG PHƯƠNG NAM", "Nguyễn Du", "Việt viết vịt",
           "O'Reilly", "Straße Œuvre Łódź", "naïve café", "Ngữ văn 12 — tập 2",
           "漢字 chữ Nôm", "한국어", "İstanbul"]


@pytest.mark.parametrize("text", SAMPLES)
def test_fast_fold_equals_fold(text: str) -> None:
    assert fast_fold(text) == fold(text)
    nfd = unicodedata.normalize("NFD", text)
    assert fast_fold(nfd) == fold(nfd)


def test_isbn_forms() -> None:
    assert isbn_forms("978-1-4493-5573-9") == ["9781449355739", "1449355730"]
    assert isbn_forms("0-521-87586-2") == ["0521875862", "9780521875868"]
    assert isbn_forms("9786045700189 (bìa mềm)") == ["9786045700189", "604570018X"]
    assert isbn_forms("") == []


def test_keyword_keys() -> None:
    assert keyword_key("issn", "0866-7365") == "08667365"
    assert keyword_key("district", "  Lấp   Vò ") == "lap vo"
    assert keyword_key("id", " Ab-1 ") == "Ab-1"
