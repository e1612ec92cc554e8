"""MODS 3.x from the MARC record model (our own mapping, after LoC's MARC-to-MODS table)."""

from __future__ import annotations

from lxml import etree

from normalizers.marc import Field, Record

MODS_NS = "http://www.loc.gov/mods/v3"
MODS_VERSION = "3.7"

RESOURCE_TYPES = {
    "a": "text", "t": "text", "e": "cartographic", "f": "cartographic",
    "c": "notated music", "d": "notated music", "i": "sound recording-nonmusical",
    "j": "sound recording-musical", "k": "still image", "g": "moving image",
    "r": "three dimensional object", "m": "software, multimedia", "o": "kit",
    "p": "mixed material",
}
ISSUANCE = {"m": "monographic", "s": "continuing", "i": "integrating resource",
            "a": "monographic", "b": "serial", "c": "monographic", "d": "monographic"}
NAME_TYPES = {"100": "personal", "700": "personal", "110": "corporate", "710": "corporate",
              "111": "conference", "711": "conference"}
TRAILING = " /:;,=."


def _m(name: str) -> str:
    return f"{{{MODS_NS}}}{name}"


def _text(parent: etree._Element, name: str, value: str,
          **attrs: str) -> etree._Element | None:
    value = _clean(value).strip().rstrip(TRAILING).strip()
    if not value:
        return None
    element = etree.SubElement(parent, _m(name), attrib=attrs)
    element.text = value
    return element


def mods_element(record: Record) -> etree._Element:
    root = etree.Element(_m("mods"), nsmap={None: MODS_NS},  # type: ignore[dict-item]
                         version=MODS_VERSION)
    _title(root, record)
    for fld in record.get_fields("100", "110", "111", "700", "710", "711"):
        _name(root, fld)
    leader = (record.leader + " " * 24)[:24]
    _text(root, "typeOfResource", RESOURCE_TYPES.get(leader[6], ""))
    _origin(root, record, leader)
    _language(root, record)
    _physical(root, record)
    for fld in record.get_fields("520"):
        _text(root, "abstract", fld.text("a"))
    for fld in record.fields:
        if fld.tag.startswith("5") and fld.tag != "520" and not fld.is_control:
            _text(root, "note", fld.text())
    _subjects(root, record)
    for fld in record.get_fields("050"):
        _text(root, "classification", fld.text("ab").replace(" ", ""), authority="lcc")
    for fld in record.get_fields("082"):
        _text(root, "classification", fld.text("a"), authority="ddc")
    _series(root, record)
    _identifiers(root, record)
    _locations(root, record)
    info = etree.SubElement(root, _m("recordInfo"))
    _text(info, "recordIdentifier", record.control("001"))
    if len(info) == 0:
        root.remove(info)
    return root


def _title(root: etree._Element, record: Record) -> None:
    fld = record.first("245")
    if fld is None:
        return
    info = etree.SubElement(root, _m("titleInfo"))
    title = fld.get("a") or ""
    skip = int(fld.ind2) if fld.ind2.isdigit() else 0
    if 0 < skip < len(title):
        _text(info, "nonSort", title[:skip])
        title = title[skip:]
    _text(info, "title", title)
    _text(info, "subTitle", fld.text("b"))
    _text(info, "partNumber", fld.text("n"))
    _text(info, "partName", fld.text("p"))
    if len(info) == 0:
        root.remove(info)


def _name(root: etree._Element, fld: Field) -> None:
    name = etree.SubElement(root, _m("name"), type=NAME_TYPES[fld.tag])
    if fld.tag.startswith("1"):
        name.set("usage", "primary")
    _text(name, "namePart", fld.text("aq" if fld.tag.endswith("00") else "abn"))
    _text(name, "namePart", fld.text("d"), type="date")
    role_terms = fld.values("e") or (["creator"] if fld.tag.startswith("1") else [])
    for term in role_terms:
        role = etree.SubElement(name, _m("role"))
        _text(role, "roleTerm", term, type="text", authority="marcrelator")


def _origin(root: etree._Element, record: Record, leader: str) -> None:
    origin = etree.SubElement(root, _m("originInfo"))
    imprint = record.first("260") or record.first("264")
    if imprint is not None:
        for place in imprint.values("a"):
            _text(etree.SubElement(origin, _m("place")), "placeTerm", place, type="text")
        for publisher in imprint.values("b"):
            _text(origin, "publisher", publisher)
        for date in imprint.values("c"):
            _text(origin, "dateIssued", date)
    fixed = record.control("008")
    if len(fixed) >= 11 and fixed[7:11].isdigit():
        _text(origin, "dateIssued", fixed[7:11], encoding="marc")
    edition = record.first("250")
    if edition is not None:
        _text(origin, "edition", edition.text("ab"))
    _text(origin, "issuance", ISSUANCE.get(leader[7], ""))
    for empty in origin.findall(_m("place")):
        if len(empty) == 0:
            origin.remove(empty)
    if len(origin) == 0:
        root.remove(origin)


def _language(root: etree._Element, record: Record) -> None:
    fixed = record.control("008")
    code = fixed[35:38].strip() if len(fixed) >= 38 else ""
    if code and code.isalpha():
        language = etree.SubElement(root, _m("language"))
        _text(language, "languageTerm", code, authority="iso639-2b", type="code")


def _physical(root: etree._Element, record: Record) -> None:
    fld = record.first("300")
    if fld is not None:
        physical = etree.SubElement(root, _m("physicalDescription"))
        _text(physical, "extent", fld.text("abcefg"))
        if len(physical) == 0:
            root.remove(physical)


def _subjects(root: etree._Element, record: Record) -> None:
    for fld in record.get_fields("600", "610", "611", "630", "650", "651"):
        subject = etree.SubElement(root, _m("subject"))
        if fld.ind2 == "0":
            subject.set("authority", "lcsh")
        if fld.tag in ("600", "610", "611"):
            name = etree.SubElement(subject, _m("name"), type=NAME_TYPES["1" + fld.tag[1:]])
            _text(name, "namePart", fld.text("abcdq"))
        elif fld.tag == "651":
            _text(subject, "geographic", fld.get("a") or "")
        else:
            _text(subject, "topic", fld.get("a") or "")
        for code, value in fld.subfields:
            if code in "xvyz":
                kind = {"x": "topic", "v": "genre", "y": "temporal", "z": "geographic"}[code]
                _text(subject, kind, value)
        if len(subject) == 0:
            root.remove(subject)


def _series(root: etree._Element, record: Record) -> None:
    for fld in record.get_fields("490", "830", "440"):
        related = etree.SubElement(root, _m("relatedItem"), type="series")
        _text(etree.SubElement(related, _m("titleInfo")), "title", fld.text("anp"))
        if len(related[0]) == 0:
            root.remove(related)


def _identifiers(root: etree._Element, record: Record) -> None:
    for tag, kind, codes in (("020", "isbn", "a"), ("022", "issn", "a"), ("010", "lccn", "a"),
                             ("024", "local", "a")):
        for fld in record.get_fields(tag):
            for value in fld.values(codes):
                _text(root, "identifier", value.split(" (")[0], type=kind)


def _locations(root: etree._Element, record: Record) -> None:
    for fld in record.get_fields("852"):
        location = etree.SubElement(root, _m("location"))
        label = " ".join(x for x in (fld.get("a") or "", fld.get("b") or "") if x)
        _text(location, "physicalLocation", label)
        _text(location, "shelfLocator", fld.get("h") or "")
        if len(location) == 0:
            root.remove(location)


def _clean(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
