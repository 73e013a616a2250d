"""The sweep of coupons at the till: gives back coupons whose hold or grace ran out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.loyalty.config import Settings
from services.loyalty.till_coupons.service import release_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def sweep(runtime: Runtime) -> None:
    """Loyalty's worker (see ``ServiceSpec.workers``): every ``till_sweep_seconds``, as the
    points sweep, releases what is due until nothing is; runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the coupon sweep needs loyalty Settings")
    interval = settings.till_sweep_seconds

    async def step() -> None:
        while due := await release_due(runtime.sessions, datetime.now(UTC)):
            log.info("gave back %d coupons whose till hold ran out", due)
        await asyncio.sleep(interval)

    await repeat_until_cancelled(step, "the till coupon sweep")
