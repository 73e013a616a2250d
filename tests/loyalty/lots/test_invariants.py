"""The ledger audit covers what part B adds: expired lots, adjustments' audit rows and
shortfall recoveries. A sound ledger passes; each corruption (made as the superuser, always
rolled back) is named by its invariant."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.loyalty.adjustments.schemas import AdjustmentIn
from services.loyalty.adjustments.service import adjust
from services.loyalty.lots.jobs import expire_due
from services.loyalty.points.invariants import Invariant, check_ledger_invariants
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from tests.loyalty.conftest import (
    SetPolicy,
    handle,
    ledger_of,
    ledger_sound,
    purchase_event,
    purchase_id_of,
    return_event,
)
from tests.stack import Stack


@contextlib.asynccontextmanager
async def _tampering(stack: Stack) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(stack.admin_url)
    try:
        async with AsyncSession(engine) as session:
            await session.execute(text("SET LOCAL session_replication_role = replica"))
            try:
                yield session
            finally:
                await session.rollback()
    finally:
        await engine.dispose()


@pytest.fixture
async def member(loyalty_sessions: Sessions, points_policy: SetPolicy) -> uuid.UUID:
    """A member with one expired lot, a staff adjustment and a shortfall paid back."""
    await points_policy(expiry="months_after_earning", expiry_months=3, shortfall_payback=True)
    member_id = uuid.uuid4()
    sale = purchase_event(member_id, 50_000)  # 500
    await handle(loyalty_sessions, sale)
    async with transaction(loyalty_sessions) as session:
        await redeem(session, member_id, RedemptionIn(points=450, reason="gift"))
        await adjust(session, member_id, AdjustmentIn(points=20, reason="goodwill"), staff="t")
    await handle(loyalty_sessions, return_event(member_id, purchase_id_of(sale), 50_000, 50_000))
    await handle(loyalty_sessions, purchase_event(member_id, 60_000))  # 600, 430 paid back
    async with loyalty_sessions() as session:
        [expires_at] = (
            await session.execute(
                text(
                    "SELECT max(l.expires_at) FROM loyalty.point_lots l JOIN "
                    "loyalty.account_holders h USING (account_id) WHERE h.member_id = :m"
                ),
                {"m": member_id},
            )
        ).one()
    await expire_due(loyalty_sessions, expires_at)
    kinds = [e.kind for e in await ledger_of(loyalty_sessions, member_id)]
    assert kinds == ["earn", "redeem", "adjust", "reverse", "earn", "recover", "expire"]
    assert await ledger_sound(loyalty_sessions, member_id) == ()
    return member_id


@pytest.mark.parametrize(
    ("corruption", "named"),
    [
        (
            "UPDATE loyalty.point_lots SET remaining = 1 WHERE lot_id IN (SELECT source_id "
            "FROM loyalty.ledger_entries WHERE source_type = 'expiry' AND account_id = :a)",
            Invariant.EXPIRED_LOTS,
        ),
        (
            "UPDATE loyalty.adjustments SET points = points + 1 WHERE account_id = :a",
            Invariant.ADJUSTED_AS_AUDITED,
        ),
        (
            "UPDATE loyalty.recoveries SET points = points + 1 WHERE account_id = :a",
            Invariant.RECOVERED_AS_RECORDED,
        ),
        (
            "DELETE FROM loyalty.recoveries WHERE account_id = :a",
            Invariant.RECOVERED_AS_RECORDED,
        ),
    ],
)
async def test_each_corruption_is_named_by_its_invariant(
    stack: Stack, member: uuid.UUID, corruption: str, named: Invariant
) -> None:
    async with _tampering(stack) as session:
        account = (
            await session.execute(
                text(
                    "SELECT account_id FROM loyalty.account_holders WHERE member_id = :m "
                    "AND role = 'owner'"
                ),
                {"m": member},
            )
        ).scalar_one()
        await session.execute(text(corruption), {"a": account})
        report = await check_ledger_invariants(session, members=[member])
        assert named in {violation.invariant for violation in report.violations}, str(report)
