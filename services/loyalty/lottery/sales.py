"""Chances from purchases, in the inbox's transaction of the purchase's event.

A purchase made inside a campaign's window (by its sale time) earns chances by the
campaign's rule on its total (what the member paid, in fen): ``per_sale`` one when the
total reaches the minimum, ``per_spend`` one per whole ``spend_fen``. Each is recorded
(``lottery_purchases``) with a chance entry under the purchase's id, so a purchase
delivered again earns nothing twice.

A return takes back, **as far as they are unused**, the chances the purchase no longer
earns on its net: ``chances_for(net before) − chances_for(net after)``
(:func:`~services.loyalty.lottery.domain.chances_lost`), capped at the member's unused
balance; a void takes back all it still earned. Chances already drawn stay drawn: the
draw and its prize stand (a prize is delivered at once and is not taken back), and what
could not be taken back is not owed (a balance never goes below zero and later purchases
are not docked). Each return is one entry (the return's id; a void's is the purchase's),
recorded even when it takes nothing, so a redelivered return counts once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from services.loyalty.base import emit
from services.loyalty.lottery import domain, repository
from services.loyalty.lottery.models import LotteryPurchase
from services.loyalty.program.service import kept_read
from shared.db import AsyncSession
from shared.events.draws import DrawChancesChanged
from shared.events.orders import PurchaseCompleted, PurchaseReturned, PurchaseVoided
from shared.kept import Kept


async def earn_for_purchase(session: AsyncSession, purchase: PurchaseCompleted) -> int:
    """Credits the chances the purchase earns in each campaign running at its sale time
    (``loyalty.draw.chances_changed`` each); how many in all. The campaigns are kept
    across batches of purchases (:func:`_open_campaigns`); a purchase a campaign reaches
    adds an insert, the chances' row lock and update, and the entry."""
    earned = 0
    for campaign in await _open_campaigns(session):
        if not campaign.starts_at <= purchase.purchased_at < campaign.ends_at:
            continue
        chances = domain.chances_for(campaign.rule, purchase.total_fen)
        if chances == 0:
            continue
        record = LotteryPurchase(
            campaign_id=campaign.campaign_id,
            purchase_id=purchase.purchase_id,
            member_id=purchase.member_id,
            spend_fen=purchase.total_fen,
        )
        if not await repository.add_purchase(session, record):
            continue
        earned += await _move(
            session,
            campaign.campaign_id,
            purchase.member_id,
            "purchase",
            purchase.purchase_id,
            chances,
        )
    return earned


@dataclass(frozen=True)
class OpenCampaign:
    """What a purchase reads of a draw campaign not ended."""

    campaign_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    rule: domain.EarnRule


_OPEN: Kept[tuple[OpenCampaign, ...]] = Kept()


async def _open_campaigns(session: AsyncSession) -> list[OpenCampaign]:
    """The draw campaigns not ended now, holding the program's lock: a purchase delivered
    after a campaign's end earns nothing (its chances could not be drawn). Those not ended
    when read are kept across batches while ``draw_campaigns``' tokens stand (any write of
    a draw campaign gives a new one: ``kept_read``), and those ended since left out."""

    async def load() -> tuple[OpenCampaign, ...]:
        rows = await repository.not_ended(session, datetime.now(UTC))
        return tuple(
            OpenCampaign(
                row.campaign_id,
                row.starts_at,
                row.ends_at,
                _rule(row.earn_kind, row.earn_spend_fen),
            )
            for row in rows
        )

    kept = await kept_read(session, _OPEN, load, "draw_campaigns")
    now = datetime.now(UTC)
    return [campaign for campaign in kept if campaign.ends_at > now]


async def take_back_for_return(session: AsyncSession, returned: PurchaseReturned) -> int:
    """Takes back the unused chances the return's purchase no longer earns (see the
    module); how many."""
    return await _take_back(session, returned.purchase_id, returned.return_id, returned.amount_fen)


async def take_back_for_void(session: AsyncSession, voided: PurchaseVoided) -> int:
    """Takes back the unused chances the voided purchase still earned; how many."""
    return await _take_back(session, voided.purchase_id, None, None)


async def _take_back(
    session: AsyncSession, purchase_id: uuid.UUID, return_id: uuid.UUID | None, fen: int | None
) -> int:
    taken = 0
    for record in await repository.purchases_of(session, purchase_id):
        campaign = await repository.campaign(session, record.campaign_id)
        assert campaign is not None
        rule = _rule(campaign.earn_kind, campaign.earn_spend_fen)
        left = record.spend_fen - record.returned_fen
        now = left if fen is None else min(fen, left)
        lost = domain.chances_lost(rule, record.spend_fen, record.returned_fen, now)
        source: Literal["return", "void"] = "void" if return_id is None else "return"
        moved = await repository.move_chances(
            session,
            {
                "campaign_id": record.campaign_id,
                "member_id": record.member_id,
                "source_type": source,
                "source_id": return_id or purchase_id,
                "chances": -lost,
            },
            at_most_balance=True,
        )
        if moved is None:  # this return or void was counted before
            continue
        record.returned_fen += now
        chances, balance = moved
        taken -= chances
        if chances:
            await emit(
                session,
                _changed(
                    record.campaign_id,
                    record.member_id,
                    source,
                    return_id or purchase_id,
                    chances,
                    balance,
                ),
            )
    await session.flush()
    return taken


async def _move(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    member_id: uuid.UUID,
    source: Literal["purchase"],
    source_id: uuid.UUID,
    chances: int,
) -> int:
    moved = await repository.move_chances(
        session,
        {
            "campaign_id": campaign_id,
            "member_id": member_id,
            "source_type": source,
            "source_id": source_id,
            "chances": chances,
        },
        at_most_balance=False,
    )
    assert moved is not None  # the purchase's record was new
    await emit(session, _changed(campaign_id, member_id, source, source_id, *moved))
    return moved[0]


def _changed(
    campaign_id: uuid.UUID,
    member_id: uuid.UUID,
    source: Literal["purchase", "return", "void"],
    source_id: uuid.UUID,
    chances: int,
    balance: int,
) -> DrawChancesChanged:
    return DrawChancesChanged(
        member_id=member_id,
        campaign_id=campaign_id,
        source_type=source,
        source_id=source_id,
        chances=chances,
        balance=balance,
    )


def _rule(kind: str, spend_fen: int) -> domain.EarnRule:
    return domain.EarnRule(cast(domain.EarnKind, kind), spend_fen)
