"""Program configuration: the tier ladder and the earning rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.loyalty import domain, repository
from services.loyalty.domain import Rung
from services.loyalty.errors import UnknownTier
from services.loyalty.models import emit
from services.loyalty.schemas import (
    EarningRuleIn,
    EarningRuleOut,
    Ladder,
    LadderReplaced,
    TierIn,
    TierOut,
)
from services.loyalty.service.common import current_ladder, forget_program, tier_changed
from shared.db import AsyncSession
from shared.events.loyalty import TierChanged


async def get_ladder(session: AsyncSession) -> Ladder:
    tiers = await repository.ladder(session)
    return Ladder(tiers=[TierOut.model_validate(tier) for tier in tiers])


async def replace_ladder(session: AsyncSession, tiers: Sequence[TierIn]) -> LadderReplaced:
    """Replaces the ladder; accounts on a tier that is gone are placed on the new ladder by
    their qualifying spend, and multipliers of removed tiers are dropped."""
    rungs = [Rung(t.code, t.name, t.threshold_fen) for t in tiers]
    domain.check_ladder(rungs)
    rule = await repository.earning_rule(session, lock="update")
    forget_program(session)
    previous = {rung.code: rung for rung in await current_ladder(session)}
    await repository.replace_tiers(session, [tier.model_dump() for tier in tiers])
    codes = [rung.code for rung in rungs]
    multipliers = {c: p for c, p in rule.tier_multipliers_percent.items() if c in codes}
    if multipliers != rule.tier_multipliers_percent:
        await repository.save_earning_rule(session, rule.points_per_yuan, multipliers)
    stranded = await repository.accounts_off_ladder(session, codes)
    moves: list[tuple[uuid.UUID, str]] = []
    changes: list[TierChanged] = []
    for account in stranded:
        to = domain.tier_for_spend(rungs, account.qualifying_spend_fen)
        old = previous.get(account.tier_code)
        direction = domain.direction(old.threshold_fen if old else -1, to.threshold_fen)
        moves.append((account.member_id, to.code))
        changes.append(
            tier_changed(
                account.member_id, account.tier_code, to, direction, account.qualifying_spend_fen
            )
        )
    await repository.move_tiers(session, moves)
    await emit(session, *changes)
    return LadderReplaced(
        tiers=[TierOut(**tier.model_dump()) for tier in tiers], accounts_moved=len(moves)
    )


async def get_earning_rule(session: AsyncSession) -> EarningRuleOut:
    rule = await repository.earning_rule(session)
    return EarningRuleOut(
        points_per_yuan=rule.points_per_yuan,
        tier_multipliers_percent=rule.tier_multipliers_percent,
        updated_at=rule.updated_at,
    )


async def set_earning_rule(session: AsyncSession, data: EarningRuleIn) -> EarningRuleOut:
    await repository.earning_rule(session, lock="update")
    forget_program(session)
    ladder = await current_ladder(session)
    unknown = domain.unknown_tiers(data.tier_multipliers_percent, ladder)
    if unknown:
        raise UnknownTier(
            f"tier_multipliers_percent names {', '.join(map(repr, unknown))}, an unknown tier "
            f"in the ladder (tiers: {', '.join(rung.code for rung in ladder)})",
            field="tier_multipliers_percent",
            unknown_tiers=unknown,
        )
    await repository.save_earning_rule(
        session, data.points_per_yuan, dict(data.tier_multipliers_percent)
    )
    return await get_earning_rule(session)
