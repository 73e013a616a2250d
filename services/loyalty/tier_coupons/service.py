"""Use cases of tier coupons: the definitions each tier grants, set by marketing, and the
daily grant. A member on a tier gets one coupon of each of its definitions per calendar
year of the brand (grant key ``tier:<code>:<year>``): at the latest on the day after
they reach the tier, and again each year they are still on it. ``get`` and ``replace``
flush, never commit; the daily job commits batches of its own (see :mod:`shared.jobs`)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from datetime import datetime

from services.loyalty.coupons import service as coupons
from services.loyalty.coupons.errors import CouponDefinitionNotFound
from services.loyalty.program import service as program
from services.loyalty.program.errors import UnknownTier
from services.loyalty.tier_coupons import repository
from services.loyalty.tier_coupons.models import TierCoupon
from services.loyalty.tier_coupons.schemas import TierCouponsIn, TierCouponsOut
from services.loyalty.tiers import service as tiers
from shared.db import AsyncSession, Sessions, transaction
from shared.inputs import input_defaults

log = logging.getLogger(__name__)

BATCH = 200
"""Members per transaction of the daily grant."""


def grant_key(tier_code: str, year: int) -> str:
    return f"tier:{tier_code}:{year}"


async def get(session: AsyncSession) -> TierCouponsOut:
    rows = await repository.all_(session)
    tiers_: dict[str, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        tiers_[row.tier_code].append(row.definition_id)
    latest = max(rows, key=lambda row: row.updated_at, default=None)
    return TierCouponsOut(
        tiers=dict(tiers_),
        updated_at=latest.updated_at if latest else None,
        updated_by=latest.updated_by if latest else None,
    )


async def replace(session: AsyncSession, body: TierCouponsIn, *, by: str) -> TierCouponsOut:
    """Replaces every tier's definitions. Raises ``UnknownTier`` (422, field ``tiers``)
    for a tier not on the ladder and :class:`CouponDefinitionNotFound` (404, field
    ``tiers``) for an unknown definition."""
    ladder = {rung.code for rung in await program.current_ladder(session)}
    if unknown := sorted(set(body.tiers) - ladder):
        raise UnknownTier(f"Not on the ladder: {', '.join(unknown)}", field="tiers")
    rows = []
    for code, definition_ids in body.tiers.items():
        for definition_id in dict.fromkeys(definition_ids):
            try:
                await coupons.get_definition(session, definition_id)
            except CouponDefinitionNotFound as missing:
                raise CouponDefinitionNotFound(missing.detail, field="tiers") from None
            rows.append(TierCoupon(tier_code=code, definition_id=definition_id, updated_by=by))
    await repository.replace(session, rows)
    return await get(session)


async def grant_tier_coupons(sessions: Sessions, now: datetime, batch: int = BATCH) -> int:
    """Grants each member on a tier the tier's definitions they were not granted this year
    of the brand, a batch of members per transaction; how many coupons it granted. A
    refusal (the per-member limit, the quantity) is logged and counted, and tried again
    the next day (a coupon given back to the quantity can still reach the member)."""
    year = now.astimezone(input_defaults().business_timezone).year
    async with sessions() as session:
        by_tier: dict[str, list[uuid.UUID]] = defaultdict(list)
        for row in await repository.all_(session):
            by_tier[row.tier_code].append(row.definition_id)
    granted = 0
    refused: Counter[str] = Counter()
    for code, definition_ids in by_tier.items():
        key = grant_key(code, year)
        after: uuid.UUID | None = None
        while True:
            async with transaction(sessions) as session:
                members = await tiers.members_on(session, code, after=after, limit=batch)
                for definition_id in definition_ids:
                    holding = await coupons.holders(session, definition_id, key, members)
                    for member_id in members:
                        if member_id in holding:
                            continue
                        outcome = await coupons.try_grant(
                            session, definition_id, member_id, key, now
                        )
                        if isinstance(outcome, str):
                            refused[outcome] += 1
                        else:
                            granted += 1
            if len(members) < batch:
                break
            after = members[-1]
    if refused:
        log.warning("tier coupons of %d refused: %s", year, dict(refused))
    return granted
