"""The daily job announcing coupons about to expire.

A coupon is announced by setting its ``expiring_announced_at`` with its
``loyalty.coupon.expiring`` in the same transaction, a batch per transaction (see
:mod:`shared.jobs`): a crash between batches leaves the rest for the next run, and a
coupon announced is no longer due, so none is announced twice.
"""

from __future__ import annotations

from datetime import datetime

from services.loyalty.base import emit
from services.loyalty.coupons.expiring import repository
from shared.db import AsyncSession, Sessions
from shared.events.coupons import CouponExpiring
from shared.jobs import in_batches

BATCH = 500
"""Coupons per transaction."""


async def announce_expiring(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Announces (``loyalty.coupon.expiring``, to the member it was granted to) every active
    coupon whose validity ends after ``now`` and within its definition's
    ``expiring_notice_days``, once per coupon, a batch per transaction; how many it
    announced. A coupon used, withdrawn or expired is not active and never announced."""

    async def step(session: AsyncSession) -> int:
        rows = await repository.mark_expiring(session, now=now, limit=batch)
        await emit(
            session,
            *(
                CouponExpiring(
                    coupon_id=row.coupon_id,
                    member_id=row.member_id,
                    account_id=row.account_id,
                    definition_id=row.definition_id,
                    definition_name=row.definition_name,
                    kind=row.kind,
                    face_value_fen=row.face_value_fen,
                    valid_until=row.valid_until,
                    announced_at=now,
                )
                for row in rows
            ),
        )
        return len(rows)

    return await in_batches(sessions, step, batch)
