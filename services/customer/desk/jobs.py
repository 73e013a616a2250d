"""The desk's worker: escalates overdue tickets (see :mod:`.escalation`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.customer.config import Settings
from services.customer.desk.escalation import escalate_due
from shared.background import repeat_until_cancelled
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def escalations(runtime: Runtime) -> None:
    """Every ``desk_escalation_poll_seconds``, escalates the tickets past their SLA; runs
    until cancelled. A ticket escalates at most that long after its due time."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the escalation worker needs customer Settings")

    async def step() -> None:
        if escalated := await escalate_due(runtime.sessions, datetime.now(UTC)):
            log.info("escalated %d overdue tickets", escalated)
        await asyncio.sleep(settings.desk_escalation_poll_seconds)

    await repeat_until_cancelled(step, "ticket escalation")
