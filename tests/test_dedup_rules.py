"""The verification rules, one by one, on real LC records and their other-library copies."""

from __future__ import annotations

import copy

from bench import dedup_variants as v
from normalizers.marc import Field, Record
from normalizers.matchkeys import edition_key, keys_of, part_key
from tests.dedup_support import (
    AGAINST_THE_FLOOD,
    CHILD_VERSE,
    SPRING_ESSENCE,
    compare,
    profile,
    real,
    rng,
)


def test_isbn10_vs_isbn13_hyphens_and_qualifier_match() -> None:
    base = real(AGAINST_THE_FLOOD)
    other = v.relabel(v.isbn_forms(base, rng()), "VN-DT-010", 7)
    assert profile(other).isbns == profile(base).isbns == ["9781880684672"]
    verdict = compare(base, other)
    assert verdict.match and "isbn" in verdict.reason


def test_isbn_only_in_020z_still_matches() -> None:
    base = real(SPRING_ESSENCE)
    verdict = compare(base, v.drop_ids(v.isbn_to_z(base, rng()), rng()))
    assert verdict.match and verdict.reason.startswith("shared isbn")


def test_no_isbn_punctuation_nfd_subtitle_dropped_still_matches() -> None:
    base = v.drop_ids(real(CHILD_VERSE), rng())
    other = v.nfd(v.drop_subtitle(v.punctuation(base, rng()), rng()), rng())
    verdict = compare(base, other)
    assert verdict.match and verdict.reason == "same title, author and year"


def test_direct_and_inverted_vietnamese_names_give_one_author_key() -> None:
    base = real(AGAINST_THE_FLOOD)  # 100 1_ "Ma, Văn Kháng."
    direct = v.name_order(base, rng())
    assert direct.first("100").ind1 == "0"  # type: ignore[union-attr]
    assert direct.subfield("100", "a") == "Ma Văn Kháng"
    assert profile(direct).author == profile(base).author == ["khang", "ma", "van"]
    short_keys = {k for k in keys_of(profile(base)) if k[0] == "short"}
    assert short_keys <= keys_of(profile(direct))
    assert compare(v.drop_isbn(v.drop_ids(base, rng()), rng()), direct).match


def test_different_years_never_match_even_with_the_same_isbn() -> None:
    base = real(SPRING_ESSENCE)
    verdict = compare(base, v.reprint(base, rng()))
    assert not verdict.match and verdict.reason.startswith("years differ")


def test_edition_statements_compare_normalized() -> None:
    assert edition_key("2nd ed.") == edition_key("Second edition") == "n:2"
    assert edition_key("1st ed.") == edition_key("") == ""
    assert edition_key("Tái bản lần thứ hai") == edition_key("2nd ed.")
    assert edition_key("1st") != edition_key("2nd")
    base = real(AGAINST_THE_FLOOD)  # 250 "1st ed."
    second = copy.deepcopy(base)
    for fld in second.get_fields("250"):
        fld.subfields = [("a", "2nd ed.")]
    verdict = compare(base, second)
    assert not verdict.match and verdict.reason.startswith("editions differ")
    assert not compare(base, v.other_edition(base, rng())).match


def test_first_edition_statement_equals_none() -> None:
    base = real(AGAINST_THE_FLOOD)
    plain = copy.deepcopy(base)
    plain.fields = [f for f in plain.fields if f.tag != "250"]
    assert compare(base, plain).match


def test_other_volume_of_a_set_never_matches_despite_the_set_isbn() -> None:
    assert part_key("Tập 1") == part_key("v. 1") == part_key("Part I") == "1"
    one = v.as_volume_one(real(SPRING_ESSENCE))
    two = v.other_volume(real(SPRING_ESSENCE), rng())
    assert profile(one).isbns == profile(two).isbns
    verdict = compare(one, two)
    assert not verdict.match and verdict.reason.startswith("volumes or parts differ")


