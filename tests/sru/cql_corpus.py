r"""CQL parser corpus: query text -> expected XCQL-shaped tree, and invalid queries.

Sources:

* ``SPEC_LOC``: the examples of the Library of Congress CQL 1.2 specification
  (www.loc.gov/standards/sru/cql/spec.html) and of its CQL context set page.
* ``SPEC_OASIS``: examples of OASIS searchRetrieve Part 5 (CQL), sections 1-4.
* ``CQL_JAVA``: the public regression corpus of cql-java (test/regression/queries.raw,
  Index Data), valid and invalid sections.
* ``OURS``: cases written from the grammar (precedence, association, escapes, modifiers,
  prefixes, sortBy, Vietnamese terms, and the error paths).

Every expected tree was written by hand in XCQL's shape (``searchClause`` with
``prefixes``/``index``/``relation``/``term``; ``triple`` with ``boolean``/``leftOperand``/
``rightOperand``; ``sortKeys``); terms keep their escapes as written, like XCQL.
"""

from __future__ import annotations

from typing import Any

SC = "cql.serverChoice"
Tree = dict[str, Any]


def m(name: str, comparison: str | None = None, value: str | None = None) -> dict[str, str]:
    data = {"type": name}
    if comparison is not None and value is not None:
        data["comparison"] = comparison
        data["value"] = value
    return data


def rel(value: str, *mods: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"value": value}
    if mods:
        data["modifiers"] = list(mods)
    return data


def pfx(name: str, identifier: str) -> dict[str, str]:
    return {"name": name, "identifier": identifier}


def sc(term: str, index: str = SC, relation: str | dict[str, Any] = "=",
       prefixes: tuple[dict[str, str], ...] = ()) -> Tree:
    body: dict[str, Any] = {}
    if prefixes:
        body["prefixes"] = list(prefixes)
    body["index"] = index
    body["relation"] = rel(relation) if isinstance(relation, str) else relation
    body["term"] = term
    return {"searchClause": body}


def t(op: str, left: Tree, right: Tree, *mods: dict[str, str],
      prefixes: tuple[dict[str, str], ...] = ()) -> Tree:
    body: dict[str, Any] = {}
    if prefixes:
        body["prefixes"] = list(prefixes)
    boolean: dict[str, Any] = {"value": op}
    if mods:
        boolean["modifiers"] = list(mods)
    body["boolean"] = boolean
    body["leftOperand"] = left
    body["rightOperand"] = right
    return {"triple": body}


def key(index: str, *mods: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"index": index}
    if mods:
        data["modifiers"] = list(mods)
    return data


def sort(tree: Tree, *keys: dict[str, Any]) -> Tree:
    return {**tree, "sortKeys": list(keys)}


DC11 = "info:srw/context-sets/1/dc-v1.1"

