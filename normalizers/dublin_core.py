"""Simple Dublin Core (``oai_dc``) -> a MARC ``Record``, so the rest of the pipeline
(Bib model, match keys, dedup, documents) is the same for DC feeds as for MARC ones.

title->245 (more titles 246), creator->100 then 700, contributor->700, subject->650,
publisher/date->260 and 008/07-10, identifier (ISBN)->020 (URL)->856, language->041 and
008/35-37, type->leader/06, description->520, rights->540.
"""

from __future__ import annotations

import re

from lxml import etree

from normalizers.decode import Decoded, record_from_fields
from normalizers.marc import Field, MarcError

DC_NS = "http://purl.org/dc/elements/1.1/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_ISBN = re.compile(r"(?:97[89][- ]?)?(?:\d[- ]?){9}[\dXx]")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
LANGUAGES = {"vi": "vie", "en": "eng", "fr": "fre", "zh": "chi", "ru": "rus", "de": "ger",
             "ja": "jpn", "ko": "kor", "km": "khm", "lo": "lao", "th": "tha", "es": "spa",
             "vietnamese": "vie", "tiếng việt": "vie", "english": "eng", "french": "fre"}
TYPES = {"text": "a", "book": "a", "image": "k", "still image": "k", "stillimage": "k",
         "sound": "i", "audio": "i", "music": "j", "moving image": "g", "movingimage": "g",
         "video": "g", "cartographic": "e", "map": "e", "software": "m", "dataset": "m",
         "interactive resource": "m", "physical object": "r", "physicalobject": "r",
         "notated music": "c", "manuscript": "t"}


def dc_values(data: bytes) -> dict[str, list[str]]:
    """Element name -> its non-empty texts, in document order."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise MarcError(f"invalid Dublin Core XML: {error.msg}") from error
    values: dict[str, list[str]] = {}
    for element in root.iter(f"{{{DC_NS}}}*"):
        text = " ".join((element.text or "").split())
        if text:
            values.setdefault(etree.QName(element).localname, []).append(text)
    return values


def dc_to_record(data: bytes) -> Decoded:
    """Raises MarcError when there is nothing to catalogue (no title)."""
    dc = dc_values(data)
    if not dc.get("title"):
        raise MarcError("Dublin Core record without dc:title")
    year = _year(dc.get("date", []))
    language = _language(dc.get("language", []))
    fields = [Field("008", data=_fixed_field(year, language))]
    fields += _isbns(dc.get("identifier", []))
    if language:
        fields.append(Field("041", "0", " ", [("a", language)]))
    fields += _names(dc.get("creator", []), dc.get("contributor", []))
    fields += _titles(dc["title"])
    fields += _publication(dc.get("publisher", []), dc.get("date", []))
    fields += [Field("520", " ", " ", [("a", v)]) for v in dc.get("description", [])]
    fields += [Field("540", " ", " ", [("a", v)]) for v in dc.get("rights", [])]
    fields += [Field("650", " ", "4", [("a", v)]) for v in dc.get("subject", [])]
    fields += _links(dc.get("identifier", []))
    leader = f"     n{_type(dc.get('type', []))}m a22     uu 4500"
    return record_from_fields(leader, fields)


def _titles(titles: list[str]) -> list[Field]:
    main, *others = titles
    title, _, rest = main.partition(" : ")
    subfields = [("a", title + (" :" if rest else ""))] + ([("b", rest)] if rest else [])
    return [Field("245", "0", "0", subfields)] + [
        Field("246", "3", " ", [("a", t)]) for t in others]


def _names(creators: list[str], contributors: list[str]) -> list[Field]:
    fields: list[Field] = []
    for position, name in enumerate(creators + contributors):
        ind1 = "1" if "," in name else "0"  # Vietnamese names come in direct order
        fields.append(Field("100" if position == 0 and creators else "700", ind1, " ",
                            [("a", name)]))
    return fields


def _publication(publishers: list[str], dates: list[str]) -> list[Field]:
    subfields = [("b", p) for p in publishers[:1]] + [("c", d) for d in dates[:1]]
    return [Field("260", " ", " ", subfields)] if subfields else []


def _isbns(identifiers: list[str]) -> list[Field]:
    found: list[Field] = []
    for value in identifiers:
        if value.lower().startswith(("http://", "https://")):
            continue
        match = _ISBN.search(value)
        if match and ("isbn" in value.lower() or len(value) <= 20):
            isbn = re.sub(r"[- ]", "", match.group(0)).upper()
            found.append(Field("020", " ", " ", [("a", isbn)]))
    return found


def _links(identifiers: list[str]) -> list[Field]:
    return [Field("856", "4", "0", [("u", v)]) for v in identifiers
            if v.lower().startswith(("http://", "https://"))]


def _year(dates: list[str]) -> str:
    for value in dates:
        match = _YEAR.search(value)
        if match:
            return match.group(1)
    return ""


def _language(values: list[str]) -> str:
    for value in values:
        key = value.strip().lower()
        if len(key) == 3 and key.isalpha():
            return key
        code = LANGUAGES.get(key) or LANGUAGES.get(key[:2] if "-" in key else "")
        if code:
            return code
    return ""


def _type(values: list[str]) -> str:
    for value in values:
        code = TYPES.get(value.strip().lower().rsplit("/", 1)[-1])
        if code:
            return code
    return "a"


def _fixed_field(year: str, language: str) -> str:
    dates = f"s{year}    " if year else "n        "
    return f"      {dates}xx {' ' * 17}{(language or 'und'):3} d"
