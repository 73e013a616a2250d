"""A lean keep-alive HTTP/1.1 client for the load generator.

The generator shares two cores with everything it measures, so its cost per request
matters. ``httpx.AsyncClient`` spent 0.9-2 ms of CPU per request here (its connection
pool rescans every queued request on each change, and httpcore looks for ``sniffio``
with a failing import on every request), which at 1,000 requests/s is most of a core.
This client writes each request as one buffer and parses the answer with ``httptools``
(uvicorn's parser) in a plain ``asyncio.Protocol``: one request at a time per
connection, at most ``connections`` per host, the rest wait their turn in order.
"""

from __future__ import annotations

import asyncio
import collections
from typing import cast
from urllib.parse import urlsplit

import httptools


class HttpError(Exception):
    """The connection failed or the answer could not be read."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(HttpError(f"unreadable answer: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(HttpError(f"connection lost: {exc or 'closed by the server'}"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._body = []

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if not self._parser.should_keep_alive():
            self.close()
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((self._parser.get_status_code(), b"".join(self._body)))

    def _fail(self, error: HttpError) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self._answer


class HttpClient:
    """Requests to one ``base_url`` with fixed headers; answers are ``(status, body)``."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        connections: int = 32,
        timeout: float = 30.0,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None:
            raise ValueError(f"an http:// URL with a host, not {base_url!r}")
        self._host, self._port = url.hostname, url.port or 80
        fixed = {"Host": url.netloc, **(headers or {})}
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._limit = connections
        self._timeout = timeout
        self._open = 0
        self._idle: list[_Connection] = []
        self._waiting: collections.deque[asyncio.Future[_Connection | None]] = collections.deque()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\n{self._headers}{extra}Content-Length: {len(body)}\r\n\r\n"
        )
        connection = await self._acquire()
        try:
            async with asyncio.timeout(self._timeout):
                answer = await connection.exchange(head.encode() + body)
        except BaseException:
            connection.close()
            self._release(connection)
            raise
        self._release(connection)
        return answer

    async def _acquire(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
            self._open -= 1
        if self._open >= self._limit:
            turn: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            handed = await turn
            if handed is not None:
                return handed
        self._open += 1
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, self._host, self._port
            )
        except OSError as error:
            self._open -= 1
            self._hand_on(None)
            raise HttpError(f"cannot connect to {self._host}:{self._port}: {error}") from error
        return connection

    def _release(self, connection: _Connection) -> None:
        if connection.closed:
            self._open -= 1
            self._hand_on(None)  # the next in line opens a connection of its own
        elif not self._hand_on(connection):
            self._idle.append(connection)

    def _hand_on(self, connection: _Connection | None) -> bool:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(connection)
                return True
        return False

    async def aclose(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
