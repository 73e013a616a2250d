"""A member's purchases and redemptions racing their joining or leaving land where their
points are: nothing on a pooled account, nothing lost, the ledger exact."""

from __future__ import annotations

import asyncio
import uuid

from services.loyalty.accounts.errors import InsufficientPoints
from services.loyalty.households.schemas import HouseholdPolicyIn
from services.loyalty.households.service import set_policy
from services.loyalty.points.invariants import check_ledger_invariants
from services.loyalty.redemption.schemas import RedemptionIn
from services.loyalty.redemption.service import redeem
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, handle, purchase_event
from tests.loyalty.households.conftest import household, joined, left, pooled

ROUNDS = 8


async def test_purchases_racing_joins_and_leaves_land_where_the_points_are(
    loyalty_sessions: Sessions,
) -> None:
    async with transaction(loyalty_sessions) as session:
        await set_policy(session, HouseholdPolicyIn(leaving_share="nothing"))
    head = await funded_member(loyalty_sessions, 10_000)  # 100
    household_id = await household(loyalty_sessions, head)
    members = [await funded_member(loyalty_sessions, 10_000) for _ in range(ROUNDS)]  # 100 each

    await asyncio.gather(
        *(handle(loyalty_sessions, joined(household_id, member)) for member in members),
        *(handle(loyalty_sessions, purchase_event(member, 5_000)) for member in members),  # 50
    )
    states = [await pooled(loyalty_sessions, member) for member in members]
    assert {(s.own_balance, s.pool_balance) for s in states} == {(0, 100 + ROUNDS * 150)}

    async def spend(member: uuid.UUID) -> int:
        """10 points spent; none if the member left first and took nothing with them."""
        try:
            async with transaction(loyalty_sessions) as session:
                await redeem(session, member, RedemptionIn(points=10, reason="兑换"))
        except InsufficientPoints:
            return 0
        return 10

    outcomes = await asyncio.gather(
        *(handle(loyalty_sessions, left(household_id, member)) for member in members),
        *(spend(member) for member in members),
        *(handle(loyalty_sessions, purchase_event(member, 1_000)) for member in members),  # 10
    )
    spent = sum(outcome for outcome in outcomes if isinstance(outcome, int))
    # every redemption and purchase landed on the pool or on the member's own account again
    pool = (await pooled(loyalty_sessions, head)).pool_balance
    own = sum([(await pooled(loyalty_sessions, member)).own_balance for member in members])
    assert pool is not None
    assert pool + own == 100 + ROUNDS * 150 - spent + ROUNDS * 10
    assert all(s.pooled_into is None for s in [await pooled(loyalty_sessions, m) for m in members])
    async with loyalty_sessions() as session:
        report = await check_ledger_invariants(session, members=[head, *members])
    assert report.ok, str(report)
