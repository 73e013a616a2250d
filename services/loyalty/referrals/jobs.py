"""The referral rewards' worker: the due work of qualified referrals whose return window
has passed (see :func:`services.loyalty.referrals.service.settle_due`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.loyalty.config import Settings
from services.loyalty.referrals.service import settle_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def reward_due(runtime: Runtime) -> None:
    """Loyalty's worker (see ``ServiceSpec.workers``): every ``referral_due_seconds``,
    settles the referrals due until none is; runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the referral worker needs loyalty Settings")
    interval = settings.referral_due_seconds

    async def step() -> None:
        while looked_at := await settle_due(runtime.sessions, datetime.now(UTC)):
            log.info("settled %d referrals due", looked_at)
        await asyncio.sleep(interval)

    await repeat_until_cancelled(step, "the referral rewards' due work")
