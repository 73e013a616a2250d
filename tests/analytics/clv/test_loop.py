"""The event loop keeps answering while a fit's members are valued: a segment's CLV band
and the CLV report value every member of a fit, seconds of CPU at thousands of members
over years of days, in a thread (a scratch database holds the fit, so that it is the last
done)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.clv import service
from services.analytics.clv.models import ClvFit, ClvFitMember
from shared.db import AsyncSession, Sessions, create_sessions, transaction
from tests.stack import Stack

MEMBERS = 300
HORIZON = 3650  # days: ten years


@pytest.fixture(scope="module")
async def big_fit(stack: Stack) -> AsyncIterator[tuple[Sessions, uuid.UUID]]:
    """A done fit in days (CDNOW's estimates) of :data:`MEMBERS` members."""
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        sessions = create_sessions(engine)
        now = datetime.now(UTC)
        fit = ClvFit(
            state="done",
            calibration_end=date(2026, 6, 30),
            time_unit="day",
            requested_at=now,
            finished_at=now,
            r=0.243,
            alpha=4.414 * 7,
            a=0.793,
            b=2.426,
            p=6.25,
            q=3.74,
            gamma=1544.0,
        )
        rng = np.random.default_rng(11)
        ages = rng.integers(1, 270, MEMBERS)
        repeats = rng.integers(0, 12, MEMBERS)
        rows: list[dict[str, Any]] = [
            {
                "fit_id": fit.id,
                "member_id": uuid.uuid4(),
                "frequency": int(x),
                "recency_days": int(rng.integers(0, age)) if x else 0,
                "age_days": int(age),
                "monetary_fen": 3000.0 if x else 0.0,
                "holdout_purchases": 0,
            }
            for x, age in zip(repeats, ages, strict=True)
        ]
        async with transaction(sessions) as session:
            session.add(fit)
            await session.flush()
            await session.execute(insert(ClvFitMember), rows)
        try:
            yield sessions, fit.id
        finally:
            await engine.dispose()


async def _longest_pause(valuation: Awaitable[object]) -> tuple[float, float]:
    """How long the valuation took, and the longest the loop went without running a
    task that asks for it every 10 ms."""
    longest = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    try:
        await valuation
    finally:
        took = time.perf_counter() - started
        done.set()
        await ticking
    return took, longest


Valuation = Callable[[AsyncSession, uuid.UUID], Awaitable[object]]
VALUATIONS: dict[str, Valuation] = {
    "segment band": lambda session, _: service.members_valued_between(
        session, 1, None, HORIZON, 0.1
    ),
    "report": lambda session, fit_id: service.fit_values(session, fit_id, HORIZON, 0.1),
}


@pytest.mark.parametrize("name", list(VALUATIONS))
async def test_the_loop_answers_while_a_fits_members_are_valued(
    big_fit: tuple[Sessions, uuid.UUID], name: str
) -> None:
    sessions, fit_id = big_fit
    async with sessions() as session:
        took, longest = await _longest_pause(VALUATIONS[name](session, fit_id))
    assert longest < took / 4, f"the loop stopped {longest:.2f} s of the {took:.2f} s"
