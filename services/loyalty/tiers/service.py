"""Tier standing: a member's tier and qualifying spend, promotion, demotion, TierChanged.

Standings change with purchases and returns (their writes go along with the points
movement, see :meth:`Requalified.along`) and when the ladder is replaced. Every change
holds the program row (``FOR SHARE`` or ``FOR UPDATE``), so a standing never moves on a
ladder that is being replaced. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.loyalty.accounts.service import Along
from services.loyalty.base import emit
from services.loyalty.program import service as program
from services.loyalty.program.domain import Rung, base_tier
from services.loyalty.program.schemas import TierIn, TierOut
from services.loyalty.tiers import domain, repository
from services.loyalty.tiers.domain import Direction
from services.loyalty.tiers.schemas import LadderReplaced
from shared.db import AsyncSession
from shared.events.loyalty import TierChanged


@dataclass(frozen=True)
class Standing:
    member_id: uuid.UUID
    tier_code: str
    qualifying_spend_fen: int


def _tier_changed(
    standing: Standing, to: Rung, direction: Direction, spend_fen: int
) -> TierChanged:
    return TierChanged(
        member_id=standing.member_id,
        from_tier=standing.tier_code,
        to_tier=to.code,
        to_tier_name=to.name,
        direction=direction,
        qualifying_spend_fen=spend_fen,
    )


async def standing_of(session: AsyncSession, member_id: uuid.UUID) -> Standing | None:
    """The member's standing, unlocked (for reading); None for a member loyalty never saw."""
    row = await repository.standing(session, member_id)
    return Standing(row.member_id, row.tier_code, row.qualifying_spend_fen) if row else None


async def locked_standing(
    session: AsyncSession, member_id: uuid.UUID, ladder: Sequence[Rung], *, new: bool = False
) -> Standing:
    """The member's standing, locked; opened on the ladder's base tier if they are new.

    ``new`` says the member is most likely new (a registration): the opening is tried
    first, which saves the lookup that would find nothing."""
    row = None if new else await repository.standing(session, member_id, lock=True)
    if row is None:
        row = await repository.open_standing(session, member_id, base_tier(ladder).code)
    if row is None:  # opened before, or meanwhile by a transaction that committed
        row = await repository.standing(session, member_id, lock=True)
    assert row is not None
    return Standing(row.member_id, row.tier_code, row.qualifying_spend_fen)


@dataclass(frozen=True)
class Requalified:
    """A standing after a purchase or a return: what to write and what to announce."""

    before: Standing
    tier_code: str
    qualifying_spend_fen: int
    change: TierChanged | None

    @property
    def along(self) -> Along:
        """The write of the new standing, to send with the points movement."""
        return repository.save(
            member_id=self.before.member_id,
            tier_code=self.tier_code,
            spend_fen=self.qualifying_spend_fen,
        )

    @property
    def changes(self) -> list[TierChanged]:
        return [self.change] if self.change else []


def after_purchase(standing: Standing, ladder: Sequence[Rung], total_fen: int) -> Requalified:
    """The spend grows by the purchase; a threshold crossed promotes (``direction`` up).

    Raises :class:`~services.loyalty.tiers.errors.QualifyingSpendLimitReached` (422)."""
    spend = domain.spend_after_purchase(standing.qualifying_spend_fen, total_fen)
    promoted = domain.promotion(ladder, standing.tier_code, spend)
    return Requalified(
        standing,
        promoted.code if promoted else standing.tier_code,
        spend,
        _tier_changed(standing, promoted, "up", spend) if promoted else None,
    )


def after_return(standing: Standing, ladder: Sequence[Rung], returned_fen: int) -> Requalified:
    """The spend shrinks by what a return counted; a lower tier may follow (down)."""
    spend = standing.qualifying_spend_fen - returned_fen
    demoted = domain.demotion(ladder, standing.tier_code, spend)
    return Requalified(
        standing,
        demoted.code if demoted else standing.tier_code,
        spend,
        _tier_changed(standing, demoted, "down", spend) if demoted else None,
    )


async def replace_ladder(session: AsyncSession, tiers: Sequence[TierIn]) -> LadderReplaced:
    """Replaces the ladder (see :func:`services.loyalty.program.service.replace_ladder`) and
    places members whose tier is gone by their qualifying spend, publishing
    ``loyalty.tier.changed`` for each."""
    change = await program.replace_ladder(session, tiers)
    stranded = await repository.standings_off_ladder(session, [r.code for r in change.ladder])
    moves: list[tuple[uuid.UUID, str]] = []
    announced: list[TierChanged] = []
    for row in stranded:
        standing = Standing(row.member_id, row.tier_code, row.qualifying_spend_fen)
        to = domain.tier_for_spend(change.ladder, standing.qualifying_spend_fen)
        old = change.previous.get(standing.tier_code)
        direction = domain.direction(old.threshold_fen if old else -1, to.threshold_fen)
        moves.append((standing.member_id, to.code))
        announced.append(_tier_changed(standing, to, direction, standing.qualifying_spend_fen))
    await repository.move(session, moves)
    await emit(session, *announced)
    return LadderReplaced(
        tiers=[TierOut(**tier.model_dump()) for tier in tiers], accounts_moved=len(moves)
    )
