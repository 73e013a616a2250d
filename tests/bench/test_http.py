"""The lean HTTP client (the generator's, the SMS providers'): keep-alive, a bounded number of
connections, clear failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bench.http import ConnectFailed, HttpClient, HttpError


class _Server:
    """Answers each request after ``delay`` with its path; counts connections."""

    def __init__(self, delay: float = 0.0, close_after_headers: bool = False) -> None:
        self.delay = delay
        self.close_after_headers = close_after_headers
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                if self.close_after_headers:
                    writer.close()
                    return
                await asyncio.sleep(self.delay)
                path = head.split(b" ")[1]
                writer.write(
                    b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(path), path)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[_Server, str]]:
    server = _Server(delay=0.05)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield server, f"http://127.0.0.1:{port}"
    listening.close()


async def test_requests_share_at_most_the_allowed_connections(
    slow_server: tuple[_Server, str],
) -> None:
    server, url = slow_server
    client = HttpClient(url, headers={"X-API-Key": "k"}, connections=2)

    answers = await asyncio.gather(
        *(
            client.request("POST", f"/p{n}", b"{}", headers={"Idempotency-Key": str(n)})
            for n in range(6)
        )
    )
    await client.aclose()

    assert answers == [(201, f"/p{n}".encode()) for n in range(6)]
    assert server.connections == 2
    assert all(b"X-API-Key: k\r\n" in request for request in server.requests)
    assert sum(b"Idempotency-Key: 3\r\n" in request for request in server.requests) == 1


async def test_a_connection_the_server_drops_is_an_error_and_is_replaced() -> None:
    server = _Server(close_after_headers=True)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    client = HttpClient(url, connections=1)

    for _ in range(2):
        with pytest.raises(HttpError, match="connection lost"):
            await client.request("GET", "/x")

    assert server.connections == 2
    listening.close()


async def test_a_slow_answer_times_out(slow_server: tuple[_Server, str]) -> None:
    _, url = slow_server
    client = HttpClient(url, timeout=0.01)

    with pytest.raises(TimeoutError):
        await client.request("GET", "/slow")


async def test_a_server_that_cannot_be_reached_is_a_failure_to_connect() -> None:
    listening = await asyncio.start_server(_Server().handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    listening.close()
    await listening.wait_closed()
    client = HttpClient(url)

    with pytest.raises(ConnectFailed, match="cannot connect"):
        await client.request("GET", "/x")


async def test_no_connection_free_in_time_is_a_failure_to_connect(
    slow_server: tuple[_Server, str],
) -> None:
    server, url = slow_server
    client = HttpClient(url, connections=1, timeout=0.03)

    first = asyncio.create_task(client.request("GET", "/a"))
    await asyncio.sleep(0)
    with pytest.raises(ConnectFailed, match="in time"):
        await client.request("GET", "/b")
    with pytest.raises(TimeoutError):
        await first
    assert [request.split(b" ")[1] for request in server.requests] == [b"/a"]


async def test_a_connection_idle_past_keepalive_is_replaced() -> None:
    server = _Server()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    kept = HttpClient(url, connections=1)
    expiring = HttpClient(url, connections=1, keepalive_seconds=0.01)

    for client in (kept, expiring):
        await client.request("GET", "/1")
        await asyncio.sleep(0.05)
        assert await client.request("GET", "/2") == (201, b"/2")
        await client.aclose()

    assert server.connections == 1 + 2
    listening.close()
