"""uvicorn's HTTP/1.1 protocol (httptools, C parser) as unioncat serves it: TCP_NODELAY on
every connection, and each response leaving in one write.

* With several workers the listening socket is created with protocol number 0, so asyncio
  does not set TCP_NODELAY on accepted sockets; Nagle then held each response's last
  segment for the client's delayed ACK: a fixed ~40 ms on every request.
* uvicorn writes the header block and the body separately: two sends, two segments, and
  a client that wakes (and parses) twice per answer. Under load that cost the benchmark
  client a third more CPU per SRU request than one-write servers. Writes made in one turn
  of the event loop are joined and sent at its end (or at the end of the response), so a
  response goes out in one send; large bodies are not held back.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 256 * 1024  # bytes held at most before they are written anyway


class _JoiningTransport:
    """The connection's transport, with ``write`` joining the writes of one loop turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))
        self._size += len(data)
        if self._size >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self._held:
            data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
            self._held.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._size + self._transport.get_write_buffer_size()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class ServingHttpProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # uvloop's transports are not asyncio.Transport subclasses, but write alike
        joined = _JoiningTransport(cast(asyncio.Transport, transport),
                                   asyncio.get_running_loop())
        super().connection_made(joined)  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]  # the answer is whole: send it
        super().on_response_complete()


__all__ = ["ServingHttpProtocol"]
