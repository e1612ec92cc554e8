"""Backend calls from an event loop: on the loop itself when they finish within a few
milliseconds, else in a worker thread.

Handing every search to a worker thread cost a third of a served Z39.50 request's CPU (the
thread hop, then the GIL passed back and forth with the loop), while most searches take
well under a millisecond. A backend that can bound its own reads (``Brief``: the SQLite
backend interrupts a statement past the deadline) runs the call inline under a budget;
a call that overruns it is abandoned, nothing having changed, and run again in a worker
thread, so a slow search still never holds the loop (and the other connections) for
more than about the budget. Other backends (OpenSearch: network I/O) always use a
thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import ParamSpec, Protocol, TypeVar

BUDGET_S = 0.004  # what a call may hold the event loop before it moves to a thread

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Overran(BaseException):
    """A call made under ``Brief.briefly`` ran past its deadline and was interrupted;
    nothing changed. A BaseException so that ``except Exception`` in the code between
    (protocol handlers answering errors as diagnostics) lets it through."""


class Brief(Protocol):
    def briefly(self, seconds: float) -> AbstractContextManager[None]:
        """Reads in this thread, inside the block, raise ``Overran`` once ``seconds``
        have passed (or at once for a read known to be long)."""


async def call(backend: object, func: Callable[_P, _T], *args: _P.args,
               **kwargs: _P.kwargs) -> _T:
    """``func(*args, **kwargs)``, inline within ``BUDGET_S`` if ``backend`` is ``Brief``,
    otherwise (or when it overruns) in a worker thread."""
    # Brief.briefly, looked up rather than isinstance(): ~20 us for a Protocol
    briefly: Callable[[float], AbstractContextManager[None]] | None = getattr(
        backend, "briefly", None)
    if briefly is not None:
        try:
            with briefly(BUDGET_S):
                return func(*args, **kwargs)
        except Overran:
            pass
    return await asyncio.to_thread(func, *args, **kwargs)
