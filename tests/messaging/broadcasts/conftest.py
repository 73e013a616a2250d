"""One running messaging app for the broadcasts' API tests (its workers run too: the
broadcasts' worker sends, the dispatcher finds its providers on closed ports)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from tests.stack import Stack, running


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        yield client
