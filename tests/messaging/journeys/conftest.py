"""The journey tests may set the journeys; each leaves the defaults behind for the next."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import asyncpg_dsn
from tests.stack import Stack


@pytest.fixture(autouse=True)
async def default_journeys_again(stack: Stack) -> AsyncIterator[None]:
    yield
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_urls["messaging"]))
    try:
        await connection.execute("DELETE FROM messaging.journey_settings")
    finally:
        await connection.close()