SPEC_LOC: list[tuple[str, Tree]] = [
    ("dc.title any fish", sc("fish", "dc.title", "any")),
    ("dc.title any fish or dc.creator any sanderson",
     t("or", sc("fish", "dc.title", "any"), sc("sanderson", "dc.creator", "any"))),
    ("dc.title any fish sortBy dc.date/sort.ascending",
     sort(sc("fish", "dc.title", "any"), key("dc.date", m("sort.ascending")))),
    ('> dc = "info:srw/context-sets/1/dc-v1.1" dc.title any fish',
     sc("fish", "dc.title", "any", prefixes=(pfx("dc", DC11),))),
    ("fish", sc("fish")),
    ("cql.serverChoice = fish", sc("fish")),
    ('"fish"', sc("fish")),
    ('"squirrels fish"', sc("squirrels fish")),
    ('""', sc("")),
    ("title any fish", sc("fish", "title", "any")),
    ("dc.title any/relevant fish", sc("fish", "dc.title", rel("any", m("relevant")))),
    ("dc.title any/ relevant /cql.string fish",
     sc("fish", "dc.title", rel("any", m("relevant"), m("cql.string")))),
    ("dc.title any/rel.algorithm=cori fish",
     sc("fish", "dc.title", rel("any", m("rel.algorithm", "=", "cori")))),
    ('dc.title any fish or (dc.creator any sanderson and dc.identifier = "id:1234567")',
     t("or", sc("fish", "dc.title", "any"),
       t("and", sc("sanderson", "dc.creator", "any"), sc("id:1234567", "dc.identifier")))),
    ("dc.title any fish or/rel.combine=sum dc.creator any sanderson",
     t("or", sc("fish", "dc.title", "any"), sc("sanderson", "dc.creator", "any"),
       m("rel.combine", "=", "sum"))),
    ("dc.title any fish prox/unit=word/distance>3 dc.title any squirrel",
     t("prox", sc("fish", "dc.title", "any"), sc("squirrel", "dc.title", "any"),
       m("unit", "=", "word"), m("distance", ">", "3"))),
    ('"cat" sortBy dc.title', sort(sc("cat"), key("dc.title"))),
    ('"dinosaur" sortBy dc.date/sort.descending dc.title/sort.ascending',
     sort(sc("dinosaur"), key("dc.date", m("sort.descending")),
          key("dc.title", m("sort.ascending")))),
    ('cql.resultSetId = "5940824f-a2ae-41d0-99af-9a20bc4047b1"',
     sc("5940824f-a2ae-41d0-99af-9a20bc4047b1", "cql.resultSetId")),
    ("cql.allRecords = 1 NOT dc.title = fish",
     t("not", sc("1", "cql.allRecords"), sc("fish", "dc.title"))),
    ("cql.allIndexes = fish", sc("fish", "cql.allIndexes")),
    ('dc.title = "^cat says \\"fish\\""', sc('^cat says \\"fish\\"', "dc.title")),
]

SPEC_OASIS: list[tuple[str, Tree]] = [
    ("cat", sc("cat")),
    ("title = cat", sc("cat", "title")),
    ("title = raven and creator = poe",
     t("and", sc("raven", "title"), sc("poe", "creator"))),
    ("title = raven sortBy date/ascending",
     sort(sc("raven", "title"), key("date", m("ascending")))),
    ('dc.title = "fish*"', sc("fish*", "dc.title")),
    ("dc.title adj \"lord of the rings\"", sc("lord of the rings", "dc.title", "adj")),
    ('dc.creator all "herman melville"', sc("herman melville", "dc.creator", "all")),
    ('dc.date within "2002 2005"', sc("2002 2005", "dc.date", "within")),
    ("dc.title == \"A Tale of Two Cities\"", sc("A Tale of Two Cities", "dc.title", "==")),
    ("dc.date > 1950", sc("1950", "dc.date", ">")),
    ("dc.date <> 1950", sc("1950", "dc.date", "<>")),
    ("cat and/rel.combine=sum dog",
     t("and", sc("cat"), sc("dog"), m("rel.combine", "=", "sum"))),
    ("cat prox/unit=sentence/distance=1 dog",
     t("prox", sc("cat"), sc("dog"), m("unit", "=", "sentence"), m("distance", "=", "1"))),
    ("title=cat sortBy title/sort.ignoreCase/sort.missingLow",
     sort(sc("cat", "title"), key("title", m("sort.ignoreCase"), m("sort.missingLow")))),
]

