"""Run the HTTP app (uvicorn) and the Z39.50 server in one asyncio loop."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from app.harvest_run import harvest_scheduler
from app.main import create_app
from app.settings import Settings
from search.query import PUBLIC
from z3950.server import Z3950Settings, serve_z3950

log = logging.getLogger("unioncat.server")


def run_server(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    app = create_app(settings)
    backend = app.state.unioncat.backend
    z3950 = await serve_z3950(backend, Z3950Settings(
        host=settings.host, port=settings.z3950_port, database=settings.z3950_database,
        scope=PUBLIC))
    log.info("Z39.50 on %s:%d database %s", settings.host, settings.z3950_port,
             settings.z3950_database)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                           log_level="info"))
    stop = asyncio.Event()
    scheduler = (asyncio.create_task(harvest_scheduler(settings, stop, backend))
                 if settings.scheduled_harvests else None)
    try:
        await server.serve()
    finally:
        stop.set()
        z3950.close()
        if scheduler is not None:
            scheduler.cancel()
