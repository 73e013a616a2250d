"""The running messaging app of the notifications API tests, and ``defaults_again``: every
template back at its default after a test that edits (the database is shared with the
other messaging tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.messaging.templates import repository, service
from shared.db import Sessions, transaction
from tests.messaging.notifications.conftest import client, feed

__all__ = ["client", "feed"]


@pytest.fixture
async def defaults_again(messaging_sessions: Sessions) -> AsyncIterator[None]:
    yield
    async with transaction(messaging_sessions) as session:
        for row in await repository.published(session):
            if row.text is not None:
                key = (row.template, row.channel, row.locale)
                await service.revert(session, key, 0, "test-cleanup")  # type: ignore[arg-type]
