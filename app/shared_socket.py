"""Lend one listening socket, bound once by the supervising process, to every worker.

uvicorn spawns its workers as fresh interpreters that inherit no file descriptors but the
HTTP socket it hands them. The Z39.50 socket reaches them over a Unix socket in a private
directory (SCM_RIGHTS): all workers then accept from one queue, so a busy worker can leave
a new association to an idle one (with SO_REUSEPORT the kernel hashes each association to
a fixed process, however busy). A worker uvicorn restarts borrows it again the same way.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from pathlib import Path

__all__ = ["SocketLender", "bind_listener", "borrow"]

_REQUEST = b"lend"


def bind_listener(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6, as the host resolves)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family, backlog=backlog)


class SocketLender:
    """Serves ``sock``'s descriptor to any process of this user that asks, until closed."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._dir = Path(tempfile.mkdtemp(prefix="unioncat-sockets-"))  # mode 0700
        self.path = str(self._dir / "z3950")
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        self._server.listen()
        self._thread = threading.Thread(target=self._lend, name="socket-lender", daemon=True)

    def start(self) -> SocketLender:
        self._thread.start()
        return self

    def _lend(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # closed
            with conn, contextlib.suppress(OSError):
                socket.send_fds(conn, [_REQUEST], [self.sock.fileno()])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def borrow(path: str, timeout: float = 10.0) -> socket.socket:
    """The listening socket a ``SocketLender`` at ``path`` lends (a duplicate descriptor)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(path)
        _, fds, _, _ = socket.recv_fds(conn, len(_REQUEST), 1)
    if not fds:
        raise OSError(f"no socket received from {path}")
    return socket.socket(fileno=fds[0])
