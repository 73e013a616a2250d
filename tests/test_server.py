"""The tests' own uvicorn server: stopping it never waits forever on a request a test held
back and failed to let go."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tests import server


async def _never_answers(scope: Scope, receive: Receive, send: Send) -> None:
    await asyncio.Event().wait()


async def test_a_server_holding_a_request_stops_after_its_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "GRACE_SECONDS", 1, raising=False)

    async def serve_and_stop(client: httpx.AsyncClient) -> asyncio.Task[httpx.Response]:
        async with server.serving(_never_answers, lifespan="off") as url:
            asking = asyncio.create_task(client.get(url))
            await asyncio.sleep(0.3)  # the request is in flight
        return asking

    async with httpx.AsyncClient(timeout=30) as client:
        asking = await asyncio.wait_for(serve_and_stop(client), timeout=10)
        answer = await asking
    assert answer.status_code == 500  # cancelled once the grace ran out
