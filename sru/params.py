"""Reading and checking SRU parameter values (every bad value is a diagnostic)."""

from __future__ import annotations

from sru.diagnostics import UnsupportedParameterValue
from sru.request import SruRequest


def integer(request: SruRequest, name: str, default: int, minimum: int) -> int:
    text = request.get(name).strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 9:
        raise UnsupportedParameterValue(f"{name}: {text}")
    value = int(text)
    if value < minimum:
        raise UnsupportedParameterValue(f"{name}: {text}")
    return value
