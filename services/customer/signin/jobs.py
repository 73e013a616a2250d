"""Sign-in's daily job: the purge of spent codes and finished sign-ins, once per day of
the brand's ``business_timezone`` in every replica (the purge is idempotent)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.customer.base import job_runs
from services.customer.config import Settings
from services.customer.signin import service
from shared.db import Sessions, transaction
from shared.jobs import DailyJob, DailyJobs
from shared.service_app import Runtime

JOB_NAME = "customer.signin_purge"


async def purge(sessions: Sessions, now: datetime) -> int:
    """One transaction deleting what sign-in no longer needs (:func:`service.purge`)."""
    async with transaction(sessions) as session:
        return await service.purge(session, now)


def daily_jobs(settings: Settings) -> DailyJobs:
    zone = ZoneInfo(settings.business_timezone)
    return DailyJobs(job_runs, (DailyJob(JOB_NAME, purge),), zone=lambda: zone)


async def worker(runtime: Runtime) -> None:
    """The daily jobs' worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("customer's daily jobs need customer Settings")
    await daily_jobs(settings).run(runtime.sessions)
