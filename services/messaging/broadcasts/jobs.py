"""The broadcasts' worker: hands due broadcasts' recipients to the notifications at each
broadcast's pace (``rate_per_second``), one batch per transaction.

Each step claims one due broadcast with ``FOR UPDATE SKIP LOCKED`` and, in the same
transaction, queues a batch's notifications and marks those recipients notified
(:func:`.service.send_due`): replicas share the broadcasts and never run one batch twice;
a crash before the commit leaves the batch pending, after it done. When nothing is due it
sleeps until the next batch is (at most :data:`IDLE_POLL_SECONDS`): a broadcast started
meanwhile is picked up by then. A poll that finds nothing due is one statement.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.messaging.broadcasts import service
from services.messaging.config import Settings
from shared.background import repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions, single_statement, transaction
from shared.service_app import Runtime

IDLE_POLL_SECONDS = 0.5


async def send_step(sessions: Sessions, cipher: PiiCipher) -> bool:
    """One step in its own transaction; whether a broadcast was due."""
    async with transaction(sessions) as session:
        return await service.send_due(session, cipher, datetime.now(UTC))


async def run(sessions: Sessions, cipher: PiiCipher) -> None:
    """Steps until cancelled, pausing while nothing is due. Whether anything is due is
    read first, in one statement without a transaction: most polls find nothing, and
    each cost a claiming transaction and a read (six round trips, twice a second)."""

    async def step() -> None:
        await asyncio.sleep(await poll(sessions, cipher))

    await repeat_until_cancelled(step, "broadcasts")


async def poll(sessions: Sessions, cipher: PiiCipher) -> float:
    """Runs a step if a batch is due; the seconds to pause before the next poll (0 after
    a step)."""
    async with single_statement(sessions) as session:
        due = await service.next_due(session)
    if due is not None and due <= datetime.now(UTC) and await send_step(sessions, cipher):
        return 0.0
    if due is None:
        return IDLE_POLL_SECONDS
    return min(IDLE_POLL_SECONDS, max(0.0, (due - datetime.now(UTC)).total_seconds()))


async def worker(runtime: Runtime) -> None:
    """The broadcasts' worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the broadcasts' worker needs messaging Settings")
    await run(runtime.sessions, PiiCipher(settings.pii_key.get_secret_value()))
