"""A lean keep-alive HTTP/1.1 client: the load generator's.

The generator shares two cores with everything it measures, so its cost per request
matters (the services' own outbound calls go through aiohttp, ``shared.http``).
``httpx.AsyncClient`` spent 0.9-2 ms of CPU per request here (its connection pool
rescans every queued request on each change, and httpcore looks for ``sniffio`` with a
failing import on every request), which at 1,000 requests/s is most of a core.
This client writes each request as one buffer and
parses the answer with ``httptools`` (uvicorn's parser) in a plain ``asyncio.Protocol``:
one request at a time per connection, at most ``connections`` per host, the rest wait
their turn in order; ``https://`` URLs go over TLS with the system's certificates.

Failures say whether the request can have reached the server: :class:`ConnectFailed`
(no connection could be made, or none came free within the timeout) means it never
left; any other :class:`HttpError` or a ``TimeoutError`` means it may have.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from typing import cast
from urllib.parse import urlsplit

import httptools


class HttpError(Exception):
    """The connection failed or the answer could not be read."""


class ConnectFailed(HttpError):
    """No connection to the server was made in time: the request was never sent."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = time.monotonic()
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
    """Requests to one ``base_url`` with fixed headers; answers are ``(status, body)``.

    ``timeout`` (seconds) bounds getting a connection and, apart, the exchange; a
    connection idle for ``keepalive_seconds`` is closed rather than used again (keep it
    below the server's own idle timeout, so the server never closes one under a request).
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        connections: int = 32,
        timeout: float = 30.0,
        keepalive_seconds: float | None = None,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or url.hostname is None:
            raise ValueError(f"an http:// or https:// URL with a host, not {base_url!r}")
        self._tls = ssl.create_default_context() if url.scheme == "https" else None
        self._host = url.hostname
        self._port = url.port or (443 if self._tls else 80)
        fixed = {"Host": url.netloc, **(headers or {})}
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._limit = connections
        self._timeout = timeout
        self._keepalive = keepalive_seconds
        self._open = 0
        self._idle: list[_Connection] = []
        self._waiting: collections.deque[asyncio.Future[_Connection | None]] = collections.deque()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Raises :class:`ConnectFailed` when the request was not sent, and
        :class:`HttpError` or ``TimeoutError`` when its answer did not come."""
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\n{self._headers}{extra}Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            async with asyncio.timeout(self._timeout):
                connection = await self._acquire()
        except TimeoutError as error:
            raise ConnectFailed(f"no connection to {self._host}:{self._port} in time") from error
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
            if not connection.closed and not self._stale(connection):
                return connection
            connection.close()
            self._open -= 1
        if self._open >= self._limit:
            turn: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                handed = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled() and (given := turn.result()) is not None:
                    self._release(given)  # handed over just as the wait ended
                raise
            if handed is not None:
                return handed
        self._open += 1
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection,
                self._host,
                self._port,
                ssl=self._tls,
                server_hostname=self._host if self._tls else None,
            )
        except BaseException as error:
            self._open -= 1
            self._hand_on(None)
            if isinstance(error, OSError):
                raise ConnectFailed(
                    f"cannot connect to {self._host}:{self._port}: {error}"
                ) from error
            raise
        return connection

    def _stale(self, connection: _Connection) -> bool:
        return self._keepalive is not None and (
            time.monotonic() - connection.idle_since > self._keepalive
        )

    def _release(self, connection: _Connection) -> None:
        if connection.closed:
            self._open -= 1
            self._hand_on(None)  # the next in line opens a connection of its own
        elif not self._hand_on(connection):
            connection.idle_since = time.monotonic()
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
