"""Events published by the loyalty service on ``loyalty.events``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload


class PointsEarned(EventPayload):
    event_type: ClassVar[str] = "loyalty.points.earned"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    purchase_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int


class PointsReversed(EventPayload):
    event_type: ClassVar[str] = "loyalty.points.reversed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    purchase_id: uuid.UUID
    return_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int


class PointsRedeemed(EventPayload):
    event_type: ClassVar[str] = "loyalty.points.redeemed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    redemption_id: uuid.UUID
    entry_id: uuid.UUID
    points: int
    balance: int
    reason: str


class TierChanged(EventPayload):
    event_type: ClassVar[str] = "loyalty.tier.changed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    from_tier: str | None
    to_tier: str
    to_tier_name: str
    direction: Literal["up", "down"]
    qualifying_spend_fen: int


class AccountOpened(EventPayload):
    """A member's loyalty account was opened, on the ladder's base tier."""

    event_type: ClassVar[str] = "loyalty.account.opened"
    subject_field: ClassVar[str] = "account_id"

    account_id: uuid.UUID
    member_id: uuid.UUID
    tier_code: str
    tier_name: str
    opened_at: datetime
