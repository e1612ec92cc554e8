"""The asyncio TCP server: framing, limits and timeouts around ``Session``.

A connection that sends garbage, an oversized or malformed APDU, or nothing for
``idle_timeout`` seconds gets a Close APDU naming the reason and is closed; the server and
the other connections carry on.

For the app::

    server = await serve_z3950(backend, Z3950Settings(port=2100))   # inside an event loop
    ...
    server.close(); await server.wait_closed()

or, from synchronous code, ``Z3950Thread(backend, settings).start()`` / ``.stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from typing import Protocol

from search.backend import SearchBackend
from z3950 import pdu
from z3950.ber import BerError, frame_length
from z3950.dispatch import Receiver
from z3950.session import Session
from z3950.settings import Z3950Settings

__all__ = ["Listener", "Z3950Settings", "Z3950Thread", "serve_z3950"]

log = logging.getLogger("unioncat.z3950")
READ_CHUNK = 64 * 1024
MIN_REQUEST_LIMIT = 16 * 1024
APDU_TAG_BITS = 0xA0  # every APDU is a context-specific, constructed element


class _Closing(Exception):
    def __init__(self, reason: int, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Listener(Protocol):
    """What ``serve_z3950`` returns: an ``asyncio.Server`` or a ``dispatch.Receiver``."""

    @property
    def sockets(self) -> tuple[socket.socket, ...]: ...

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...


async def serve_z3950(backend: SearchBackend, settings: Z3950Settings,
                      dispatcher: str | None = None) -> Listener:
    """Start listening on ``settings.host:settings.port``, or take the connections the
    ``dispatch.Dispatcher`` at path ``dispatcher`` hands over; returns the listener."""
    active: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(active) >= settings.max_connections:
            await _refuse(writer)
            return
        assert task is not None
        active.add(task)
        try:
            await Connection(backend, settings, reader, writer).run()
        finally:
            active.discard(task)

    if dispatcher is not None:
        return Receiver(dispatcher, on_connect, READ_CHUNK)
    return await asyncio.start_server(on_connect, settings.host, settings.port,
                                      limit=READ_CHUNK)


async def _refuse(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        writer.write(pdu.close(pdu.CLOSE_RESOURCES, "too many connections"))
        await writer.drain()
    writer.close()


class Connection:
    def __init__(self, backend: SearchBackend, settings: Z3950Settings,
                 reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.settings = settings
        self.session = Session(backend, settings)
        self.reader = reader
        self.writer = writer
        self.buffer = bytearray()

    async def run(self) -> None:
        peer = self.writer.get_extra_info("peername")
        try:
            await self._loop()
        except _Closing as closing:
            log.info("Z39.50 closing %s: %s", peer, closing.message)
            await self._send(pdu.close(closing.reason, closing.message))
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("Z39.50 connection %s failed", peer)
            await self._send(pdu.close(pdu.CLOSE_SYSTEM_PROBLEM, "internal error"))
        finally:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def _loop(self) -> None:
        while True:
            data = await self._next_pdu()
            if data is None:
                return
            try:
                request = pdu.parse_request(data)
            except BerError as error:
                raise _Closing(pdu.CLOSE_PROTOCOL_ERROR, f"malformed APDU: {error}") from error
            reply = await self.session.handle(request)
            if reply.data is not None:
                await self._send(reply.data)
            if reply.close:
                return

    def _limit(self) -> int:
        if not self.session.initialized:
            return self.settings.max_pdu_size
        negotiated = max(self.session.preferred_message_size, MIN_REQUEST_LIMIT)
        return min(self.settings.max_pdu_size, negotiated)

    async def _next_pdu(self) -> bytes | None:
        """The next complete APDU's bytes, or None at a clean end of stream."""
        while True:
            if self.buffer and self.buffer[0] & 0xE0 != APDU_TAG_BITS:
                raise _Closing(pdu.CLOSE_PROTOCOL_ERROR, "not a Z39.50 APDU")
            try:
                size = frame_length(self.buffer, self._limit())
            except BerError as error:
                raise _Closing(pdu.CLOSE_PROTOCOL_ERROR, str(error)) from error
            if size is not None:
                data = bytes(self.buffer[:size])
                del self.buffer[:size]
                return data
            chunk = await self._read()
            if not chunk:
                if self.buffer:
                    log.info("Z39.50 client left in the middle of an APDU")
                return None
            self.buffer += chunk

    async def _read(self) -> bytes:
        try:
            # asyncio.timeout, not wait_for: no task wrapped around every read
            async with asyncio.timeout(self.settings.idle_timeout):
                return await self.reader.read(READ_CHUNK)
        except TimeoutError:
            raise _Closing(pdu.CLOSE_LACK_OF_ACTIVITY,
                           f"idle for {self.settings.idle_timeout:g} s") from None

    async def _send(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            self.writer.write(data)
            if self.writer.transport.get_write_buffer_size():  # else nothing to wait for
                await self.writer.drain()


class Z3950Thread:
    """The server on its own event loop in a daemon thread (for synchronous callers)."""

    def __init__(self, backend: SearchBackend, settings: Z3950Settings) -> None:
        self.backend = backend
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.server: Listener | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="z3950",
                                       daemon=True)

    def start(self) -> int:
        """Start serving; returns the bound port (useful with ``port=0``)."""
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(
            serve_z3950(self.backend, self.settings), self.loop)
        self.server = future.result(timeout=10)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    def stop(self) -> None:
        if self.server is not None:
            server = self.server
            asyncio.run_coroutine_threadsafe(_shutdown(server), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _shutdown(server: Listener) -> None:
    server.close()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), 5)
