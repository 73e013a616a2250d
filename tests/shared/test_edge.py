"""The HTTP edge against a real uvicorn on loopback: whole problem answers to crashes on a
kept-alive connection, and request bodies refused by size before they are read."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request
from sqlalchemy import text

from services.orders.purchases.batch.schemas import MAX_BATCH_SALES, PurchaseBatch
from shared.dependencies import RequestSession
from shared.errors import PROBLEM_JSON
from shared.observability import request_id_var
from shared.settings import BaseServiceSettings
from tests.server import serving
from tests.stack import Stack

faulty = APIRouter(prefix="/test")


@faulty.get("/peer")
async def peer(request: Request) -> dict[str, Any]:
    """The client's address as the server sees it: one port per connection."""
    assert request.client is not None
    return {"port": request.client.port}


@faulty.get("/crash")
async def crash() -> None:
    raise RuntimeError("a bug nobody handled")


@faulty.get("/outage")
async def outage(session: RequestSession) -> None:
    """A real brief outage: the server ends this request's database connection."""
    await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


@pytest.fixture(scope="module")
async def server(stack: Stack) -> AsyncIterator[str]:
    app = stack.app("customer")
    app.include_router(faulty)
    async with serving(app) as url:
        yield url


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    """The records of ``shared.errors`` so far, each with the request id it was logged in."""

    def with_request_id(record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True

    caplog.handler.addFilter(with_request_id)
    caplog.set_level(logging.WARNING, logger="shared.errors")
    return lambda: [record for record in caplog.records if record.name == "shared.errors"]


async def _around(server: str, path: str, request_id: str) -> tuple[httpx.Response, set[int]]:
    """A normal request, ``path``, a normal request again, on a pool of one connection.

    Returns the answer to ``path`` and the client ports of the connections that carried
    the three: one port if the connection was kept. The server saw one peer port too.
    """
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    ports: set[int] = set()
    async with httpx.AsyncClient(base_url=server, limits=one) as client:

        async def get(path: str, **headers: str) -> httpx.Response:
            response = await client.get(path, headers=headers)
            try:
                ports.add(response.extensions["network_stream"].get_extra_info("client_addr")[1])
            except OSError:  # the server has closed it already
                ports.add(-1)
            return response

        before = await get("/test/peer")
        failed = await get(path, **{"X-Request-ID": request_id})
        after = await get("/test/peer")
    assert after.status_code == 200
    assert before.json()["port"] == after.json()["port"]
    return failed, ports


async def test_a_crash_answers_a_whole_problem_and_the_connection_stays_usable(
    server: str, logged: Callable[[], list[logging.LogRecord]]
) -> None:
    request_id = f"crash-{uuid.uuid4().hex[:8]}"
    crashed, ports = await _around(server, "/test/crash", request_id)

    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == PROBLEM_JSON
    assert crashed.headers["x-request-id"] == request_id
    assert crashed.json() == {
        "type": "urn:huiyuan:problem:internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "An unexpected error occurred; nothing was saved.",
        "instance": "/test/crash",
    }
    assert len(ports) == 1
    [record] = [r for r in logged() if r.levelno == logging.ERROR]
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "a bug nobody handled"


async def test_a_database_outage_answers_503_with_retry_after_on_the_same_connection(
    server: str, logged: Callable[[], list[logging.LogRecord]]
) -> None:
    request_id = f"outage-{uuid.uuid4().hex[:8]}"
    unavailable, ports = await _around(server, "/test/outage", request_id)

    assert unavailable.status_code == 503
    assert unavailable.headers["content-type"] == PROBLEM_JSON
    assert unavailable.headers["retry-after"] == "1"
    assert unavailable.headers["x-request-id"] == request_id
    assert unavailable.json()["title"] == "Service unavailable"
    assert len(ports) == 1
    assert [r.request_id for r in logged()] == [request_id]  # type: ignore[attr-defined]


async def _exchange(server: str, head: str, body: bytes) -> tuple[str, dict[str, str], bytes]:
    """Sends a raw request that may never finish, reads the answer until the server closes.

    Times out (failing the test) if the server waits for the rest of the body instead.
    """
    host, port = server.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)  # until EOF: it closed
    finally:
        writer.close()
    status_line, rest = answer.split(b"\r\n", 1)
    header_block, content = rest.split(b"\r\n\r\n", 1)
    headers = dict(line.decode().lower().split(": ", 1) for line in header_block.split(b"\r\n"))
    return status_line.decode(), headers, content


def _assert_too_large(
    answer: tuple[str, dict[str, str], bytes], request_id: str, limit: int
) -> None:
    status_line, headers, content = answer
    assert status_line == "HTTP/1.1 413 Request Entity Too Large"
    assert headers["content-type"] == PROBLEM_JSON
    assert headers["x-request-id"] == request_id
    assert headers["connection"] == "close"
    problem = json.loads(content)
    assert problem["status"] == 413
    assert f"larger than {limit} bytes" in problem["detail"]


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    server: str,
) -> None:
    limit = BaseServiceSettings().max_body_bytes
    head = (
        "POST /members HTTP/1.1\nHost: loopback\nContent-Type: application/json\n"
        f"Content-Length: {100 * 1024 * 1024}\nX-Request-ID: large-1\n"
    )
    # 100 MB announced, one byte sent: an answer at all shows none of the rest was awaited
    _assert_too_large(await _exchange(server, head, b"{"), "large-1", limit)


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server: str) -> None:
    limit = BaseServiceSettings().max_body_bytes
    chunk = b"x" * 65536
    chunks = [chunk] * (limit // len(chunk)) + [b"x"]  # one byte over, and never finished
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    head = (
        "POST /members HTTP/1.1\nHost: loopback\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\nX-Request-ID: chunked-1\n"
    )
    _assert_too_large(await _exchange(server, head, body), "chunked-1", limit)


async def test_a_chunked_body_within_the_limit_is_read(server: str) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"name": '
        yield b'"Li Lei"}'

    async with httpx.AsyncClient(base_url=server) as client:
        response = await client.post("/members", content=body())
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 401  # read, parsed, then refused for want of a token


def test_the_default_limit_holds_a_batch_of_1000_ten_line_sales_twice_over() -> None:
    line = {"sku": "HP-FISHOIL-60", "category": "health", "quantity": 3, "unit_price_fen": 19900}
    sale = {
        "idempotency_key": str(uuid.uuid4()),
        "card_number": "8860000000013",
        "lines": [line] * 10,
        "purchased_at": "2026-11-23T06:30:00.123456+08:00",
        "receipt_no": "R-20261123-000042",
    }
    body = json.dumps({"sales": [sale] * MAX_BATCH_SALES}, indent=2).encode()
    PurchaseBatch.model_validate_json(body)  # a legitimate batch
    assert 2 * len(body) < BaseServiceSettings().max_body_bytes
