"""A campaign's close-out: once it has ended, its top spenders get their reward points
and/or the tier it awards for a period.

Each ended campaign is closed in one transaction that claims it (``FOR UPDATE SKIP
LOCKED``), credits each of the top ``reward_top_n`` members of its leaderboard
``reward_points`` through the kernel (source ``campaign_reward``, an id made from the
campaign's and the member's, so the ledger refuses a second one), places each on
``reward_tier_code`` until the end of ``reward_tier_until`` (the brand's next midnight)
through tiers' manual assignment (audited under the same id, ``loyalty.tier.changed``
manual naming the campaign; a member already above the tier keeps theirs, one on it is
held on it until then; nothing when the tier left the ladder or the period is over by
the close-out), sets ``closed_at`` and publishes ``loyalty.campaign.rewarded`` per
member given points and ``loyalty.campaign.closed``. A
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
from services.loyalty.program.service import forget_program, locked_program
from services.loyalty.tiers import service as tiers
from services.loyalty.tiers.domain import day_end
from shared.db import AsyncSession, Sessions, transaction
from shared.events.loyalty import CampaignClosed, CampaignRewarded
from shared.inputs import input_defaults

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
    awarded: list[uuid.UUID] = []
    events: list[CampaignRewarded] = []
    ends = None
    if row.reward_tier_until is not None:
        ends = day_end(row.reward_tier_until, input_defaults().business_timezone)
    if row.reward_top_n is not None:
        program = await locked_program(session)  # the order every earn takes: program, accounts
        top = await repository.leaderboard(session, row.campaign_id, row.reward_top_n)
        terms = await lots.credit_terms(session, purchase=False)
        await accounts.lock_accounts(session, member_ids=[member_id for member_id, _ in top])
        for rank, (member_id, fen) in enumerate(top, start=1):
            account = await accounts.locked_account_of(session, member_id)
            if account is None:  # a purchase opened it; never gone, but never a 500
                continue
            reason = f"{row.name}: rank {rank}"
            if row.reward_points is not None:
                moved = await accounts.move_points(
                    session,
                    account,
                    Movement(
                        Source("campaign_reward", reward_id(row.campaign_id, member_id)),
                        row.reward_points,
                        reason=reason,
                        expires_at=terms.expires_at,
                    ),
                )
                if moved is not None:
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
            if row.reward_tier_code is not None and ends is not None:
                placed = await tiers.award(
                    session,
                    program.ladder,
                    member_id,
                    row.reward_tier_code,
                    ends,
                    reason=reason,
                    award_id=reward_id(row.campaign_id, member_id),
                    campaign_id=row.campaign_id,
                    now=now,
                )
                if placed:
                    awarded.append(member_id)
    row.closed_at = now
    forget_program(session)  # the campaigns kept for point changes no longer hold it
    closed = CampaignClosed(
        campaign_id=row.campaign_id,
        ends_at=row.ends_at,
        spent_points=row.spent_points,
        rewarded_members=tuple(rewarded),
        reward_points=row.reward_points or 0,
        reward_tier_code=row.reward_tier_code,
        reward_tier_until=ends,
        tier_awarded_members=tuple(awarded),
    )
    await emit(session, *events, closed)
    await session.flush()
