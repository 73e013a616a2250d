"""Coupons about to expire, over the real database: the daily job announces each active
coupon once, its definition's notice days ahead, and none that was used, withdrawn or
already expired; a coupon a till holds is announced at the next run.

No app runs here (no ``client``), so no worker competes with the runs the tests make.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from services.loyalty.coupons import service
from services.loyalty.coupons.expiring import jobs
from services.loyalty.coupons.models import CouponDefinition
from services.loyalty.coupons.schemas import GrantIn
from shared.db import Sessions, transaction
from tests.loyalty.conftest import funded_member, published

EXPIRING = "loyalty.coupon.expiring"


async def _definition(sessions: Sessions, notice_days: int = 3) -> CouponDefinition:
    """A cash voucher of 20 yuan valid 30 days, announced ``notice_days`` ahead."""
    row = CouponDefinition(
        name="20元代金券",
        kind="cash_voucher",
        terms={"value_fen": 2_000},
        scope={"stores": [], "categories": [], "skus": []},
        valid_days=30,
        per_member_limit=10,
        face_value_fen=2_000,
        stackable=False,
        created_by="test",
        expiring_notice_days=notice_days,
    )
    async with transaction(sessions) as session:
        session.add(row)
    return row


async def _coupon(
    sessions: Sessions,
    member: uuid.UUID,
    definition: CouponDefinition,
    ends: datetime,
    status: str = "active",
) -> str:
    """A coupon of ``definition`` granted to ``member``, valid until ``ends``, in ``status``."""
    async with transaction(sessions) as session:
        out = await service.grant(
            session,
            member,
            GrantIn(definition_id=definition.id, grant_key=uuid.uuid4().hex[:12]),
            show_code=False,
        )
        await session.execute(
            text(
                "UPDATE loyalty.coupons SET valid_until = :ends, status = :status, "
                "valid_from = CAST(:ends AS timestamptz) - interval '30 days' WHERE id = :id"
            ),
            {"id": out.id, "ends": ends, "status": status},
        )
    return str(out.id)


async def _announced(sessions: Sessions, member: uuid.UUID) -> list[str]:
    return sorted(event["coupon_id"] for event in await published(sessions, member, EXPIRING))


async def test_each_coupon_is_announced_once_within_its_notice_days(
    loyalty_sessions: Sessions,
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    default, fortnight = (
        await _definition(loyalty_sessions),
        await _definition(loyalty_sessions, notice_days=14),
    )
    now = datetime.now(UTC)
    soon = await _coupon(loyalty_sessions, member, default, now + timedelta(days=2, hours=23))
    later = await _coupon(loyalty_sessions, member, default, now + timedelta(days=3, hours=1))
    ten_days = await _coupon(loyalty_sessions, member, fortnight, now + timedelta(days=10))

    assert await jobs.announce_expiring(loyalty_sessions, now) >= 2
    assert await _announced(loyalty_sessions, member) == sorted([soon, ten_days])
    announced = await published(loyalty_sessions, member, EXPIRING)
    first = next(event for event in announced if event["coupon_id"] == soon)
    assert first["definition_name"] == "20元代金券"
    assert first["kind"] == "cash_voucher"
    assert first["face_value_fen"] == 2_000
    assert first["member_id"] == str(member)

    await jobs.announce_expiring(loyalty_sessions, now)  # a second run of the day
    assert len(await published(loyalty_sessions, member, EXPIRING)) == 2

    # the next day, the coupon 3 days and an hour away is within its notice: once
    await jobs.announce_expiring(loyalty_sessions, now + timedelta(days=1))
    await jobs.announce_expiring(loyalty_sessions, now + timedelta(days=1))
    assert await _announced(loyalty_sessions, member) == sorted([soon, later, ten_days])


async def test_used_withdrawn_and_expired_coupons_are_not_announced(
    loyalty_sessions: Sessions,
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition = await _definition(loyalty_sessions)
    now = datetime.now(UTC)
    ends = now + timedelta(days=1)
    for status in ("redeemed", "withdrawn", "expired"):
        await _coupon(loyalty_sessions, member, definition, ends, status)
    await _coupon(loyalty_sessions, member, definition, now - timedelta(hours=1))  # ended

    await jobs.announce_expiring(loyalty_sessions, now)
    assert await _announced(loyalty_sessions, member) == []


async def test_a_coupon_a_till_holds_is_announced_at_the_next_run(
    loyalty_sessions: Sessions,
) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition = await _definition(loyalty_sessions)
    now = datetime.now(UTC)
    held = await _coupon(loyalty_sessions, member, definition, now + timedelta(days=1))
    async with transaction(loyalty_sessions) as till:
        await till.execute(
            text("SELECT 1 FROM loyalty.coupons WHERE id = :id FOR UPDATE"), {"id": held}
        )
        await jobs.announce_expiring(loyalty_sessions, now)
        assert await _announced(loyalty_sessions, member) == []
    await jobs.announce_expiring(loyalty_sessions, now)
    assert await _announced(loyalty_sessions, member) == [held]


async def test_batches_announce_every_coupon(loyalty_sessions: Sessions) -> None:
    member = await funded_member(loyalty_sessions, 10_000)
    definition = await _definition(loyalty_sessions)
    now = datetime.now(UTC)
    coupons = [
        await _coupon(loyalty_sessions, member, definition, now + timedelta(hours=1 + i))
        for i in range(5)
    ]
    await jobs.announce_expiring(loyalty_sessions, now, batch=2)
    assert await _announced(loyalty_sessions, member) == sorted(coupons)
