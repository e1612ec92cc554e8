"""XML written as text, byte for byte as lxml serializes the same elements.

Building a response as strings skips creating, then serializing, an lxml tree of small
elements: the bulk of the CPU an SRU searchRetrieve response cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What XML 1.0 cannot carry (lxml refuses it): control characters, lone surrogates,
# U+FFFE and U+FFFF.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def valid(text: str) -> str:
    """``text`` without the characters XML cannot carry."""
    return _INVALID.sub("", text)


def escape(text: str) -> str:
    """``text`` as character data, invalid characters dropped; like lxml, ">" and
    carriage returns are written as references too."""
    if not _SPECIAL.search(text):  # nearly always: one scan, no copy
        return text
    return (valid(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


@dataclass(frozen=True)
class Namespace:
    """Elements of one namespace, written with ``prefix``."""

    prefix: str
    uri: str

    def text(self, name: str, value: str) -> str:
        """An element holding ``value`` as escaped text."""
        return f"<{self.prefix}:{name}>{escape(value)}</{self.prefix}:{name}>"

    def open(self, name: str, declare: bool = False) -> str:
        """A start tag; ``declare`` puts the prefix's namespace declaration on it."""
        if declare:
            return f'<{self.prefix}:{name} xmlns:{self.prefix}="{self.uri}">'
        return f"<{self.prefix}:{name}>"

    def close(self, name: str) -> str:
        return f"</{self.prefix}:{name}>"

    def wrap(self, name: str, content: str, declare: bool = False) -> str:
        """An element around ``content`` (XML already written)."""
        return self.open(name, declare) + content + self.close(name)
