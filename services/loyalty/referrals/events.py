"""The referral events (``loyalty.referral.*``), emitted by the use cases in the
transaction of the state change they announce."""

from __future__ import annotations

from datetime import datetime

from services.loyalty.base import emit
from services.loyalty.referrals.domain import Settled
from services.loyalty.referrals.models import Referral
from shared.db import AsyncSession
from shared.events.referrals import (
    ReferralCancelled,
    ReferralQualified,
    ReferralRefused,
    ReferralRewarded,
)


def _about(referral: Referral) -> dict[str, object]:
    return {
        "referral_id": referral.id,
        "member_id": referral.referrer_member_id,
        "friend_member_id": referral.friend_member_id,
    }


def _purchase(referral: Referral) -> dict[str, object]:
    return {
        "purchase_id": referral.purchase_id,
        "net_spend_fen": referral.spend_fen - referral.returned_fen,
    }


async def qualified(session: AsyncSession, referral: Referral) -> None:
    await emit(
        session,
        ReferralQualified.model_validate(
            _about(referral)
            | {
                "purchase_id": referral.purchase_id,
                "spend_fen": referral.spend_fen,
                "purchased_at": referral.qualified_at,
                "due_at": referral.due_at,
            }
        ),
    )


async def rewarded(session: AsyncSession, referral: Referral, at: datetime) -> None:
    await emit(
        session,
        ReferralRewarded.model_validate(
            _about(referral)
            | _purchase(referral)
            | {
                "coupon_id": referral.coupon_id,
                "definition_id": referral.definition_id,
                "reward_fen": referral.reward_fen,
                "rewarded_at": at,
            }
        ),
    )


async def settled_without(
    session: AsyncSession, referral: Referral, outcome: Settled, at: datetime
) -> None:
    fields = {**_about(referral), **_purchase(referral), "settled_at": at}
    if outcome.state == "cancelled":
        await emit(session, ReferralCancelled.model_validate(fields | {"reason": outcome.reason}))
    else:
        await emit(session, ReferralRefused.model_validate(fields | {"reason": outcome.reason}))
