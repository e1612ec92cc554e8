"""The CQL tree as XCQL XML text (for echoedSearchRetrieveRequest/xQuery)."""

from __future__ import annotations

from sru.cql import CQLQuery, Modifier, Node, Prefix, SearchClause
from sru.xmltext import Namespace

XCQL_NS = "http://www.loc.gov/zing/cql/xcql/"
X = Namespace("xcql", XCQL_NS)


def xcql(query: CQLQuery) -> str:
    """The XCQL of ``query``: its root node declaring the namespace, sort keys inside."""
    name, content = _node(query.root)
    if query.sort_keys:
        content += X.wrap("sortKeys", "".join(
            X.wrap("key", X.text("index", key.index) + _modifiers(key.modifiers))
            for key in query.sort_keys))
    return X.wrap(name, content, declare=True)


def _element(node: Node) -> str:
    return X.wrap(*_node(node))


def _node(node: Node) -> tuple[str, str]:
    """(element name, content) of a search clause or a triple."""
    if isinstance(node, SearchClause):
        relation = X.text("value", node.relation.value) + _modifiers(node.relation.modifiers)
        return "searchClause", (_prefixes(node.prefixes) + X.text("index", node.index)
                                + X.wrap("relation", relation) + X.text("term", node.term))
    boolean = X.text("value", node.boolean.value) + _modifiers(node.boolean.modifiers)
    return "triple", (_prefixes(node.prefixes) + X.wrap("boolean", boolean)
                      + X.wrap("leftOperand", _element(node.left))
                      + X.wrap("rightOperand", _element(node.right)))


def _prefixes(prefixes: tuple[Prefix, ...]) -> str:
    if not prefixes:
        return ""
    return X.wrap("prefixes", "".join(
        X.wrap("prefix", X.text("name", p.name) + X.text("identifier", p.identifier))
        for p in prefixes))


def _modifiers(modifiers: tuple[Modifier, ...]) -> str:
    if not modifiers:
        return ""
    return X.wrap("modifiers", "".join(X.wrap("modifier", _modifier(m)) for m in modifiers))


def _modifier(modifier: Modifier) -> str:
    text = X.text("type", modifier.name)
    if modifier.comparison is not None and modifier.value is not None:
        text += X.text("comparison", modifier.comparison) + X.text("value", modifier.value)
    return text
