"""Run the HTTP app (uvicorn) and the Z39.50 server, in one process or several.

With ``http_workers`` > 1, that many worker processes serve HTTP and Z39.50: the
supervising process accepts both and hands each connection to the least busy worker
(``z3950.dispatch``, ``app.http_workers``), and scheduled harvests run once, in the
supervising process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import uvicorn
import uvloop
from fastapi import FastAPI

from app.harvest_run import harvest_scheduler
from app.http_protocol import ServingHttpProtocol
from app.http_workers import HandedServer, supervise
from app.main import create_app
from app.settings import Settings, load_settings
from normalizers import splice
from search import sqlite_rank
from search.backend import SearchBackend
from search.query import PUBLIC
from z3950.dispatch import Dispatcher
from z3950.server import Listener, Z3950Settings, serve_z3950

log = logging.getLogger("unioncat.server")
_ENV_SETTINGS = "UNIONCAT_SERVE_SETTINGS"
_ENV_Z3950_DISPATCHER = "UNIONCAT_Z3950_DISPATCHER"  # where workers get Z39.50 connections
_ENV_HTTP_DISPATCHER = "UNIONCAT_HTTP_DISPATCHER"  # and HTTP ones


def run_server(settings: Settings) -> None:
    _configure_logging()
    _warn_without_extensions()
    if settings.http_workers <= 1:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve(settings))
        return
    _run_workers(settings)


def _configure_logging() -> None:
    """uvicorn's own logging config is not used (log_config=None): its access and server
    lines go to the root logger in this one format, with no colour or status-phrase work
    on every request. The format names no caller, thread or process, so records skip
    looking them up (logging's documented switches): an access line is written per
    request."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no findCaller() frame walk
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


async def _serve(settings: Settings) -> None:
    http = _bind_http(settings)
    app = create_app(settings)
    backend = app.state.unioncat.backend
    try:
        z3950 = await _start_z3950(backend, settings)
    except ListenError:
        http.close()
        raise
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                           log_level="info", log_config=None,
                                           http=ServingHttpProtocol))
    stop = asyncio.Event()
    scheduler = (asyncio.create_task(harvest_scheduler(settings, stop, backend))
                 if settings.scheduled_harvests else None)
    log.info("HTTP on http://%s:%d", settings.host, settings.port)
    try:
        await server.serve(sockets=[http])
    finally:
        stop.set()
        z3950.close()
        if scheduler is not None:
            scheduler.cancel()


class ListenError(Exception):
    """The HTTP or Z39.50 address cannot be listened on; the message says what to do."""


def _bind_http(settings: Settings) -> socket.socket:
    """The HTTP listening socket, bound here so that a taken port is a clear error."""
    try:
        family = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((settings.host, settings.port), family=family,
                                    backlog=2048)
    except OSError as error:
        raise _listen_error(settings, error, http=True) from error


def _listen_error(settings: Settings, error: OSError, http: bool = False) -> ListenError:
    what, port, option = (("HTTP", settings.port, "--port (or port / UNIONCAT_PORT)") if http
                          else ("Z39.50", settings.z3950_port,
                                "--z3950-port (or z3950_port / UNIONCAT_Z3950_PORT)"))
    return ListenError(
        f"cannot listen for {what} on {settings.host}:{port} ({error.strerror or error}): "
        f"choose another port with {option}, or stop the program holding it")


async def _start_z3950(backend: SearchBackend, settings: Settings,
                       dispatcher: str | None = None) -> Listener:
    try:
        server = await serve_z3950(backend, Z3950Settings(
            host=settings.host, port=settings.z3950_port, database=settings.z3950_database,
            scope=PUBLIC), dispatcher)
    except OSError as error:
        raise _listen_error(settings, error) from error
    log.info("Z39.50 on %s:%d database %s (pid %d)", settings.host, settings.z3950_port,
             settings.z3950_database, os.getpid())
    return server


def _warn_without_extensions() -> None:
    """Say so when the C extensions did not build: answers stay the same, but ranking
    costs ~4x and MARCXML ~5x more CPU, which an operator would otherwise never see."""
    missing = [name for name, built in (("search._rank", sqlite_rank.FAST),
                                         ("normalizers._marcxml", splice.C_FIELDS_XML))
               if not built]
    if missing:
        log.warning("C extensions not built (%s): serving on the slower Python paths; "
                    "install gcc and libsqlite3-dev, then run `make install` again",
                    ", ".join(missing))


def _run_workers(settings: Settings) -> None:
    """Worker processes (``app.http_workers``), each handed HTTP and Z39.50 connections by
    this one; each rebuilds the settings from the environment."""
    os.environ[_ENV_SETTINGS] = settings.to_json()
    try:
        z3950 = Dispatcher(settings.host, settings.z3950_port).start()
    except OSError as error:
        raise _listen_error(settings, error) from error
    try:
        http = Dispatcher(settings.host, settings.port).start()
    except OSError as error:
        z3950.close()
        raise _listen_error(settings, error, http=True) from error
    os.environ[_ENV_Z3950_DISPATCHER] = z3950.path
    os.environ[_ENV_HTTP_DISPATCHER] = http.path
    if settings.scheduled_harvests:
        threading.Thread(target=_scheduler_thread, args=(settings,), daemon=True).start()
    log.info("HTTP on http://%s:%d, %d workers", settings.host, settings.port,
             settings.http_workers)
    try:
        supervise(_worker_main, settings.http_workers)
    finally:
        http.close()
        z3950.close()


def _worker_main() -> None:
    """One serving process (spawned by ``supervise``)."""
    _configure_logging()
    config = uvicorn.Config("app.server:worker_app", factory=True, log_level="info",
                            log_config=None, http=ServingHttpProtocol, loop="uvloop")
    HandedServer(config, os.environ[_ENV_HTTP_DISPATCHER]).run()


def _scheduler_thread(settings: Settings) -> None:
    asyncio.run(harvest_scheduler(settings, asyncio.Event()))


def worker_app() -> FastAPI:
    """The app of one serving process of several (uvicorn ``factory``)."""
    _configure_logging()
    settings = replace(Settings.from_json(os.environ[_ENV_SETTINGS]), scheduled_harvests=False)
    app = create_app(settings)
    backend = app.state.unioncat.backend

    @asynccontextmanager
    async def z3950_lifespan(_: FastAPI) -> AsyncIterator[None]:
        server = await _start_z3950(backend, settings, os.environ[_ENV_Z3950_DISPATCHER])
        try:
            yield
        finally:
            server.close()
            backend.close()

    app.router.lifespan_context = z3950_lifespan
    return app


__all__ = ["ListenError", "load_settings", "run_server", "worker_app"]
