"""Benefits per tier (discount, birthday gift, priority service, and the earning rule's
multiplier), set by marketing and read by tills for a member. Benefits are kept by tier
code: a tier removed from the ladder stops showing them, and gets them back if a tier of
the same code returns. A change holds the program ``FOR UPDATE``. Use cases flush, never
commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.loyalty.accounts import service as accounts
from services.loyalty.program import service as program
from services.loyalty.program.domain import base_tier
from services.loyalty.rules import service as rules
from services.loyalty.tiers.benefits import repository
from services.loyalty.tiers.benefits.errors import InvalidTierBenefits
from services.loyalty.tiers.benefits.repository import BenefitRow
from services.loyalty.tiers.benefits.schemas import (
    MemberBenefits,
    TierBenefitIn,
    TierBenefitOut,
    TierBenefits,
)
from services.loyalty.tiers.service import standing_of
from shared.db import AsyncSession


async def get_benefits(session: AsyncSession) -> TierBenefits:
    """Every tier of the ladder, lowest first, with its benefits (none set: no discount,
    no gift, no priority) and the earning rule's multiplier."""
    ladder = await program.current_ladder(session)
    rule = await rules.get_earning_rule(session)
    rows = {row.tier_code: row for row in await repository.benefits(session)}
    return TierBenefits(
        tiers=[
            _benefit_out(rung.code, rows.get(rung.code), rule.tier_multipliers_percent)
            for rung in ladder
        ]
    )


def _benefit_out(code: str, row: BenefitRow | None, multipliers: dict[str, int]) -> TierBenefitOut:
    return TierBenefitOut(
        code=code,
        discount_percent=row.discount_percent if row else 0,
        birthday_gift=row.birthday_gift if row else None,
        priority_service=row.priority_service if row else False,
        points_multiplier_percent=rules.tier_multiplier(multipliers, code),
    )


async def set_benefits(session: AsyncSession, items: Sequence[TierBenefitIn]) -> TierBenefits:
    """Replaces the benefits of every tier (a tier left out has none). Raises
    :class:`InvalidTierBenefits` (422) for a tier not on the ladder or named twice."""
    await program.locked_for_change(session)
    ladder = {rung.code for rung in await program.current_ladder(session)}
    codes = [item.code for item in items]
    unknown = sorted({code for code in codes if code not in ladder})
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    problems = [f"not on the ladder: {', '.join(unknown)}"] if unknown else []
    problems += [f"named more than once: {', '.join(repeated)}"] if repeated else []
    if problems:
        raise InvalidTierBenefits("Tier benefits are invalid: " + "; ".join(problems))
    await repository.replace_benefits(
        session,
        [
            BenefitRow(i.code, i.discount_percent, i.birthday_gift, i.priority_service)
            for i in items
        ],
    )
    return await get_benefits(session)


async def benefits_of(session: AsyncSession, member_id: uuid.UUID) -> MemberBenefits:
    """What the member's tier gives them now. Raises
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    await accounts.account_of(session, member_id)
    standing = await standing_of(session, member_id)
    ladder = await program.current_ladder(session)
    code = standing.tier_code if standing else base_tier(ladder).code
    name = next((rung.name for rung in ladder if rung.code == code), code)
    every = await get_benefits(session)
    tier = next((t for t in every.tiers if t.code == code), None)
    return MemberBenefits(
        member_id=member_id,
        tier_code=code,
        tier_name=name,
        assigned_until=standing.assigned_until if standing else None,
        discount_percent=tier.discount_percent if tier else 0,
        birthday_gift=tier.birthday_gift if tier else None,
        priority_service=tier.priority_service if tier else False,
        points_multiplier_percent=(
            tier.points_multiplier_percent if tier else rules.tier_multiplier({}, code)
        ),
    )
