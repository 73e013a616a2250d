"""Use cases of referrals. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from typing import cast

from services.loyalty.referrals import domain, repository
from services.loyalty.referrals.domain import ReferralState
from services.loyalty.referrals.models import Referral
from services.loyalty.referrals.schemas import ReferralList, ReferralOut
from shared.db import AsyncSession
from shared.events.customer import MemberReferred


async def record_referral(session: AsyncSession, referred: MemberReferred) -> bool:
    """Keeps customer's ``customer.member.referred`` as a ``pending`` referral; whether it
    was new (a friend's second delivery, under another event id, changes nothing)."""
    referral = Referral(
        friend_member_id=referred.member_id,
        referrer_member_id=referred.referrer_id,
        state=domain.PENDING,
        referred_at=referred.referred_at,
    )
    return await repository.add(session, referral.model_dump())


async def referrals_of(session: AsyncSession, member_id: uuid.UUID, limit: int) -> ReferralList:
    """Up to ``limit`` of the friends ``member_id`` referred, the latest first, masked. A
    member loyalty has never heard of has none (an empty list, not a 404)."""
    rows = await repository.of_referrer(session, member_id, limit)
    return ReferralList(
        items=[
            ReferralOut(
                id=row.id,
                friend=domain.masked_friend(row.friend_member_id),
                state=cast(ReferralState, row.state),
                referred_at=row.referred_at,
            )
            for row in rows
        ]
    )
