"""Loyalty's worker granting the due members of bulk grants (see
:mod:`services.loyalty.coupons.batches.service`)."""

from __future__ import annotations

import asyncio
import logging

from services.loyalty.coupons.batches.service import grant_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How soon a new batch starts, at most: one cheap indexed query a second when idle."""


async def grant_batches(runtime: Runtime) -> None:
    """Grants what is due, then polls every ``POLL_SECONDS``; runs until cancelled."""

    async def step() -> None:
        if settled := await grant_due(runtime.sessions):
            log.info("bulk coupon grants: %d members settled", settled)
        await asyncio.sleep(POLL_SECONDS)

    await repeat_until_cancelled(step, "bulk coupon grants")
