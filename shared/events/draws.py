"""Loyalty's lottery events (抽奖), published on ``loyalty.events``: a member's chances
changed, a draw was made, a gift was handed over. Keyed by the member; ids, counts,
points and days only, no personal data."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload


class DrawChancesChanged(EventPayload):
    """A purchase earned a member chances in a draw campaign, or a return or void took
    unused ones back (only a change of at least one chance is announced)."""

    event_type: ClassVar[str] = "loyalty.draw.chances_changed"
    subject_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID
    campaign_id: uuid.UUID
    source_type: Literal["purchase", "return", "void"]
    source_id: uuid.UUID
    """The purchase, the return, or (a void) the purchase."""
    chances: int
    """Signed: earned positive, taken back negative."""
    balance: int
    """The member's unused chances in the campaign after it."""


class DrawMade(EventPayload):
    """A member spent a chance on a draw; ``prize_id`` is what they won after the day's
    quotas and fallbacks (null: no prize). A points prize is credited in the same
    transaction (``entry_id``, source ``lottery_prize``; ``points`` and ``balance`` of the
    account), a coupon granted (``coupon_id``; ``loyalty.coupon.granted`` too), a gift
    waits to be handed over."""

    event_type: ClassVar[str] = "loyalty.draw.made"
    subject_field: ClassVar[str] = "draw_id"

    draw_id: uuid.UUID
    member_id: uuid.UUID
    account_id: uuid.UUID
    campaign_id: uuid.UUID
    prize_id: uuid.UUID | None
    prize_rank: int | None
    prize_kind: Literal["coupon", "points", "gift"] | None
    prize_name: str | None = None
    """The prize won as members see it (e.g. 二等奖 50积分); null: no prize, or an event
    published before it carried the name."""
    drawn_prize_id: uuid.UUID | None
    """The prize the random value picked, before quotas and fallbacks."""
    quota_day: date
    """The brand's day whose quota counted it."""
    chances_left: int
    coupon_id: uuid.UUID | None = None
    entry_id: uuid.UUID | None = None
    points: int | None = None
    balance: int | None = None
    drawn_at: datetime


class DrawGiftFulfilled(EventPayload):
    """Staff handed over the gift a draw won."""

    event_type: ClassVar[str] = "loyalty.draw.fulfilled"
    subject_field: ClassVar[str] = "draw_id"

    draw_id: uuid.UUID
    member_id: uuid.UUID
    prize_id: uuid.UUID
    fulfilled_at: datetime
