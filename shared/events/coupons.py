"""Loyalty's coupon events, published on ``loyalty.events`` (kept apart from
:mod:`shared.events.loyalty` by size only): a coupon granted, redeemed at a till,
released, withdrawn, about to expire or expired. Each is keyed by the member and never
carries the code (a bearer secret)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload

CouponOccasion = Literal["birthday", "referral", "draw"]
"""Grants that messaging tells in words of their own rather than as a plain coupon."""


class _CouponEvent(EventPayload):
    """What every coupon event names: the coupon (its subject), the member it was granted to
    (the event's key), the account it is held on and its definition."""

    subject_field: ClassVar[str] = "coupon_id"

    coupon_id: uuid.UUID
    member_id: uuid.UUID
    """The member it was granted to (the event's key)."""
    account_id: uuid.UUID
    definition_id: uuid.UUID


class CouponGranted(_CouponEvent):
    """A coupon was granted to a member and is held on their account. The code is a bearer
    secret and is not carried: the member reads it with ``GET /members/{id}/coupons``."""

    event_type: ClassVar[str] = "loyalty.coupon.granted"

    definition_name: str
    kind: str
    """``threshold_off``, ``percent_off``, ``cash_voucher`` or ``free_gift``."""
    face_value_fen: int
    """The most the coupon takes off a sale."""
    valid_from: datetime
    valid_until: datetime
    """Exclusive: usable before this instant."""
    granted_at: datetime
    campaign_id: uuid.UUID | None = None
    """The campaign whose giveaway granted it (a qualifying purchase); None otherwise."""
    occasion: CouponOccasion | None = None
    """``birthday``: the program's birthday coupon, granted by loyalty's daily job on the
    brand's day of the member's birthday (messaging names it in the birthday greeting);
    ``referral``: a referrer's reward (``loyalty.referral.rewarded`` tells it); ``draw``: a
    prize won in a draw (``loyalty.draw.made`` tells it); None otherwise (and on events
    from before it was carried)."""


class CouponWithdrawn(_CouponEvent):
    """A coupon a campaign gave for a purchase was taken back, unused: a return (or void)
    left the purchase below the giveaway's threshold. It can no longer be used."""

    event_type: ClassVar[str] = "loyalty.coupon.withdrawn"

    campaign_id: uuid.UUID
    purchase_id: uuid.UUID
    """The purchase it was given for."""
    withdrawn_at: datetime


class CouponExpired(_CouponEvent):
    """An active coupon passed its validity unused and can no longer be redeemed (the daily
    job of the brand's day; a coupon held by a sale in progress is not expired)."""

    event_type: ClassVar[str] = "loyalty.coupon.expired"

    definition_name: str
    valid_until: datetime
    """The instant its validity ended (exclusive)."""
    expired_at: datetime
    """When the daily job expired it."""


class CouponExpiring(_CouponEvent):
    """An active coupon's validity ends soon: announced once per coupon by the daily job of
    the brand's day, its definition's ``expiring_notice_days`` ahead (default 3). A coupon
    used, withdrawn or expired is not announced; one a till holds is announced at the next
    run if it comes back unused."""

    event_type: ClassVar[str] = "loyalty.coupon.expiring"

    definition_name: str
    kind: str
    """``threshold_off``, ``percent_off``, ``cash_voucher`` or ``free_gift``."""
    face_value_fen: int
    """The most the coupon takes off a sale."""
    valid_until: datetime
    """Exclusive: usable before this instant."""
    announced_at: datetime


class CouponRedeemed(_CouponEvent):
    """A recorded sale used a coupon a till held for it (the sale's event confirmed it).
    Keyed by the member; the code is not carried."""

    event_type: ClassVar[str] = "loyalty.coupon.redeemed"

    reservation_id: uuid.UUID
    purchase_id: uuid.UUID
    store_id: uuid.UUID
    discount_fen: int
    """What the coupon took off the sale."""
    redeemed_at: datetime


class CouponReleased(_CouponEvent):
    """A coupon came back to its holder, usable again within its validity: a till's void
    of the hold, a sale that failed or never came (``timeout``), or a return or void of
    the sale that redeemed it under the definition's ``restore_on_return``."""

    event_type: ClassVar[str] = "loyalty.coupon.released"

    reservation_id: uuid.UUID
    purchase_id: uuid.UUID | None
    """The sale it was committed to or redeemed on, if any."""
    return_id: uuid.UUID | None = None
    """The return that gave it back (``reason`` ``returned``)."""
    store_id: uuid.UUID
    reason: Literal["void", "sale_failed", "timeout", "returned", "voided"]
    valid_until: datetime
    """Unchanged: a coupon past it stays unusable."""
    released_at: datetime
