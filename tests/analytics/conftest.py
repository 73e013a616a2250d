from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.stack import Stack, running, staff_headers

Feed = Handlers
ANALYST = staff_headers("analyst")
PROBLEM = "application/problem+json"


@pytest.fixture
def handlers(stack: Stack) -> Feed:
    return stack.handlers("analytics")


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("analytics")) as client:
        yield client


async def apply(sessions: Sessions, handlers: Feed, *events: CloudEvent) -> None:
    """Each event in its own transaction, as the consumer would commit them."""
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)
