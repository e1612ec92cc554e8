"""The CQL tree as XCQL XML (for echoedSearchRetrieveRequest/xQuery)."""

from __future__ import annotations

from lxml import etree

from sru.cql import CQLQuery, Modifier, Node, Prefix, SearchClause

XCQL_NS = "http://www.loc.gov/zing/cql/xcql/"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{XCQL_NS}}}{name}", nsmap={"xcql": XCQL_NS})
    if text is not None:
        element.text = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
    return element


def xcql_into(parent: etree._Element, query: CQLQuery) -> None:
    """Append the XCQL of ``query`` to ``parent`` (an xQuery element)."""
    node = _node(parent, query.root)
    if query.sort_keys:
        keys = _sub(node, "sortKeys")
        for key in query.sort_keys:
            entry = _sub(keys, "key")
            _sub(entry, "index", key.index)
            _modifiers(entry, key.modifiers)


def _node(parent: etree._Element, node: Node) -> etree._Element:
    if isinstance(node, SearchClause):
        element = _sub(parent, "searchClause")
        _prefixes(element, node.prefixes)
        _sub(element, "index", node.index)
        relation = _sub(element, "relation")
        _sub(relation, "value", node.relation.value)
        _modifiers(relation, node.relation.modifiers)
        _sub(element, "term", node.term)
        return element
    element = _sub(parent, "triple")
    _prefixes(element, node.prefixes)
    boolean = _sub(element, "boolean")
    _sub(boolean, "value", node.boolean.value)
    _modifiers(boolean, node.boolean.modifiers)
    _node(_sub(element, "leftOperand"), node.left)
    _node(_sub(element, "rightOperand"), node.right)
    return element


def _prefixes(parent: etree._Element, prefixes: tuple[Prefix, ...]) -> None:
    if prefixes:
        holder = _sub(parent, "prefixes")
        for prefix in prefixes:
            entry = _sub(holder, "prefix")
            _sub(entry, "name", prefix.name)
            _sub(entry, "identifier", prefix.identifier)


def _modifiers(parent: etree._Element, modifiers: tuple[Modifier, ...]) -> None:
    if modifiers:
        holder = _sub(parent, "modifiers")
        for modifier in modifiers:
            entry = _sub(holder, "modifier")
            _sub(entry, "type", modifier.name)
            if modifier.comparison is not None and modifier.value is not None:
                _sub(entry, "comparison", modifier.comparison)
                _sub(entry, "value", modifier.value)
