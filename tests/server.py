"""Apps served by a real uvicorn on a loopback port, for tests that need real connections."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from huiyuan.embedded.ports import free_port

# how long a stopping server lets a request still in flight finish before cancelling it: a
# test's server holding a request back (a provider that answers late) must not make its
# shutdown wait forever when the test fails before letting it go
GRACE_SECONDS = 10


class _Server(uvicorn.Server):
    """Leaves pytest's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None, **config: Any) -> AsyncIterator[str]:
    """Serves ``app`` (lifespan included unless ``lifespan="off"``) in the running event
    loop, on ``port`` or a free one; yields its base URL. ``config`` is uvicorn's."""
    port = port or free_port()
    config.setdefault("timeout_graceful_shutdown", GRACE_SECONDS)
    server = _Server(
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


class ServedInThread:
    """Serves apps with uvicorn in a thread and event loop of their own, so that synchronous
    code (the schema fuzzer's client) can call them while the test's own loop is idle.

    ``with ServedInThread({"orders": app}) as urls:`` gives each app's base URL; ``ports``
    fixes some apps' ports (an app that must know another's URL before it starts).
    """

    def __init__(
        self, apps: Mapping[str, ASGIApp], ports: Mapping[str, int] | None = None, **config: Any
    ) -> None:
        self._apps = apps
        self._ports = dict(ports or {})
        self._config = config
        self._urls: dict[str, str] = {}
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="served-in-thread", daemon=True)

    def __enter__(self) -> dict[str, str]:
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise RuntimeError("an app did not start") from self._failure
        return dict(self._urls)

    def __exit__(self, *_: object) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as servers:
                for name, app in self._apps.items():
                    self._urls[name] = await servers.enter_async_context(
                        serving(app, self._ports.get(name), **self._config)
                    )
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:
            self._failure = exc
            raise
        finally:
            self._ready.set()
