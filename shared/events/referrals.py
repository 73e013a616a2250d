"""Loyalty's referral events (老带新), published on ``loyalty.events``: a friend's referral
qualified by their first paid purchase, then rewarded, cancelled or refused. Ids and fen
only, no personal data; keyed by the referrer (``member_id``), whom messaging would tell."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload


class _ReferralEvent(EventPayload):
    """What every referral event names: the referral (its subject), the referrer (the
    event's key) and the friend."""

    subject_field: ClassVar[str] = "referral_id"

    referral_id: uuid.UUID
    member_id: uuid.UUID
    """The referrer (the event's key)."""
    friend_member_id: uuid.UUID


class ReferralQualified(_ReferralEvent):
    """The friend's first paid purchase after registering with the referrer's code: the
    reward is decided at ``due_at``, when the purchase's return window has passed."""

    event_type: ClassVar[str] = "loyalty.referral.qualified"

    purchase_id: uuid.UUID
    spend_fen: int
    purchased_at: datetime
    due_at: datetime


class ReferralRewarded(_ReferralEvent):
    """The referrer was granted the band's coupon (its own ``loyalty.coupon.granted``
    follows in the same transaction)."""

    event_type: ClassVar[str] = "loyalty.referral.rewarded"

    purchase_id: uuid.UUID
    net_spend_fen: int
    """The purchase's total less what came back inside the window."""
    coupon_id: uuid.UUID
    definition_id: uuid.UUID
    reward_fen: int
    """The coupon's face value."""
    rewarded_at: datetime


class ReferralSettledWithout(_ReferralEvent):
    """A referral ended without a reward."""

    purchase_id: uuid.UUID
    net_spend_fen: int
    settled_at: datetime


class ReferralCancelled(ReferralSettledWithout):
    """The friend's net spend stayed under the lowest band: ``returned`` (returns took it
    there) or ``below_lowest_band``."""

    event_type: ClassVar[str] = "loyalty.referral.cancelled"

    reason: Literal["returned", "below_lowest_band"]


class ReferralRefused(ReferralSettledWithout):
    """The rules refused the reward: ``monthly_cap`` (the referrer had the month's
    maximum) or ``same_household`` (referrer and friend hold one account)."""

    event_type: ClassVar[str] = "loyalty.referral.refused"

    reason: Literal["monthly_cap", "same_household"]
