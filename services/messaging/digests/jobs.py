"""The daily job queuing the points digests of the day that ended (``daily_digest``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.messaging.base import job_runs
from services.messaging.config import Settings
from services.messaging.digests import service
from shared.crypto import PiiCipher
from shared.db import Sessions
from shared.jobs import DailyJob, DailyJobs
from shared.service_app import Runtime

JOB_NAME = "messaging.points_digest"


def daily_jobs(settings: Settings) -> DailyJobs:
    """Messaging's daily jobs, once per day of the brand's ``business_timezone``."""
    zone = ZoneInfo(settings.business_timezone)
    cipher = PiiCipher(settings.pii_key.get_secret_value())

    async def send_digests(sessions: Sessions, now: datetime) -> int:
        return await service.send_due(sessions, cipher, now, zone)

    return DailyJobs(job_runs, (DailyJob(JOB_NAME, send_digests),), zone=lambda: zone)


async def worker(runtime: Runtime) -> None:
    """The daily jobs' worker (see ``ServiceSpec.workers``): runs until cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("messaging's daily jobs need messaging Settings")
    await daily_jobs(settings).run(runtime.sessions)
