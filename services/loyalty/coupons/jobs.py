"""The daily jobs of coupons: announce what expires soon, expire what passed its validity,
grant birthday coupons.

Each is idempotent by its data and commits in batches (see :mod:`shared.jobs`); the
announcement is :mod:`services.loyalty.coupons.expiring.jobs`'s. A coupon
expires by a conditional ``UPDATE`` of its status ``active`` → ``expired`` with its
``loyalty.coupon.expired`` in the same transaction; an expired coupon is no longer due, so
a crash between batches leaves the rest for the next run and doubles nothing. Rows a sale
holds (a till's lock) are skipped, and a coupon reserved by a sale in progress is not
``active``, so it is not expired under the sale: released, it expires at the next run.
"""

from __future__ import annotations

from datetime import datetime

from services.loyalty.base import emit
from services.loyalty.coupons import repository
from services.loyalty.coupons.birthdays.service import grant_birthday_coupons
from services.loyalty.coupons.expiring.jobs import announce_expiring
from shared.db import AsyncSession, Sessions
from shared.events.coupons import CouponExpired
from shared.jobs import DailyJob, in_batches

BATCH = 500
"""Coupons per transaction."""


async def expire_due(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Expires every active coupon whose validity ended at or before ``now``, a batch per
    transaction, publishing ``loyalty.coupon.expired`` for each; how many it expired."""

    async def step(session: AsyncSession) -> int:
        rows = await repository.expire(session, until=now, limit=batch)
        await emit(
            session,
            *(
                CouponExpired(
                    coupon_id=row.coupon_id,
                    member_id=row.member_id,
                    account_id=row.account_id,
                    definition_id=row.definition_id,
                    definition_name=row.definition_name,
                    valid_until=row.valid_until,
                    expired_at=now,
                )
                for row in rows
            ),
        )
        return len(rows)

    return await in_batches(sessions, step, batch)


DAILY = (
    DailyJob("coupons.announce_expiring", announce_expiring),
    DailyJob("coupons.expire", expire_due),
    DailyJob("coupons.birthday", grant_birthday_coupons),
)
