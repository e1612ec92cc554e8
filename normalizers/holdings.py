"""A member library's call number for a record, from the field it keeps holdings in.

Libraries differ: 852 $h$i (MARC holdings), 952 $o (Koha items), 090/099 $a$b (local
call numbers). The source's ``holdings_field`` names it, e.g. "952$o" or "852";
050/082 are the fallback so every holding shows something to find the book by.
"""

from __future__ import annotations

from normalizers.marc import FieldIndex, Record
from normalizers.text import clean_punctuation

DEFAULT_SUBFIELDS = {"852": "hij", "952": "o", "090": "ab", "099": "ab", "092": "ab"}


def call_number(record: Record | FieldIndex, holdings_field: str = "852") -> str:
    tag, _, codes = holdings_field.partition("$")
    codes = codes.replace("$", "") or DEFAULT_SUBFIELDS.get(tag, "ab")
    for fld in record.get_fields(tag):
        value = " ".join(v.strip() for c, v in fld.subfields if c in codes and v.strip())
        if value:
            return clean_punctuation(value)
    for tag, codes in (("050", "ab"), ("082", "a"), ("090", "ab")):
        for fld in record.get_fields(tag):
            value = " ".join(v.strip() for c, v in fld.subfields if c in codes and v.strip())
            if value:
                return clean_punctuation(value)
    return ""
