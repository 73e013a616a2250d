from __future__ import annotations

import pytest

from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.stack import Stack

Feed = Handlers


@pytest.fixture
def handlers(stack: Stack) -> Feed:
    return stack.handlers("analytics")


async def apply(sessions: Sessions, handlers: Feed, *events: CloudEvent) -> None:
    """Each event in its own transaction, as the consumer would commit them."""
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)