CQL_JAVA: list[tuple[str, Tree]] = [
    ('"cat"', sc("cat")),
    ("comp.os.linux", sc("comp.os.linux")),
    ("xml:element", sc("xml:element")),
    ('"="', sc("=")),
    ('"prox/distance<3/unit=word"', sc("prox/distance<3/unit=word")),
    ('("cat")', sc("cat")),
    ("((dog))", sc("dog")),
    ("all", sc("all")),
    ("prox", sc("prox")),
    ('title = "fish"', sc("fish", "title")),
    ("title exact fish", sc("fish", "title", "exact")),
    ("title all fish", sc("fish", "title", "all")),
    ("title > 9", sc("9", "title", ">")),
    ("title >= 23", sc("23", "title", ">=")),
    ('dc.title any "fish chips"', sc("fish chips", "dc.title", "any")),
    ("dc.title any/stem fish", sc("fish", "dc.title", rel("any", m("stem")))),
    ('dc.fish all/stem/fuzzy "fish chips"',
     sc("fish chips", "dc.fish", rel("all", m("stem"), m("fuzzy")))),
    ("(title any frog)", sc("frog", "title", "any")),
    ('((dc.title any/stem "frog pond"))', sc("frog pond", "dc.title", rel("any", m("stem")))),
    ("dc.title =/rel.algorithm=CORI squid",
     sc("squid", "dc.title", rel("=", m("rel.algorithm", "=", "CORI")))),
    ('author any/f.foo/b.bar>1 "sanderson taylor"',
     sc("sanderson taylor", "author", rel("any", m("f.foo"), m("b.bar", ">", "1")))),
    ("numberOfLegs <= 4", sc("4", "numberOfLegs", "<=")),
    ("numberOfLegs <> 4", sc("4", "numberOfLegs", "<>")),
    ("title == jaws", sc("jaws", "title", "==")),
    ("cat or dog", t("or", sc("cat"), sc("dog"))),
    ("cat not frog", t("not", sc("cat"), sc("frog"))),
    ('"cat" not "fish food"', t("not", sc("cat"), sc("fish food"))),
    ('xml and "prox///"', t("and", sc("xml"), sc("prox///"))),
    ("fred and any", t("and", sc("fred"), sc("any"))),
    ("((fred or all))", t("or", sc("fred"), sc("all"))),
    ("a or b and c not d",
     t("not", t("and", t("or", sc("a"), sc("b")), sc("c")), sc("d"))),
    ('bath.author any fish and dc.title all "cat dog"',
     t("and", sc("fish", "bath.author", "any"), sc("cat dog", "dc.title", "all"))),
    ('(title any/stem "fish dog" or and)',
     t("or", sc("fish dog", "title", rel("any", m("stem"))), sc("and"))),
    ("cat prox/distance=3/unit=word/ordered hat",
     t("prox", sc("cat"), sc("hat"), m("distance", "=", "3"), m("unit", "=", "word"),
       m("ordered"))),
    ("cat prox/distance<3 hat", t("prox", sc("cat"), sc("hat"), m("distance", "<", "3"))),
    ('(dc.author == "jones" prox/distance>5/unit=element title >= "smith")',
     t("prox", sc("jones", "dc.author", "=="), sc("smith", "title", ">="),
       m("distance", ">", "5"), m("unit", "=", "element"))),
    ("((cat prox hat))", t("prox", sc("cat"), sc("hat"))),
    ("a and/rel.SumOfScores b", t("and", sc("a"), sc("b"), m("rel.SumOfScores"))),
    ("a and/rel.algorithm=CORI b",
     t("and", sc("a"), sc("b"), m("rel.algorithm", "=", "CORI"))),
    ("(cat^)", sc("cat^")),
    ('"^cat says \\"fish\\""', sc('^cat says \\"fish\\"')),
    ('"cat*fish"', sc("cat*fish")),
    ("cat?dog", sc("cat?dog")),
    ('(("^cat*fishdog\\"horse?"))', sc('^cat*fishdog\\"horse?')),
    ("(((cat or dog) or horse) and frog)",
     t("and", t("or", t("or", sc("cat"), sc("dog")), sc("horse")), sc("frog"))),
    ("(cat and dog) or (horse and frog)",
     t("or", t("and", sc("cat"), sc("dog")), t("and", sc("horse"), sc("frog")))),
    ("(cat and (horse or frog)) and chips",
     t("and", t("and", sc("cat"), t("or", sc("horse"), sc("frog"))), sc("chips"))),
    ('> foo="http://www.loc.gov/zing/cql/dc-indexes/" dc.title="fish"',
     sc("fish", "dc.title", prefixes=(pfx("foo", "http://www.loc.gov/zing/cql/dc-indexes/"),))),
    ('> "http://www.loc.gov/zing/cql/dc-indexes/" title="fish"',
     sc("fish", "title", prefixes=(pfx("", "http://www.loc.gov/zing/cql/dc-indexes/"),))),
    ('> foo="http://www.loc.gov/zing/cql/dc-indexes" > ccg = '
     '"http://srw.o-r-g.org/cql/indexSets/ccg/" foo.title="fish" and ccg.force=3',
     t("and", sc("fish", "foo.title"), sc("3", "ccg.force"),
       prefixes=(pfx("foo", "http://www.loc.gov/zing/cql/dc-indexes"),
                 pfx("ccg", "http://srw.o-r-g.org/cql/indexSets/ccg/")))),
    ("any or all:stem and all contains any prox proxfuzzy",
     t("prox", t("and", t("or", sc("any"), sc("all:stem")), sc("any", "all", "contains")),
       sc("proxfuzzy"))),
    ("(((((((((any)))))))))", sc("any")),
    ("> any > any = exact any > any",
     sc("any", "any", ">", prefixes=(pfx("", "any"), pfx("any", "exact")))),
    ("kernighan sortby title", sort(sc("kernighan"), key("title"))),
    ("kernighan and ritchie sortby title",
     sort(t("and", sc("kernighan"), sc("ritchie")), key("title"))),
    ("dc.creator=kernighan sortby dc.title",
     sort(sc("kernighan", "dc.creator"), key("dc.title"))),
    ("dc.creator=kernighan sortby numberOfLegs/cql.number",
     sort(sc("kernighan", "dc.creator"), key("numberOfLegs", m("cql.number")))),
    ("dc.creator=kernighan sortby dc.title/sort.respectCase",
     sort(sc("kernighan", "dc.creator"), key("dc.title", m("sort.respectCase")))),
    ('"quoted" any "illegal quotes"', sc("illegal quotes", "quoted", "any")),
    ("index any/wrong term", sc("term", "index", rel("any", m("wrong")))),
    ("a prox/wrong b", t("prox", sc("a"), sc("b"), m("wrong"))),
]
# cql-java's '"fish food" prox/unit=sentence and title all "chips frog"' is not valid
# CQL 1.2 ('and' is read as the right operand's term, then 'title' is stray): in INVALID.

