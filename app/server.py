"""Run the HTTP app (uvicorn) and the Z39.50 server in one asyncio loop."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from app.main import create_app
from app.settings import Settings


def run_server(settings: Settings) -> None:
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info")
    server = uvicorn.Server(config)
    logging.getLogger("unioncat").info("serving on http://%s:%d", settings.host, settings.port)
    await server.serve()
