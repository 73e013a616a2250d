"""A campaign's close-out: once it has ended, its top spenders get their reward points.

Each ended campaign is closed in one transaction that claims it (``FOR UPDATE SKIP
LOCKED``), credits each of the top ``reward_top_n`` members of its leaderboard
``reward_points`` through the kernel (source ``campaign_reward``, an id made from the
campaign's and the member's, so the ledger refuses a second one), sets ``closed_at`` and
publishes ``loyalty.campaign.rewarded`` per member and ``loyalty.campaign.closed``. A
crash before the commit leaves nothing done and the campaign still due; after it, the
campaign is no longer due: exactly once. Ranks are those of the leaderboard at close-out
(returns counted until then); a later return does not take the reward back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from services.loyalty.accounts import service as accounts
from services.loyalty.accounts.service import Movement, Source
from services.loyalty.base import emit
from services.loyalty.campaigns import repository
from services.loyalty.campaigns.models import CampaignRow
from services.loyalty.lots import service as lots
from services.loyalty.program.service import locked_program
from shared.db import AsyncSession, Sessions, transaction
from shared.events.loyalty import CampaignClosed, CampaignRewarded

_REWARDS = uuid.UUID("9b0c7a52-61a4-4f1e-8d2b-5e3f0a1c7d90")
"""Namespace of the reward ids: one per (campaign, member)."""


def reward_id(campaign_id: uuid.UUID, member_id: uuid.UUID) -> uuid.UUID:
    """The ``campaign_reward`` source id of a member's reward from a campaign."""
    return uuid.uuid5(_REWARDS, f"{campaign_id}:{member_id}")


async def close_due(sessions: Sessions, now: datetime) -> int:
    """Closes every campaign ended by ``now``, each in its own transaction; how many."""
    closed = 0
    while True:
        async with transaction(sessions) as session:
            row = await repository.claim_due(session, now)
            if row is None:
                return closed
            await close(session, row, now)
        closed += 1


async def close(session: AsyncSession, row: CampaignRow, now: datetime) -> None:
    """Rewards the campaign's top spenders and marks it closed (see the module); the
    caller holds its row lock."""
    rewarded: list[uuid.UUID] = []
    events: list[CampaignRewarded] = []
    if row.reward_top_n is not None and row.reward_points is not None:
        await locked_program(session)  # the order every earn takes: program, then accounts
        top = await repository.leaderboard(session, row.campaign_id, row.reward_top_n)
        terms = await lots.credit_terms(session, purchase=False)
        for rank, (member_id, fen) in enumerate(top, start=1):
            account = await accounts.locked_account_of(session, member_id)
            if account is None:  # a purchase opened it; never gone, but never a 500
                continue
            moved = await accounts.move_points(
                session,
                account,
                Movement(
                    Source("campaign_reward", reward_id(row.campaign_id, member_id)),
                    row.reward_points,
                    reason=f"{row.name}: rank {rank}",
                    expires_at=terms.expires_at,
                ),
            )
            if moved is None:
                continue
            rewarded.append(member_id)
            events.append(
                CampaignRewarded(
                    member_id=member_id,
                    account_id=account.account_id,
                    campaign_id=row.campaign_id,
                    rank=rank,
                    qualifying_spend_fen=fen,
                    entry_id=moved.entry_id,
                    points=row.reward_points,
                    balance=moved.balance,
                )
            )
    row.closed_at = now
    closed = CampaignClosed(
        campaign_id=row.campaign_id,
        ends_at=row.ends_at,
        spent_points=row.spent_points,
        rewarded_members=tuple(rewarded),
        reward_points=row.reward_points or 0,
    )
    await emit(session, *events, closed)
    await session.flush()
