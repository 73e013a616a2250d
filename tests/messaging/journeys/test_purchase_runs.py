"""A run of purchases in one consumer batch (``follow_purchases``) schedules what the same
purchases consumed one by one would: one welcome per member at their first purchase seen,
and one pending win-back after their latest purchase (property over random orders)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from services.messaging.journeys.models import JourneyRun
from shared.db import Sessions, transaction
from shared.inbox import BoundRuns, Handlers
from tests.messaging.journeys import events

START = datetime(2027, 3, 1, 4, tzinfo=UTC)
PURCHASES = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200)), min_size=1, max_size=12)
"""Purchases as (which of three members, days after ``START``), in the order consumed."""


async def _outcome(
    sessions: Sessions, members: list[uuid.UUID], ids: dict[str, int]
) -> list[tuple[int, str, str, datetime, bool]]:
    """Each member's runs as (member index, journey, occurrence as its purchase's index,
    due, done), comparable across members of different ids."""
    async with sessions() as session:
        runs = await session.scalars(
            select(JourneyRun).where(col(JourneyRun.member_id).in_(members))
        )
        return sorted(
            (
                members.index(run.member_id),
                run.journey,
                str(ids.get(run.occurrence, run.occurrence)),
                run.due_at,
                run.done_at is not None,
            )
            for run in runs
        )


async def _check(
    sessions: Sessions, handler: BoundRuns[object], purchases: list[tuple[int, int]]
) -> None:
    outcomes = []
    for together in (False, True):
        members = [uuid.uuid4() for _ in range(3)]
        batch = [events.purchased(members[m], START + timedelta(days=d)) for m, d in purchases]
        if together:
            async with transaction(sessions) as session:
                await handler.run(session, batch)
        else:
            for event in batch:
                async with transaction(sessions) as session:
                    await handler(session, event)
        ids = {str(e.data["purchase_id"]): i for i, e in enumerate(batch)}
        outcomes.append(await _outcome(sessions, members, ids))
    assert outcomes[0] == outcomes[1]


async def test_a_run_of_purchases_ends_as_one_by_one(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    handler = handlers["orders.purchase.completed"]
    assert isinstance(handler, BoundRuns)
    loop = asyncio.get_running_loop()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(purchases=PURCHASES)
    def prop(purchases: list[tuple[int, int]]) -> None:
        asyncio.run_coroutine_threadsafe(
            _check(messaging_sessions, handler, purchases), loop
        ).result()

    await asyncio.to_thread(prop)
