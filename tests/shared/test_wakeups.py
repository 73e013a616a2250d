"""A waiter for notifications never waits longer than its timeout and the listen's own
bound, even on a server that accepts the connection and then stops answering."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from sqlalchemy.engine import URL, make_url

from shared.db import asyncpg_dsn
from shared.notify import LISTEN_TIMEOUT_SECONDS, Wakeups
from tests.stack import Stack


def _server_of(url: URL) -> tuple[str | None, int]:
    """Where the server of ``url`` listens: its Unix socket's directory (``host`` in the
    query, as for the embedded server) or None for TCP, and its port."""
    socket_dir = url.query.get("host")
    return (socket_dir if isinstance(socket_dir, str) else None), url.port or 5432


@contextlib.asynccontextmanager
async def _proxy_that_stalls_on_listen(url: URL) -> AsyncIterator[int]:
    """A TCP proxy to the PostgreSQL server of ``url`` that passes the start-up and
    authentication through, and nothing more once the client sends ``LISTEN``; yields the
    port it listens on."""
    socket_dir, port = _server_of(url)
    pipes: set[asyncio.Task[None]] = set()

    async def pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stall_on: bytes | None
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if stall_on is not None and stall_on in data:
                    await asyncio.Event().wait()  # the server never hears it
                writer.write(data)
                await writer.drain()

    async def serve(client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        if socket_dir is not None:
            upstream = await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
        else:
            upstream = await asyncio.open_connection(url.host, port)
        server_reader, server = upstream
        pipes.add(asyncio.create_task(pipe(client_reader, server, b"LISTEN")))
        pipes.add(asyncio.create_task(pipe(server_reader, client, None)))

    proxy = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield proxy.sockets[0].getsockname()[1]
    finally:
        proxy.close()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


async def test_a_listen_the_server_never_answers_gives_up_within_its_bound(stack: Stack) -> None:
    url = make_url(stack.settings("messaging").database_url)
    async with _proxy_that_stalls_on_listen(url) as port:
        through_proxy = url.set(host="127.0.0.1", port=port, query={})
        wakeups = Wakeups(asyncpg_dsn(through_proxy.render_as_string(False)), "tests_wakeups")
        started = time.monotonic()
        try:
            notified = await asyncio.wait_for(wakeups.wait(0.1), LISTEN_TIMEOUT_SECONDS + 5)
        finally:
            await wakeups.close()
        took = time.monotonic() - started
    assert notified is False
    assert LISTEN_TIMEOUT_SECONDS <= took < LISTEN_TIMEOUT_SECONDS + 2, took
