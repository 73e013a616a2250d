"""The journey tests run with the journeys on (the defaults) and put the suite's quiet
journeys back after each (``tests.fixtures.QUIET_JOURNEYS``). Runs other tests left due
are run first, while the journeys are still off: skipped, they send nothing here. What a
test queued and did not send (no dispatcher ran) is cancelled after it, or the next test
on this worker that runs a dispatcher would deliver it to its own catcher."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.messaging.journeys import service
from shared.crypto import PiiCipher
from shared.db import Sessions, asyncpg_dsn
from shared.settings import DEV_PII_KEY
from tests.fixtures import QUIET_JOURNEYS
from tests.stack import Stack


@pytest.fixture(autouse=True)
async def journeys_on(stack: Stack, messaging_sessions: Sessions) -> AsyncIterator[None]:
    await service.run_due(messaging_sessions, PiiCipher(DEV_PII_KEY), 1_000)
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["messaging"]))
    try:
        await connection.execute("DELETE FROM messaging.journey_settings")
        yield
        await connection.execute(QUIET_JOURNEYS)
        await connection.execute(
            "UPDATE messaging.notifications SET status = 'cancelled', reason = 'test over' "
            "WHERE status IN ('queued', 'deferred') AND template = ANY($1::text[])",
            [*service.TEMPLATE_OF.values(), "coupon_granted"],
        )
    finally:
        await connection.close()
