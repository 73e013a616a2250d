"""The points policy is the brand's, one for the shared test database: a test that sets one
gets the defaults back when it ends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from services.loyalty.lots.schemas import PointsPolicyIn
from services.loyalty.lots.service import set_policy
from services.loyalty.points.invariants import check_ledger_invariants
from shared.db import Sessions, transaction

SetPolicy = Callable[..., Awaitable[None]]


@pytest.fixture
async def points_policy(loyalty_sessions: Sessions) -> AsyncIterator[SetPolicy]:
    """``await points_policy(return_window_days=7, ...)`` sets the policy for this test."""

    async def set_(**settings: Any) -> None:
        async with transaction(loyalty_sessions) as session:
            await set_policy(session, PointsPolicyIn(**settings), by="test")

    yield set_
    async with transaction(loyalty_sessions) as session:
        await session.execute(text("DELETE FROM loyalty.points_policy"))


async def ledger_sound(sessions: Sessions, *members: uuid.UUID) -> tuple[str, ...]:
    """The ledger's invariant violations over the members' accounts (empty: sound)."""
    async with sessions() as session:
        report = await check_ledger_invariants(session, members=members)
    return tuple(str(violation) for violation in report.violations)
