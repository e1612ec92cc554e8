"""Several serving processes: the supervisor's dispatcher hands each new Z39.50 connection
to the worker serving the fewest (modelled here by receivers on one event loop)."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from z3950.dispatch import Dispatcher, ProtocolFactory, ProtocolReceiver


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Workers:
    """Receivers that count what they serve; each association stays open until released
    (as a cataloguer's session does) or its client leaves."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.served: Counter[int] = Counter()
        self.open: list[set[asyncio.Transport]] = []  # per receiver, its open associations
        self.receivers: list[ProtocolReceiver] = []

    def add(self) -> ProtocolReceiver:
        self.open.append(set())
        receiver = ProtocolReceiver(self.dispatcher.path, self._factory(len(self.receivers)))
        self.receivers.append(receiver)
        return receiver

    def release(self) -> None:
        for transports in self.open:
            for transport in list(transports):
                transport.close()

    def _factory(self, number: int) -> ProtocolFactory:
        return lambda on_end: _Hello(self, number, on_end)


class _Hello(asyncio.Protocol):
    """Greets, then holds the association until released or the client leaves."""

    def __init__(self, workers: Workers, number: int, on_end: Callable[[], None]) -> None:
        self.workers, self.number, self.on_end = workers, number, on_end

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.workers.served[self.number] += 1
        self.workers.open[self.number].add(transport)
        transport.write(b"hello")

    def eof_received(self) -> bool | None:
        return False  # close

    def connection_lost(self, exc: Exception | None) -> None:
        self.workers.open[self.number].discard(self.transport)
        self.on_end()


async def _connect(port: int, count: int) -> list[asyncio.StreamWriter]:
    writers = []
    for _ in range(count):  # one after the other, each answered before the next
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await reader.readexactly(5) == b"hello"
        writers.append(writer)
    return writers


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:
        await asyncio.sleep(0.01)


@contextmanager
def _dispatching() -> Iterator[tuple[int, Workers]]:
    """A dispatcher on a free port, and the (not yet started) workers it hands to."""
    port = _free_port()
    dispatcher = Dispatcher("127.0.0.1", port).start()
    try:
        yield port, Workers(dispatcher)
    finally:
        dispatcher.close()


def test_each_new_association_goes_to_the_least_busy_worker() -> None:
    async def scenario() -> Counter[int]:
        with _dispatching() as (port, workers):
            workers.add()
            first = await _connect(port, 3)  # while only one worker is up
            workers.add()
            await asyncio.sleep(0.1)  # the dispatcher has seen it join
            later = await _connect(port, 5)
            for writer in first[:2]:  # two of the first worker's clients leave ...
                writer.close()
            await _until(lambda: len(workers.open[0]) == 2)
            await asyncio.sleep(0.2)  # ... and the dispatcher has heard
            last = await _connect(port, 2)  # so the first worker takes the next two
            workers.release()
            assert len(later + last) == 7  # all open until here
            return workers.served
    assert asyncio.run(scenario()) == {0: 3 + 1 + 2, 1: 4}


def test_connections_wait_until_a_worker_is_up_and_skip_one_that_left() -> None:
    async def scenario() -> Counter[int]:
        with _dispatching() as (port, workers):
            pending = asyncio.ensure_future(_connect(port, 1))  # queued by the kernel
            await asyncio.sleep(0.2)
            assert not pending.done()
            gone = workers.add()
            kept = await pending
            gone.close()  # stops, as a worker uvicorn replaces does
            workers.add()
            await asyncio.sleep(0.2)
            kept += await _connect(port, 2)
            workers.release()
            return workers.served
    assert asyncio.run(scenario()) == {0: 1, 1: 2}
