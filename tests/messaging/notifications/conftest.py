"""One running messaging app for an API test module, and events fed to its handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from huiyuan.embedded.ports import free_port
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.stack import Stack, running


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """One running app for the module; providers on closed ports, as nothing is delivered."""
    app = stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(app) as client:
        yield client


async def feed(sessions: Sessions, handlers: Handlers, *events: CloudEvent) -> None:
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)