OURS: list[tuple[str, Tree]] = [
    # precedence: one level, left to right; parentheses override
    ("a and b or c", t("or", t("and", sc("a"), sc("b")), sc("c"))),
    ("a or b and c", t("and", t("or", sc("a"), sc("b")), sc("c"))),
    ("a and (b or c)", t("and", sc("a"), t("or", sc("b"), sc("c")))),
    ("a not b not c", t("not", t("not", sc("a"), sc("b")), sc("c"))),
    ("a prox b and c", t("and", t("prox", sc("a"), sc("b")), sc("c"))),
    ("(a)and(b)", t("and", sc("a"), sc("b"))),
    ("a AND b", t("and", sc("a"), sc("b"))),
    ("a Or b", t("or", sc("a"), sc("b"))),
    ("a NOT b", t("not", sc("a"), sc("b"))),
    ("a PROX b", t("prox", sc("a"), sc("b"))),
    ("(a or b) and (c or d) not e",
     t("not", t("and", t("or", sc("a"), sc("b")), t("or", sc("c"), sc("d"))), sc("e"))),
    ("a and b and c and d",
     t("and", t("and", t("and", sc("a"), sc("b")), sc("c")), sc("d"))),
    # index / relation / term forms
    ("dc.title=fish", sc("fish", "dc.title")),
    ("dc.title= fish", sc("fish", "dc.title")),
    ("dc.title =fish", sc("fish", "dc.title")),
    ("dc.date<=2000", sc("2000", "dc.date", "<=")),
    ("dc.date>=2000", sc("2000", "dc.date", ">=")),
    ("dc.date<2000", sc("2000", "dc.date", "<")),
    ("dc.date>2000", sc("2000", "dc.date", ">")),
    ("dc.date<>2000", sc("2000", "dc.date", "<>")),
    ("dc.title==fish", sc("fish", "dc.title", "==")),
    ("dc.title ANY fish", sc("fish", "dc.title", "ANY")),
    ("bath.isbn = 0306406152", sc("0306406152", "bath.isbn")),
    ("uc.library = VN-DT-001", sc("VN-DT-001", "uc.library")),
    ("uc.libraryType exact public", sc("public", "uc.libraryType", "exact")),
    ("rec.identifier = \"c-123\"", sc("c-123", "rec.identifier")),
    ("cql.allRecords = 1", sc("1", "cql.allRecords")),
    ("dc.title any and", sc("and", "dc.title", "any")),
    ('dc.title any "and"', sc("and", "dc.title", "any")),
    ("dc.title = sortby", sc("sortby", "dc.title")),
    ("dc.title adj \"nguyễn du\"", sc("nguyễn du", "dc.title", "adj")),
    ("dc.creator = \"Nguyễn Du\" and dc.title any kiều",
     t("and", sc("Nguyễn Du", "dc.creator"), sc("kiều", "dc.title", "any"))),
    ("đất", sc("đất")),
    ("title = \"\"", sc("", "title")),
    ("fish*", sc("fish*")),
    ("*fish", sc("*fish")),
    ("fi?h", sc("fi?h")),
    ("^fish", sc("^fish")),
    ("fish\\*", sc("fish\\*")),
    ('"a \\\\ b"', sc("a \\\\ b")),
    ('"tab\there"', sc("tab\there")),
    ("dc.title any \"x\\\"y\"", sc('x\\"y', "dc.title", "any")),
    ("\"with (parens)\"", sc("with (parens)")),
    ("\"a=b\" = c", sc("c", "a=b")),
    # relation modifiers
    ("dc.title =/cql.string fish", sc("fish", "dc.title", rel("=", m("cql.string")))),
    ("dc.title any/ignoreCase/ignoreAccents fish",
     sc("fish", "dc.title", rel("any", m("ignoreCase"), m("ignoreAccents")))),
    ("dc.date within/cql.isoDate \"2000 2010\"",
     sc("2000 2010", "dc.date", rel("within", m("cql.isoDate")))),
    ("x =/a=1/b<>2/c fish",
     sc("fish", "x", rel("=", m("a", "=", "1"), m("b", "<>", "2"), m("c")))),
    ("x any/m=\"quoted value\" y", sc("y", "x", rel("any", m("m", "=", "quoted value")))),
    # boolean modifiers
    ("a prox/distance<=2/unit=word/unordered b",
     t("prox", sc("a"), sc("b"), m("distance", "<=", "2"), m("unit", "=", "word"),
       m("unordered"))),
    ("a or/rel.combine=max b", t("or", sc("a"), sc("b"), m("rel.combine", "=", "max"))),
    ("a not/x b", t("not", sc("a"), sc("b"), m("x"))),
    # prefixes
    ('> dc = "info:srw/cql-context-set/1/dc-v1.1" (dc.title = a or dc.creator = b)',
     t("or", sc("a", "dc.title"), sc("b", "dc.creator"),
       prefixes=(pfx("dc", "info:srw/cql-context-set/1/dc-v1.1"),))),
    ('(> x = "info:srw/cql-context-set/1/dc-v1.1" x.title = a) and b',
     t("and", sc("a", "x.title", prefixes=(pfx("x", "info:srw/cql-context-set/1/dc-v1.1"),)),
       sc("b"))),
    ('> "info:srw/cql-context-set/1/dc-v1.1" title = a',
     sc("a", "title", prefixes=(pfx("", "info:srw/cql-context-set/1/dc-v1.1"),))),
    ('>x=y a', sc("a", prefixes=(pfx("x", "y"),))),
    ('> u = "urn:x" u.idx = a sortBy u.idx',
     sort(sc("a", "u.idx", prefixes=(pfx("u", "urn:x"),)), key("u.idx"))),
    # sortBy
    ("a sortBy dc.title", sort(sc("a"), key("dc.title"))),
    ("a SORTBY dc.title", sort(sc("a"), key("dc.title"))),
    ("a sortby dc.date/sort.descending", sort(sc("a"), key("dc.date", m("sort.descending")))),
    ("a and b sortBy dc.date/descending dc.title/ascending/ignoreCase",
     sort(t("and", sc("a"), sc("b")), key("dc.date", m("descending")),
          key("dc.title", m("ascending"), m("ignoreCase")))),
    ("a sortBy dc.title/sort.missingValue=zzz",
     sort(sc("a"), key("dc.title", m("sort.missingValue", "=", "zzz")))),
    ("(a or b) sortBy x y z", sort(t("or", sc("a"), sc("b")), key("x"), key("y"), key("z"))),
    ("dc.title any fish sortBy \"dc.title\"",
     sort(sc("fish", "dc.title", "any"), key("dc.title"))),
    ("a b c", sc("c", "a", "b")),
    ("a sortBy x and y", sort(sc("a"), key("x"), key("and"), key("y"))),
    ("dc.title any fish and not",
     t("and", sc("fish", "dc.title", "any"), sc("not"))),
    # whitespace
    ("  fish  ", sc("fish")),
    ("\tdc.title\nany\r\nfish ", sc("fish", "dc.title", "any")),
    ("( ( a ) )", sc("a")),
]

