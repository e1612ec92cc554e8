"""Several serving processes, each given HTTP connections by the supervising process.

uvicorn's own workers race on one shared listening socket, and the one that wakes first
takes every connection waiting: 16 keep-alive connections opened together landed 14 + 2,
11 + 5 and 16 + 0 on two workers, so one core served most of the load for the
connections' whole life. Here, as for Z39.50 (``z3950.dispatch``), the supervisor accepts
and hands each connection to the worker serving the fewest. Each worker is a
``uvicorn.Server`` that listens on nothing itself (``HandedServer``); the supervisor
(``supervise``) starts the workers, restarts one that dies and stops them on SIGINT or
SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

from app.http_protocol import ServingHttpProtocol
from z3950.dispatch import ProtocolReceiver

log = logging.getLogger("unioncat.server")
_STOP_WAIT = 30.0  # seconds a worker gets to finish its requests after SIGTERM
_WATCH_EVERY = 0.5  # seconds between checks that every worker lives


class HandedHttpProtocol(ServingHttpProtocol):
    """uvicorn's protocol on a connection the supervisor handed over; tells the supervisor
    (``on_end``) when the connection ends."""

    def __init__(self, on_end: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_end = on_end

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._on_end()


class HandedServer(uvicorn.Server):
    """A uvicorn server whose connections come from a ``Dispatcher`` at ``dispatcher``:
    the app's lifespan, request handling and graceful shutdown are uvicorn's own."""

    def __init__(self, config: uvicorn.Config, dispatcher: str) -> None:
        super().__init__(config)
        self._dispatcher = dispatcher
        self._receiver: ProtocolReceiver | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan, and no listening socket
        if self.should_exit:
            return
        self._receiver = ProtocolReceiver(self._dispatcher, self._protocol)

    def _protocol(self, on_end: Callable[[], None]) -> asyncio.Protocol:
        return HandedHttpProtocol(on_end, config=self.config, server_state=self.server_state,
                                  app_state=self.lifespan.state)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._receiver is not None:
            self._receiver.close()  # no new connections; open ones finish below
        await super().shutdown(sockets)


Target = Callable[[], None]


def supervise(target: Target, workers: int) -> None:
    """Run ``workers`` processes of ``target`` (spawned: the supervisor has threads) until
    SIGINT or SIGTERM, then stop them with SIGTERM. A worker that dies is started again."""
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        log.info("stopping %d workers (signal %d)", workers, signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    running = [_start(context, target) for _ in range(workers)]
    try:
        while not stop.wait(_WATCH_EVERY):
            for i, process in enumerate(running):
                if not process.is_alive():
                    log.warning("worker %s ended (exit code %s): starting another",
                                process.pid, process.exitcode)
                    running[i] = _start(context, target)
    finally:
        _stop(running)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(context: Any, target: Target) -> BaseProcess:
    process: BaseProcess = context.Process(target=target, name="unioncat-worker")
    process.start()
    return process


def _stop(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(_STOP_WAIT)
        if process.is_alive():
            log.warning("worker %s did not stop in %.0f s: killing it", process.pid,
                        _STOP_WAIT)
            process.kill()
            process.join()


__all__ = ["HandedHttpProtocol", "HandedServer", "supervise"]
