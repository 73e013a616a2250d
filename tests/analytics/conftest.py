from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.stack import Stack, consumer_caught_up, running, staff_headers

Feed = Handlers
ANALYST = staff_headers("analyst")
PROBLEM = "application/problem+json"


@pytest.fixture
def handlers(stack: Stack) -> Feed:
    return stack.handlers("analytics")


@pytest.fixture(scope="module")
def analytics_app(stack: Stack) -> FastAPI:
    """The module's analytics app (its consumer group: ``.state.spec.settings``)."""
    return stack.app("analytics")


@pytest.fixture(scope="module")
async def client(analytics_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(analytics_app) as client:
        yield client


async def caught_up(stack: Stack, app: FastAPI) -> bool:
    """Whether ``app``'s consumer has committed every event on the topics it consumes."""
    spec = app.state.spec
    return await consumer_caught_up(
        stack.bootstrap_servers, spec.settings.consumer_group_id, spec.subscriptions
    )


async def apply(sessions: Sessions, handlers: Feed, *events: CloudEvent) -> None:
    """Each event in its own transaction, as the consumer would commit them."""
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)