VALID: list[tuple[str, Tree]] = SPEC_LOC + SPEC_OASIS + CQL_JAVA + OURS

# Invalid queries: (query, a fragment the error message must contain, 0-based position).
INVALID: list[tuple[str, str, int]] = [
    # cql-java's "invalid searches" section
    ("> ===", "prefix name", 2),
    ("cat or", "search term", 6),
    ("index any", "search term after the relation", 9),
    ("()", "search term before ')'", 1),
    ("(a", "expected ')'", 2),
    ("index any fish)", "unbalanced ')'", 14),
    ("(cat any dog or ())", "search term before ')'", 17),
    ('title = ("illegal parentheses")', "search term after the relation", 8),
    ('> illegal="urn:missingQuery"', "search term", 28),
    ('"fish" and > illegal="urn:invalidPrefixLocation" "chips"', "search term or '('", 11),
    ('"fish food" prox/unit=sentence and title all "chips frog"',
     "boolean operator or 'sortBy'", 45),
    # ours
    ("", "empty query", 0),
    ("   ", "empty query", 0),
    ("Truyện Kiều", "search term after the relation", 11),
    ("a and", "search term", 5),
    ("a and or b", "search term after the relation", 10),
    ("a b c d", "boolean operator", 6),
    ("dc.title = ", "search term after the relation", 11),
    ("= fish", "search term or '('", 0),
    ("dc.title = = fish", "search term after the relation", 11),
    ('"unterminated', "unterminated quoted string", 0),
    ('dc.title = "fish', "unterminated quoted string", 11),
    ("(a or b", "expected ')'", 7),
    ("a or b)", "unbalanced ')'", 6),
    ("((a)", "expected ')'", 4),
    ("a sortBy", "index to sort by", 8),
    ("a sortBy (x)", "index to sort by", 9),
    ("a sortBy x = y", "after the sort specification", 11),
    ("dc.title any/ fish", "search term after the relation", 18),
    ("dc.title any/= fish", "modifier name", 13),
    ("dc.title any/x= fish", "search term after the relation", 20),
    ("a prox/ b", "search term", 9),
    ("a and/ b", "search term", 8),
    ("a and/x=  ", "value after '='", 10),
    ("> x = ", "context set identifier", 6),
    (">", "prefix name", 1),
    ("a and > x = y b", "search term or '('", 6),
    ("a / b", "boolean operator", 2),
    ("dc.title any fish (", "boolean operator", 18),
    ("(", "search term or '('", 1),
    (")", "search term before ')'", 0),
    ("a = b = c", "boolean operator", 6),
    ("a sortBy x/", "modifier name", 11),
    ("sortBy x", "search term after the relation", 8),
    ("cat prox", "search term", 8),
    ("dc.title <", "search term after the relation", 10),
    ("dc.title any fish and not and", "search term", 29),
]
