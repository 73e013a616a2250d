"""Loyalty's worker closing out ended campaigns (see :mod:`services.loyalty.campaigns.closeout`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.loyalty.campaigns.closeout import close_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)

POLL_SECONDS = 60.0
"""How soon after its end a campaign is closed out, at most (plus the close-out itself)."""


async def close_out(runtime: Runtime) -> None:
    """Every ``POLL_SECONDS``, closes the campaigns that have ended; runs until cancelled."""

    async def step() -> None:
        if closed := await close_due(runtime.sessions, datetime.now(UTC)):
            log.info("closed out %d campaigns", closed)
        await asyncio.sleep(POLL_SECONDS)

    await repeat_until_cancelled(step, "the campaign close-out")
