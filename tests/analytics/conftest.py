from __future__ import annotations

import pytest

from services.analytics.config import Settings
from services.analytics.consumers import create_handlers
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handler
from tests.stack import Stack

Feed = dict[str, Handler]


@pytest.fixture
def handlers(stack: Stack) -> Feed:
    settings = stack.settings("analytics")
    assert isinstance(settings, Settings)
    return create_handlers(settings)


async def apply(sessions: Sessions, handlers: Feed, *events: CloudEvent) -> None:
    """Each event in its own transaction, as the consumer would commit them."""
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)
