"""A dispatcher of its own for a test: fresh connections to the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from services.messaging.config import Settings
from services.messaging.delivery.jobs import Dispatcher
from services.messaging.delivery.kinds import providers
from shared.crypto import PiiCipher
from shared.db import Sessions, create_engine, create_sessions
from shared.settings import DEV_PII_KEY
from tests.messaging.conftest import SmsEndpoint
from tests.stack import Stack


@asynccontextmanager
async def dispatcher(
    stack: Stack, sms_gateway: SmsEndpoint, **overrides: Any
) -> AsyncIterator[tuple[Dispatcher, Sessions]]:
    """A dispatcher on fresh connections of the test database, sending to ``sms_gateway``."""
    settings = stack.settings(
        "messaging", sms_gateway_url=sms_gateway.url, sms_api_key=sms_gateway.api_key, **overrides
    )
    assert isinstance(settings, Settings)
    engine = create_engine(settings)
    channels = providers(settings)
    sessions = create_sessions(engine)
    try:
        yield (
            Dispatcher(
                settings=settings,
                sessions=sessions,
                cipher=PiiCipher(DEV_PII_KEY),
                providers=channels,
            ),
            sessions,
        )
    finally:
        for provider in channels.values():
            await provider.aclose()
        await engine.dispose()
