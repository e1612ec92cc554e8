"""The asyncio TCP server: framing, limits and timeouts around ``Session``.

A connection that sends garbage, an oversized or malformed APDU, or nothing for
``idle_timeout`` seconds gets a Close APDU naming the reason and is closed; the server and
the other connections carry on.

Each connection is an ``asyncio.Protocol`` (not a stream reader/writer and a task): the
loop hands it the bytes it reads, and a request whose backend call finishes inline is
answered within that callback, with no task, future or timeout made for it. Only a
request that waits (a slow search moved to a worker thread) continues in a task, with
reading paused until it is answered, so pipelined requests are still answered in order.

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
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Protocol, cast

from search.backend import SearchBackend
from z3950 import pdu
from z3950.ber import BerError, frame_length
from z3950.dispatch import ProtocolReceiver
from z3950.session import Reply, Session
from z3950.settings import Z3950Settings

__all__ = ["Listener", "Z3950Settings", "Z3950Thread", "serve_z3950"]

log = logging.getLogger("unioncat.z3950")
MIN_REQUEST_LIMIT = 16 * 1024
APDU_TAG_BITS = 0xA0  # every APDU is a context-specific, constructed element


class _Closing(Exception):
    def __init__(self, reason: int, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Listener(Protocol):
    """What ``serve_z3950`` returns: where it listens, and how to stop it."""

    @property
    def sockets(self) -> tuple[socket.socket, ...]: ...

    def close(self) -> None: ...

    async def wait_closed(self) -> None: ...


class Z3950Listener:
    """An ``asyncio.Server`` or a ``dispatch.ProtocolReceiver``, and the connections open
    through it (which ``close`` leaves to run to their end)."""

    def __init__(self, listener: asyncio.Server | ProtocolReceiver,
                 connections: set[Connection]) -> None:
        self._listener = listener
        self.connections = connections

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._listener.sockets)

    def close(self) -> None:
        self._listener.close()

    async def wait_closed(self) -> None:
        await self._listener.wait_closed()

    def abort_connections(self) -> None:
        for connection in list(self.connections):
            connection.abort()


async def serve_z3950(backend: SearchBackend, settings: Z3950Settings,
                      dispatcher: str | None = None) -> Z3950Listener:
    """Start listening on ``settings.host:settings.port``, or take the connections the
    ``dispatch.Dispatcher`` at path ``dispatcher`` hands over; returns the listener."""
    connections: set[Connection] = set()
    if dispatcher is not None:
        def handed(on_end: Callable[[], None]) -> Connection:
            return Connection(backend, settings, connections, on_end)
        return Z3950Listener(ProtocolReceiver(dispatcher, handed), connections)
    server = await asyncio.get_running_loop().create_server(
        lambda: Connection(backend, settings, connections), settings.host, settings.port)
    return Z3950Listener(server, connections)


class Connection(asyncio.Protocol):
    """One association: frames APDUs from the bytes read, answers each in order."""

    def __init__(self, backend: SearchBackend, settings: Z3950Settings,
                 connections: set[Connection],
                 on_end: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.session = Session(backend, settings)
        self.connections = connections  # the open ones, for the connection limit
        self.on_end = on_end
        self.buffer = bytearray()
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.peer: object = None
        self.task: asyncio.Task[None] | None = None  # a request that waits
        self.paused = False  # the write buffer is full: answer nothing more until it drains
        self.eof = False
        self.closing = False
        self.last = self.loop.time()  # of the last byte read or reply sent
        self.timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------ transport callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a cast, not isinstance: uvloop's transports do not derive from asyncio's
        self.transport = transport = cast(asyncio.Transport, transport)
        if len(self.connections) >= self.settings.max_connections:
            self.closing = True
            transport.write(pdu.close(pdu.CLOSE_RESOURCES, "too many connections"))
            transport.close()
            return
        self.connections.add(self)
        self.peer = transport.get_extra_info("peername")
        self.timer = self.loop.call_at(self.last + self.settings.idle_timeout, self._idle)

    def data_received(self, data: bytes) -> None:
        self.last = self.loop.time()
        self.buffer += data
        if not (self.task or self.paused or self.closing):
            self._answer_buffered()

    def eof_received(self) -> bool:
        self.eof = True
        if self.task or self.paused:
            return True  # keep writing: the client may read what it asked for
        self._end_of_input()
        return False

    def pause_writing(self) -> None:
        self.paused = True
        self._reading()

    def resume_writing(self) -> None:
        self.paused = False
        self._reading()
        self._answer_buffered()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
        if self.task is not None:
            self.task.cancel()
        self.connections.discard(self)
        if self.on_end is not None:
            self.on_end()

    # ------------------------------------------------------------ requests
    def _answer_buffered(self) -> None:
        """Answer the complete APDUs buffered, until one has to wait."""
        try:
            while not (self.task or self.paused or self.closing):
                data = self._next_pdu()
                if data is None:
                    break
                try:
                    request = pdu.parse_request(data)
                except BerError as error:
                    raise _Closing(pdu.CLOSE_PROTOCOL_ERROR,
                                   f"malformed APDU: {error}") from error
                self._handle(request)
        except _Closing as closing:
            log.info("Z39.50 closing %s: %s", self.peer, closing.message)
            self._close(pdu.close(closing.reason, closing.message))
        except Exception:
            log.exception("Z39.50 connection %s failed", self.peer)
            self._close(pdu.close(pdu.CLOSE_SYSTEM_PROBLEM, "internal error"))
        if self.eof and not (self.task or self.paused or self.closing):
            self._end_of_input()

    def _handle(self, request: pdu.Request) -> None:
        """Run the session on ``request``: to its end here when nothing in it waits (a
        backend call finished inline), else on in a task."""
        handling = self.session.handle(request)
        try:
            waiting = handling.send(None)
        except StopIteration as done:
            self._reply(done.value)
            return
        self.task = self.loop.create_task(self._finish(handling, waiting))
        self._reading()

    async def _finish(self, handling: Coroutine[Any, Any, Reply], waiting: Any) -> None:
        try:
            reply = await _Resumed(handling, waiting)
        except asyncio.CancelledError:  # the connection was lost, or the server stops
            handling.close()  # if cancelled before it resumed
            raise
        except Exception:
            log.exception("Z39.50 connection %s failed", self.peer)
            reply = Reply(pdu.close(pdu.CLOSE_SYSTEM_PROBLEM, "internal error"), True)
        self.task = None
        self._reply(reply)
        self._reading()
        self._answer_buffered()

    def _reply(self, reply: Reply) -> None:
        if reply.data is not None:
            self._write(reply.data)
        if reply.close:
            self._close(None)
        self.last = self.loop.time()

    # ------------------------------------------------------------ framing
    def _limit(self) -> int:
        if not self.session.initialized:
            return self.settings.max_pdu_size
        negotiated = max(self.session.preferred_message_size, MIN_REQUEST_LIMIT)
        return min(self.settings.max_pdu_size, negotiated)

    def _next_pdu(self) -> bytes | None:
        """The next complete APDU's bytes, or None until more bytes come."""
        buffer = self.buffer
        if not buffer:
            return None
        if buffer[0] & 0xE0 != APDU_TAG_BITS:
            raise _Closing(pdu.CLOSE_PROTOCOL_ERROR, "not a Z39.50 APDU")
        try:
            size = frame_length(buffer, self._limit())
        except BerError as error:
            raise _Closing(pdu.CLOSE_PROTOCOL_ERROR, str(error)) from error
        if size is None:
            return None
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    # ------------------------------------------------------------ flow and ending
    def _reading(self) -> None:
        """Read only while requests can be answered: not while one waits or while the
        client does not read its answers (back-pressure, and the buffer stays small)."""
        if self.transport is None or self.closing:
            return
        if self.task or self.paused:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def _idle(self) -> None:
        """The idle timer: close after ``idle_timeout`` s without a byte while nothing
        is being answered; the timer is re-armed lazily rather than on every read."""
        timeout = self.settings.idle_timeout
        now = self.loop.time()
        if self.task or self.paused or now - self.last < timeout:
            due = now + timeout if self.task or self.paused else self.last + timeout
            self.timer = self.loop.call_at(due, self._idle)
            return
        message = f"idle for {timeout:g} s"
        log.info("Z39.50 closing %s: %s", self.peer, message)
        self._close(pdu.close(pdu.CLOSE_LACK_OF_ACTIVITY, message))

    def _end_of_input(self) -> None:
        if self.buffer:
            log.info("Z39.50 client left in the middle of an APDU")
        self._close(None)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _close(self, last: bytes | None) -> None:
        """Send ``last`` (a Close APDU), then close once the written bytes are sent."""
        if last is not None:
            self._write(last)
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class _Resumed:
    """Awaits the rest of a coroutine that ``send(None)`` started and that yielded
    ``waiting``: the task awaiting this sees what it would see running the coroutine
    from its start (each future it waits on, a cancellation thrown into it)."""

    def __init__(self, coroutine: Coroutine[Any, Any, Reply], waiting: Any) -> None:
        self.coroutine = coroutine
        self.waiting = waiting

    def __await__(self) -> Generator[Any, None, Reply]:
        waiting = self.waiting
        while True:
            error: BaseException | None = None
            try:
                yield waiting
            except BaseException as thrown:  # cancelled: let the coroutine clean up
                error = thrown
            try:
                waiting = (self.coroutine.send(None) if error is None
                           else self.coroutine.throw(error))
            except StopIteration as done:
                reply: Reply = done.value
                return reply


class Z3950Thread:
    """The server on its own event loop in a daemon thread (for synchronous callers)."""

    def __init__(self, backend: SearchBackend, settings: Z3950Settings,
                 loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
                 ) -> None:
        self.backend = backend
        self.settings = settings
        self.loop = loop_factory()
        self.server: Z3950Listener | None = None
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


async def _shutdown(server: Z3950Listener) -> None:
    server.close()
    server.abort_connections()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), 5)
