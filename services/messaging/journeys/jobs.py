"""The journeys' workers: one runs the runs that fell due, polling every
``journey_poll_seconds``; the other runs the daily jobs: scheduling the holiday greetings
on the first day of a holiday of the brand's timezone, and forgetting the purchases kept
that journeys no longer need (see :mod:`shared.jobs`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from services.messaging.base import job_runs
from services.messaging.config import Settings
from services.messaging.journeys import sales, service
from shared.background import repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.jobs import DailyJob, DailyJobs, in_batches
from shared.service_app import Runtime

HOLIDAY_JOB = "messaging.holiday_greetings"
PURCHASES_JOB = "messaging.journey_purchases_forgotten"
FORGET_BATCH = 5_000
"""Purchases forgotten per transaction."""


async def forget_old_purchases(sessions: Sessions, now: datetime) -> int:
    """:func:`sales.forget_old`, a batch per transaction until none is left; how many."""
    return await in_batches(
        sessions, lambda session: sales.forget_old(session, now, FORGET_BATCH), FORGET_BATCH
    )


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the journeys' workers need messaging Settings")
    return settings


async def runs_worker(runtime: Runtime) -> None:
    """Runs the runs due, a batch per transaction (``journey_batch_size``), until
    cancelled; a crash mid-batch leaves the batch to the next poll, all of it undone."""
    settings = _settings(runtime)
    cipher = PiiCipher(settings.pii_key.get_secret_value())

    async def step() -> None:
        await service.run_due(runtime.sessions, cipher, settings.journey_batch_size)
        await asyncio.sleep(settings.journey_poll_seconds)

    await repeat_until_cancelled(step, "journey runs")


def daily_jobs(settings: Settings) -> DailyJobs:
    """The journeys' daily jobs, once per day of the brand's ``business_timezone``."""
    zone = ZoneInfo(settings.business_timezone)
    jobs = (
        DailyJob(HOLIDAY_JOB, service.greet_holidays),
        DailyJob(PURCHASES_JOB, forget_old_purchases),
    )
    return DailyJobs(job_runs, jobs, zone=lambda: zone)


async def daily_worker(runtime: Runtime) -> None:
    """The daily job's worker: runs until cancelled."""
    await daily_jobs(_settings(runtime)).run(runtime.sessions)
