"""The connection as an asyncio.Protocol, on asyncio's loop and on uvloop (what `unioncat
serve` runs): pipelining, half-close, requests that wait in a thread, back-pressure, the
dispatcher hand-over."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
import uvloop

from search.backend import SearchBackend
from search.document import CatalogDocument, SearchResult
from search.query import SearchRequest
from search.sqlite_fts import SqliteFtsBackend
from z3950 import ber, pdu
from z3950.dispatch import Dispatcher
from z3950.server import Z3950Listener, Z3950Settings, Z3950Thread, serve_z3950

from .rawclient import (
    closed,
    connect,
    hit_count,
    init_request,
    initialized,
    present_request,
    read_pdu,
    search_request,
)

Catalog = tuple[SqliteFtsBackend, dict[str, CatalogDocument]]
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
SLOW = 0.4  # seconds a slow backend takes per search


class SlowBackend:
    """The catalog, with searches that take ``SLOW`` s and cannot run inline (no
    ``briefly``), so each one waits in a worker thread."""

    def __init__(self, inner: SqliteFtsBackend) -> None:
        self.inner = inner

    def search(self, request: SearchRequest) -> SearchResult:
        time.sleep(SLOW)
        return self.inner.search(request)

    def __getattr__(self, name: str) -> Any:
        if name == "briefly":
            raise AttributeError(name)
        return getattr(self.inner, name)


def _start(backend: object, loop: str, **overrides: Any) -> tuple[int, Z3950Thread]:
    settings = Z3950Settings(host="127.0.0.1", port=0, **overrides)
    thread = Z3950Thread(cast(SearchBackend, backend), settings, LOOPS[loop])
    return thread.start(), thread


@pytest.fixture(scope="module", params=sorted(LOOPS))
def fast(request: pytest.FixtureRequest, catalog: Catalog) -> Iterator[tuple[int, Z3950Thread]]:
    port, thread = _start(catalog[0], request.param)
    yield port, thread
    thread.stop()


@pytest.fixture(scope="module", params=sorted(LOOPS))
def slow(request: pytest.FixtureRequest, catalog: Catalog) -> Iterator[int]:
    port, thread = _start(SlowBackend(catalog[0]), request.param)
    yield port
    thread.stop()


class Answers:
    """The APDUs a connection receives, in order (``rawclient.read_pdu`` drops the bytes
    after the first one, and pipelined answers come several to a read)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self) -> bytes:
        while (size := ber.frame_length(self.buffer, 1 << 24)) is None:
            chunk = self.sock.recv(1 << 16)
            assert chunk, "the server closed the connection"
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def tags(self, count: int) -> list[int]:
        return [ber.decode(self.next()).tag for _ in range(count)]


def test_pipelined_requests_are_answered_in_order(fast: tuple[int, Z3950Thread]) -> None:
    with connect(fast[0]) as sock:
        sock.sendall(init_request() + search_request("spring") + present_request(1, 1)
                     + search_request("thailand", use=21) + present_request(1, 3))
        assert Answers(sock).tags(5) == [21, 23, 25, 23, 25]


def test_requests_sent_before_a_half_close_are_all_answered(
        fast: tuple[int, Z3950Thread]) -> None:
    with connect(fast[0]) as sock:
        sock.sendall(init_request() + search_request("spring") + present_request(1, 1))
        sock.shutdown(socket.SHUT_WR)
        assert Answers(sock).tags(3) == [21, 23, 25]
        assert closed(sock)


def test_a_client_not_reading_is_paused_then_served_in_order(
        fast: tuple[int, Z3950Thread]) -> None:
    port, thread = fast
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)  # no auto-tuning
        sock.connect(("127.0.0.1", port))
        answers = Answers(sock)
        sock.sendall(init_request() + search_request("thailand", use=21)
                     + present_request(1, 5))
        assert answers.tags(2) == [21, 23]
        size = len(answers.next())
        count = (8 << 20) // size  # more than the kernel's send buffer holds (4 MiB)
        sock.sendall(present_request(1, 5) * count)
        time.sleep(0.5)
        assert thread.server is not None
        (connection,) = thread.server.connections
        assert connection.paused and len(connection.buffer) < 1 << 20
        assert answers.tags(count) == [25] * count
        assert hit_count(sock, "spring") == 1


def test_a_waiting_request_keeps_its_place_and_blocks_no_other_connection(
        slow: int) -> None:
    with initialized(slow) as waiting:
        started = time.monotonic()
        waiting.sendall(search_request("spring") + present_request(1, 1)
                        + search_request("thailand", use=21))
        with initialized(slow):  # answered while the search waits in its thread
            assert time.monotonic() - started < SLOW
        assert Answers(waiting).tags(3) == [23, 25, 23]
        assert time.monotonic() - started >= 2 * SLOW


def test_a_client_leaving_during_a_waiting_request(slow: int) -> None:
    with initialized(slow) as sock:
        sock.sendall(search_request("spring"))
    time.sleep(SLOW * 1.5)
    with initialized(slow) as sock:
        assert hit_count(sock, "spring") == 1


def test_stopping_with_a_request_waiting(catalog: Catalog) -> None:
    port, thread = _start(SlowBackend(catalog[0]), "uvloop")
    sock = initialized(port)
    sock.sendall(search_request("spring"))
    time.sleep(0.1)
    thread.stop()
    assert read_pdu(sock) is None or closed(sock)
    sock.close()


def test_idle_timeout_on_uvloop(catalog: Catalog) -> None:
    port, thread = _start(catalog[0], "uvloop", idle_timeout=0.5)
    try:
        with initialized(port) as sock:
            assert hit_count(sock, "spring") == 1
            response = read_pdu(sock)
            assert response is not None and response.tag == pdu.CLOSE
            assert response.need(211).as_int() == pdu.CLOSE_LACK_OF_ACTIVITY
    finally:
        thread.stop()


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_handed_over_connections_are_served_and_their_ends_reported(
        catalog: Catalog, loop: str) -> None:
    dispatcher = Dispatcher("127.0.0.1", 0).start()
    port = dispatcher.listener.getsockname()[1]
    server_loop = LOOPS[loop]()
    runner = threading.Thread(target=server_loop.run_forever, daemon=True)
    runner.start()
    settings = Z3950Settings(host="127.0.0.1", port=port, max_connections=2)
    listener: Z3950Listener = asyncio.run_coroutine_threadsafe(
        serve_z3950(cast(SearchBackend, catalog[0]), settings, dispatcher.path),
        server_loop).result(5)
    try:
        _until(lambda: len(dispatcher._load) == 1)
        held = [initialized(port) for _ in range(2)]
        with connect(port) as refused:  # over max_connections, as a listener would say
            response = read_pdu(refused)
            assert response is not None and response.need(211).as_int() == pdu.CLOSE_RESOURCES
        assert hit_count(held[0], "spring") == 1
        for sock in held:
            sock.close()
        _until(lambda: list(dispatcher._load.values()) == [0])
        assert list(dispatcher._load.values()) == [0] and not listener.connections
    finally:
        server_loop.call_soon_threadsafe(listener.close)
        server_loop.call_soon_threadsafe(server_loop.stop)
        runner.join(5)
        dispatcher.close()


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
