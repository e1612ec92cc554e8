"""Each HTTP response leaves in one write (header block and body joined)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.http_protocol import FLUSH_AT, _JoiningTransport


class _Recording:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> str:
        return "paused"


def _joining() -> tuple[_JoiningTransport, _Recording, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    raw = _Recording()
    return _JoiningTransport(raw, loop), raw, loop  # type: ignore[arg-type]


def test_writes_of_one_turn_go_out_together_at_its_end() -> None:
    joined, raw, loop = _joining()
    try:
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"<body/>")
        assert raw.writes == [] and joined.get_write_buffer_size() == 26
        loop.run_until_complete(asyncio.sleep(0))
        assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\n<body/>"]
        joined.write(b"next")
        joined.flush()  # the response is complete: no waiting for the turn to end
        loop.run_until_complete(asyncio.sleep(0))
        assert raw.writes[1:] == [b"next"]
    finally:
        loop.close()


def test_large_bodies_and_closing_are_not_held() -> None:
    joined, raw, loop = _joining()
    try:
        joined.write(b"h")
        joined.write(b"x" * FLUSH_AT)
        assert raw.writes == [b"h" + b"x" * FLUSH_AT]
        joined.write(b"last words")
        joined.close()
        assert raw.writes[-1] == b"last words" and raw.closed
        held: Any = joined.pause_reading()  # anything else is the transport's own
        assert held == "paused"
    finally:
        loop.close()
