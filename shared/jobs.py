"""Daily jobs: work a service does once a day of the brand, durably.

A :class:`DailyJob` is a function ``async (sessions, now) -> int`` (what it did, e.g. lots
expired) that is idempotent by its data and commits in batches of its own, so that a crash
mid-run loses nothing (the next run finds the rest) and doubles nothing (what was done is
no longer due). :class:`DailyJobs` runs each registered job once per day of the
``business_timezone``, at the first poll after the day begins, and records the day as done
in the service's ``job_runs`` table only once the job returned: a run a crash or a deploy
cut short is run again at the next poll, and a failing job is retried with backoff
(:func:`shared.background.repeat_until_cancelled`). Two replicas may run the same job at
once; the jobs' idempotency makes that harmless.

Register a service's jobs in its ``main.spec`` as a worker: ``workers=[jobs.worker]``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from shared.background import repeat_until_cancelled
from shared.db import AsyncSession, Sessions, transaction

log = logging.getLogger(__name__)

Job = Callable[[Sessions, datetime], Awaitable[int]]
"""``async (sessions, now) -> int``: idempotent, batched, commits its own transactions."""


async def in_batches(
    sessions: Sessions, step: Callable[[AsyncSession], Awaitable[int]], batch: int
) -> int:
    """Runs ``step`` (what it handled, at most ``batch``) a transaction each until one
    handles fewer than ``batch``; the total handled. The shape of a job whose work, once
    done, is no longer due: a crash between transactions leaves only the rest."""
    total = 0
    while True:
        async with transaction(sessions) as session:
            handled = await step(session)
        total += handled
        if handled < batch:
            return total


@dataclass(frozen=True)
class DailyJob:
    name: str
    """Stable: the day a job was done is recorded under it (at most 64 characters)."""
    run: Job


class JobRuns:
    """The ``job_runs`` table of one service's schema: each job's days done."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "job_runs",
            metadata,
            Column("job", String(64), primary_key=True),
            Column("day", Date, primary_key=True),
            Column("done", Integer, nullable=False),
            Column(
                "finished_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
        )

    async def done(self, sessions: Sessions, job: str, day: date) -> bool:
        async with sessions() as session:
            query = select(self.table.c.day).where(self.table.c.job == job, self.table.c.day == day)
            return (await session.execute(query)).first() is not None

    async def record(self, sessions: Sessions, job: str, day: date, done: int) -> None:
        async with transaction(sessions) as session:
            await session.execute(
                pg_insert(self.table)
                .values(job=job, day=day, done=done)
                .on_conflict_do_nothing(index_elements=["job", "day"])
            )


class DailyJobs:
    """Runs ``jobs`` once per day of ``zone``, polling every ``poll_seconds``."""

    def __init__(
        self,
        runs: JobRuns,
        jobs: Sequence[DailyJob],
        zone: Callable[[], tzinfo],
        poll_seconds: float = 60.0,
    ) -> None:
        self.runs = runs
        self.jobs = tuple(jobs)
        self.zone = zone
        self.poll_seconds = poll_seconds

    async def run_due(self, sessions: Sessions, now: datetime | None = None) -> dict[str, int]:
        """Runs every job not yet done on the brand's day of ``now`` (default: the clock);
        what each one did, by name. A job that raises leaves its day undone."""
        now = now or datetime.now(UTC)
        day = now.astimezone(self.zone()).date()
        ran: dict[str, int] = {}
        for job in self.jobs:
            if await self.runs.done(sessions, job.name, day):
                continue
            done = await job.run(sessions, now)
            await self.runs.record(sessions, job.name, day, done)
            log.info("daily job %s for %s done: %d", job.name, day, done)
            ran[job.name] = done
        return ran

    async def run(self, sessions: Sessions) -> None:
        """Polls until cancelled."""

        async def step() -> None:
            await self.run_due(sessions)
            await asyncio.sleep(self.poll_seconds)

        await repeat_until_cancelled(step, "daily jobs")
