"""The policy tests set the brand's messaging policy and put the suite's neutral one back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from services.messaging.policy import service
from services.messaging.policy.schemas import MessagingPolicyIn
from shared.db import Sessions, asyncpg_dsn, transaction
from tests.fixtures import NEUTRAL_MESSAGING_POLICY
from tests.stack import Stack

NEUTRAL: dict[str, Any] = {
    "quiet_hours": None,
    "frequency_cap": None,
    "dedupe_window_hours": 0,
    "points_message": "each_sale",
}


@pytest.fixture(autouse=True)
async def neutral_again(stack: Stack) -> AsyncIterator[None]:
    """Other tests on this worker expect every message to go at once."""
    yield
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["messaging"]))
    try:
        await connection.execute(NEUTRAL_MESSAGING_POLICY)
    finally:
        await connection.close()


async def set_policy(sessions: Sessions, **changes: Any) -> None:
    """The neutral policy with ``changes``, as an admin sets it."""
    async with transaction(sessions) as session:
        await service.set_policy(
            session, MessagingPolicyIn.model_validate(NEUTRAL | changes), by="test-admin"
        )
