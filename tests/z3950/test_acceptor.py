"""Several processes accepting from one shared Z39.50 socket: the least busy one takes
each new association (modelled here by two listeners on one event loop)."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

from z3950.acceptor import BalancedListener, Handler


async def _associations_per_listener(clients: tuple[int, int]) -> Counter[int]:
    """Associations each of two listeners served: ``clients[0]`` connect while only the
    first listens, then ``clients[1]`` more while both do."""
    shared = socket.create_server(("127.0.0.1", 0))
    port = shared.getsockname()[1]
    served: Counter[int] = Counter()
    release = asyncio.Event()

    def handler_of(number: int) -> Handler:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            served[number] += 1
            writer.write(b"hello")
            await release.wait()  # an association stays open, as a cataloguer's does
            writer.close()
        return handle

    streams = []

    async def connect(count: int) -> None:
        for _ in range(count):  # one after the other, each answered before the next
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await reader.readexactly(5) == b"hello"
            streams.append(writer)
    accepting = [BalancedListener(shared.dup(), handler_of(0), 1024)]
    await connect(clients[0])
    accepting.append(BalancedListener(shared.dup(), handler_of(1), 1024))
    shared.close()
    await connect(clients[1])
    release.set()
    for writer in streams:
        writer.close()
    for listener in accepting:
        listener.close()
        await listener.wait_closed()
    return served


def test_each_new_association_goes_to_the_least_busy_process() -> None:
    served = asyncio.run(_associations_per_listener((3, 5)))
    assert served == {0: 4, 1: 4}  # the newcomer takes new clients until level


def test_a_closed_listener_leaves_the_shared_socket_to_the_others() -> None:
    async def scenario() -> int:
        shared = socket.create_server(("127.0.0.1", 0))
        port = shared.getsockname()[1]
        answered = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal answered
            answered += 1
            writer.close()
        first = BalancedListener(shared.dup(), handle, 1024)
        second = BalancedListener(shared.dup(), handle, 1024)
        first.close()
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await reader.read() == b""  # accepted, served, closed
            writer.close()
        second.close()
        shared.close()
        return answered
    assert asyncio.run(scenario()) == 3
