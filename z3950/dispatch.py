"""One process accepts Z39.50 connections and hands each to the least busy worker.

With several serving processes, associations must be spread by load: they are long (a
cataloguer's session, a client's connection pool), so where each lands decides the load
for its whole life. SO_REUSEPORT hashes them to processes blindly, and processes racing on
one accept queue take them by timing. Here the supervising process accepts
(``Dispatcher``, a thread) and passes each socket over a Unix socket (SCM_RIGHTS) to the
worker serving the fewest associations; each worker (``ProtocolReceiver``) writes one
byte back when one of them ends. The Unix socket lives in a private (0700) directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import selectors
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["Dispatcher", "ProtocolFactory", "ProtocolReceiver"]

log = logging.getLogger("unioncat.z3950")
_HANDED = b"c"  # sent with each descriptor
_ENDED = b"-"  # sent back when an association ends
_MAX_FDS = 64  # descriptors taken in one receive

ProtocolFactory = Callable[[Callable[[], None]], asyncio.Protocol]


_RETRY_AFTER_ERROR = 0.1  # seconds (out of descriptors, say)


class Dispatcher:
    """Accepts on ``host:port`` and hands each connection to the least busy worker that
    has connected to ``path``. Connections wait in the kernel's queue while none has.
    Binding raises OSError (the address is taken, say) at once."""

    def __init__(self, host: str, port: int, backlog: int = 128) -> None:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        self.listener = socket.create_server((host, port), family=family, backlog=backlog)
        self.listener.setblocking(False)
        self._dir = Path(tempfile.mkdtemp(prefix="unioncat-z3950-"))
        self.path = str(self._dir / "workers")
        self._workers = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._workers.bind(self.path)
        self._workers.listen()
        self._load: dict[socket.socket, int] = {}  # worker -> associations it serves
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._workers, selectors.EVENT_READ, self._join)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="z3950-dispatch", daemon=True)

    def start(self) -> Dispatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._closing.is_set():
            for key, _ in self._selector.select(timeout=0.5):
                try:
                    key.data(key.fileobj)
                except BlockingIOError:
                    pass  # the client left before its accept
                except OSError as error:
                    log.warning("Z39.50 dispatch: %s", error)
                    time.sleep(_RETRY_AFTER_ERROR)

    def _join(self, _: socket.socket) -> None:
        worker, _ = self._workers.accept()
        if not self._load:
            self._selector.register(self.listener, selectors.EVENT_READ, self._hand)
        self._load[worker] = 0
        self._selector.register(worker, selectors.EVENT_READ, self._report)

    def _report(self, worker: socket.socket) -> None:
        data = worker.recv(4096)
        if data:
            self._load[worker] -= data.count(_ENDED)
            return
        self._leave(worker)  # the worker stopped or died, and its associations with it

    def _leave(self, worker: socket.socket) -> None:
        self._selector.unregister(worker)
        del self._load[worker]
        worker.close()
        if not self._load:
            self._selector.unregister(self.listener)

    def _hand(self, _: socket.socket) -> None:
        conn, _ = self.listener.accept()
        with conn:
            for worker in sorted(self._load, key=self._load.__getitem__):
                try:
                    socket.send_fds(worker, [_HANDED], [conn.fileno()])
                except OSError:
                    self._leave(worker)
                    continue
                self._load[worker] += 1
                return

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=5)
        for sock in [*self._load, self._workers, self.listener]:
            sock.close()
        self._selector.close()
        shutil.rmtree(self._dir, ignore_errors=True)


class ProtocolReceiver:
    """A worker's end of the dispatcher at ``path``: serves each connection it hands over
    with the ``asyncio.Protocol`` that ``factory(on_end)`` makes (the protocol calls
    ``on_end`` once, when its connection is lost) and reports each one's end."""

    sockets: tuple[socket.socket, ...] = ()  # listens on nothing itself

    def __init__(self, path: str, factory: ProtocolFactory) -> None:
        self._factory = factory
        self._connecting: set[asyncio.Task[None]] = set()  # held, or they may be collected
        self._channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._channel.connect(path)
        self._channel.setblocking(False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._channel, self._receive)

    def _receive(self) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self._channel, _MAX_FDS, _MAX_FDS)
        except BlockingIOError:
            return
        except OSError:
            data, fds = b"", []
        if not data:
            log.warning("Z39.50 dispatcher went away: no new associations here")
            self.close()
        for fd in fds:
            conn = socket.socket(fileno=fd)
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one-PDU replies
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        task = self._loop.create_task(self._connect(conn))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(
                lambda: self._factory(self._ended), conn)
        except OSError:
            conn.close()
            self._ended()

    def _ended(self) -> None:
        with contextlib.suppress(OSError):
            self._channel.send(_ENDED)

    def close(self) -> None:
        """Take no more associations (the open ones carry on to their end)."""
        if self._channel.fileno() >= 0:
            self._loop.remove_reader(self._channel)
            self._channel.close()

    async def wait_closed(self) -> None:
        """Nothing to wait for: see ``close``."""
