"""Queries of erasure in analytics: a member's facts re-keyed, their targeting rows
deleted."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, update
from sqlmodel import col

from services.analytics.clv.models import ClvFitMember
from services.analytics.cohorts.models import CampaignPurchase
from services.analytics.facts.models import (
    MemberStats,
    MemberTag,
    Purchase,
    SurveyAnswer,
    TierHistory,
)
from services.analytics.referrals.models import ReferralFact
from services.analytics.segments.models import SegmentMember
from shared.db import AsyncSession

_FACTS = (MemberStats, Purchase, SurveyAnswer, TierHistory, ClvFitMember, CampaignPurchase)
"""The tables whose rows of a member count in KPIs, cohorts and fits."""


async def rekey(session: AsyncSession, member_id: uuid.UUID, anonymous: uuid.UUID) -> None:
    """Moves the member's fact rows (and both sides of their referrals) to the id
    ``anonymous``, which nothing else names."""
    for table in _FACTS:
        await session.execute(
            update(table).where(col(table.member_id) == member_id).values(member_id=anonymous)
        )
    await session.execute(
        update(ReferralFact)
        .where(col(ReferralFact.friend_member_id) == member_id)
        .values(friend_member_id=anonymous)
    )
    await session.execute(
        update(ReferralFact)
        .where(col(ReferralFact.referrer_member_id) == member_id)
        .values(referrer_member_id=anonymous)
    )


async def untarget(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Deletes the rows that would target the member: their tags and their places in
    saved segments (published to messaging and loyalty as whom to reach)."""
    for table in (MemberTag, SegmentMember):
        await session.execute(delete(table).where(col(table.member_id) == member_id))
