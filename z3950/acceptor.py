"""Accept from a listening socket that several serving processes share, least busy first.

Every process watches the same accept queue, and a new association wakes them all. Each
waits before it accepts, longer the more associations it already serves, so the least busy
process takes it and the others find the queue empty. Z39.50 associations are long (a
cataloguer's session, a client's pool), so where each lands decides how the load is spread
for its whole life; with SO_REUSEPORT the kernel would hash it to a fixed process, however
busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable

__all__ = ["PAUSE_PER_CONNECTION", "BalancedListener"]

log = logging.getLogger("unioncat.z3950")
PAUSE_PER_CONNECTION = 0.01  # seconds of accept delay per association already served
MAX_PAUSE = 0.1  # a busy process still takes a new client within a blink
RETRY_AFTER_ERROR = 0.1  # out of descriptors or memory: try again shortly

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class BalancedListener:
    """Serves ``handler`` on connections accepted from the shared ``sock`` (stream
    buffers of ``limit`` bytes), one accept per wake-up."""

    def __init__(self, sock: socket.socket, handler: Handler, limit: int) -> None:
        sock.setblocking(False)
        self.sockets = (sock,)
        self._handler = handler
        self._limit = limit
        self._loop = asyncio.get_running_loop()
        self._connections: set[asyncio.Task[None]] = set()
        self._closed = False
        self._watch()

    def _watch(self) -> None:
        if not self._closed:
            self._loop.add_reader(self.sockets[0], self._on_readable)

    def _on_readable(self) -> None:
        self._loop.remove_reader(self.sockets[0])
        delay = min(MAX_PAUSE, PAUSE_PER_CONNECTION * len(self._connections))
        if delay:
            self._loop.call_later(delay, self._accept_one)
        else:
            self._accept_one()

    def _accept_one(self) -> None:
        if self._closed:
            return
        try:
            conn, _ = self.sockets[0].accept()
        except (BlockingIOError, InterruptedError):
            pass  # a less busy process took it
        except OSError as error:
            log.warning("Z39.50 accept failed: %s", error)
            self._loop.call_later(RETRY_AFTER_ERROR, self._watch)
            return
        else:
            task = self._loop.create_task(self._serve(conn))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        self._watch()

    async def _serve(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one-PDU replies
        try:
            reader, writer = await asyncio.open_connection(sock=conn, limit=self._limit)
        except OSError:
            conn.close()
            return
        await self._handler(reader, writer)

    def close(self) -> None:
        """Stop accepting (this process only: the others keep the shared socket)."""
        if not self._closed:
            self._closed = True
            self._loop.remove_reader(self.sockets[0])
            self.sockets[0].close()

    async def wait_closed(self) -> None:
        """Nothing to wait for: accepting stops at ``close``; open associations carry on
        until their clients or the idle timeout end them."""