def test_series_numbers_differ() -> None:
    base = real(SPRING_ESSENCE)
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    a.fields.append(Field("490", "0", " ", [("a", "Tủ sách văn học ;"), ("v", "tập 3")]))
    b.fields.append(Field("490", "0", " ", [("a", "Tủ sách văn học ;"), ("v", "tập 4")]))
    verdict = compare(a, b)
    assert not verdict.match and verdict.reason.startswith("series numbers differ")


def test_page_counts_far_apart_never_match() -> None:
    base = real(AGAINST_THE_FLOOD)  # 309 p.
    close, far = _pages(base, "312 p. ;"), _pages(base, "450 p. ;")
    assert compare(base, close).match
    verdict = compare(base, far)
    assert not verdict.match and verdict.reason.startswith("page counts differ")


def _pages(record: Record, extent: str) -> Record:
    out = copy.deepcopy(record)
    for fld in out.get_fields("300"):
        fld.subfields = [("a", extent if c == "a" else val) for c, val in fld.subfields]
    return out


def test_low_title_similarity_never_matches_even_with_a_shared_isbn() -> None:
    base = real(AGAINST_THE_FLOOD)
    other = copy.deepcopy(real(SPRING_ESSENCE))
    other.fields = [f for f in other.fields if f.tag not in ("020", "010")] + [
        f for f in base.fields if f.tag == "020"]  # an ISBN reused for another book
    other.fields.sort(key=lambda f: f.tag)
    for fld in other.get_fields("100"):
        fld.subfields = [("a", "Ma, Văn Kháng.")]
    for fld in other.get_fields("008"):
        fld.data = (base.control("008"))
    other = _pages(other, "309 p. ;")
    verdict = compare(base, other)
    assert not verdict.match and verdict.reason.startswith("titles differ")


def test_same_title_by_another_author_never_matches() -> None:
    base = real(CHILD_VERSE)
    verdict = compare(base, v.other_author(base, rng()))
    assert not verdict.match and "author" in verdict.reason


def test_book_ebook_and_serial_never_match() -> None:
    base = real(AGAINST_THE_FLOOD)
    ebook = copy.deepcopy(base)
    for fld in ebook.get_fields("008"):
        data = fld.data or ""
        fld.data = data[:23] + "o" + data[24:]
    serial = copy.deepcopy(base)
    serial.leader = serial.leader[:7] + "s" + serial.leader[8:]
    assert compare(base, ebook).reason.startswith("formats differ")
    assert compare(base, serial).reason.startswith("formats differ")
    assert not compare(base, ebook).match and not compare(ebook, serial).match


def test_translation_never_matches() -> None:
    base = real(AGAINST_THE_FLOOD)
    verdict = compare(base, v.translation(base, rng()))
    assert not verdict.match


def test_different_lccns_never_match() -> None:
    base = real(CHILD_VERSE)
    other = copy.deepcopy(base)
    for fld in other.get_fields("010"):
        fld.subfields = [("a", "   00000099 ")]
    verdict = compare(base, other)
    assert not verdict.match and verdict.reason == "different lccn numbers"


def test_blocked_identifier_proves_nothing() -> None:
    from normalizers.matching import verify

    base = real(SPRING_ESSENCE)
    other = v.drop_ids(v.relabel(base, "VN-DT-011", 3), rng())
    for fld in other.get_fields("008"):
        data = fld.data or ""
        fld.data = data[:7] + "    " + data[11:]  # no year: only the ISBN can prove it
    a, b = profile(base), profile(other)
    assert verify(a, b).match
    assert not verify(a, b, frozenset({"isbn:9781556591488"})).match


def test_match_keys_cover_isbn_lccn_oclc_and_title() -> None:
    kinds = {k for k, _ in keys_of(profile(real(CHILD_VERSE)))}
    assert {"lccn", "oclc", "title", "short", "tyear"} <= kinds
    assert ("isbn", "9781880684672") in keys_of(profile(real(AGAINST_THE_FLOOD)))
