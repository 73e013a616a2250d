"""The refresher: every ``segment_poll_seconds`` it queues the segments whose scheduled
refresh is due (one transaction), then runs the queued runs one per transaction, oldest
first. A run's transaction holds its row (``FOR UPDATE SKIP LOCKED``) from the claim until
its membership, ``done`` and events are written, so a crash leaves it queued and replicas
skip a run another holds."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.analytics.config import Settings
from services.analytics.segments import service
from shared.background import repeat_until_cancelled
from shared.db import Sessions, transaction
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def refresh_due(sessions: Sessions, zone: ZoneInfo) -> int:
    """Queues the due segments, then runs every queued run; how many runs were done."""
    async with transaction(sessions) as session:
        await service.queue_due(session, datetime.now(UTC))
    done = 0
    while True:
        async with transaction(sessions) as session:
            run = await service.refresh_next(session, zone, datetime.now(UTC))
        if run is None:
            return done
        done += 1
        log.info(
            "segment %s run %s: %s members, %s added, %s removed",
            run.segment_id,
            run.sequence,
            run.members,
            run.added,
            run.removed,
        )


async def refresher(runtime: Runtime) -> None:
    """The segments' worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the segment refresher needs analytics Settings")
    zone = ZoneInfo(settings.business_timezone)

    async def step() -> None:
        await refresh_due(runtime.sessions, zone)
        await asyncio.sleep(settings.segment_poll_seconds)

    await repeat_until_cancelled(step, "segment refreshes")
