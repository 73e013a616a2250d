"""The sweep: gives back the points of reservations whose hold or grace ran out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.loyalty.config import Settings
from services.loyalty.reservations.service import release_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def sweep(runtime: Runtime) -> None:
    """Loyalty's worker (see ``ServiceSpec.workers``): every ``till_sweep_seconds``,
    releases what is due until nothing is; runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the sweep needs loyalty Settings")
    interval = settings.till_sweep_seconds

    async def step() -> None:
        while released := await release_due(runtime.sessions, datetime.now(UTC)):
            log.info("released %d till reservations that ran out", released)
        await asyncio.sleep(interval)

    await repeat_until_cancelled(step, "the till reservation sweep")
