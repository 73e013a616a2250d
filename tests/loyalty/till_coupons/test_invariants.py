"""The audit of coupons at the till finds a coupon whose status its redemptions do not
explain."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from services.loyalty.accounts.invariants import Invariant
from services.loyalty.till_coupons.invariants import coupon_till_violations
from shared.db import Sessions, transaction
from tests.loyalty.till_coupons.conftest import hold, holder


async def test_a_coupon_redeemed_without_its_sale_or_active_under_a_hold_is_found(
    client: httpx.AsyncClient, loyalty_sessions: Sessions
) -> None:
    used = await holder(client, loyalty_sessions)
    held = await holder(client, loyalty_sessions)
    await hold(client, held)
    async with transaction(loyalty_sessions) as session:
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'redeemed' WHERE id = :c"),
            {"c": used.coupon_id},
        )
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'active' WHERE id = :c"),
            {"c": held.coupon_id},
        )
    async with loyalty_sessions() as session:
        found = await coupon_till_violations(session, [used.member_id, held.member_id])
    assert sorted((v.invariant, str(v.subject)) for v in found) == sorted(
        [
            (Invariant.COUPON_REDEMPTIONS, used.coupon_id),
            (Invariant.COUPON_REDEMPTIONS, held.coupon_id),
        ]
    )
    async with transaction(loyalty_sessions) as session:  # leave the database sound
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'active' WHERE id = :c"),
            {"c": used.coupon_id},
        )
        await session.execute(
            text("UPDATE loyalty.coupons SET status = 'reserved' WHERE id = :c"),
            {"c": held.coupon_id},
        )
