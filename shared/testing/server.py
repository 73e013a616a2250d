"""Apps served by a real uvicorn on a loopback port, for tests that need real connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from shared.testing.stack import free_port


@asynccontextmanager
async def serving(app: ASGIApp, **config: Any) -> AsyncIterator[str]:
    """Serves ``app`` (lifespan included) in the running event loop; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn exposes no event for this
        if task.done():
            task.result()  # raises what stopped the startup
            raise RuntimeError("uvicorn stopped before it started serving")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
