"""Envelopes the messaging tests feed to handlers, each about a fresh member."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import CloudEvent
from shared.events.customer import ChannelConsent, Locale, MemberRegistered, MemberUpdated
from shared.events.loyalty import PointsEarned, TierChanged


def phone() -> str:
    """A mainland mobile number in E.164, as the customer service publishes it."""
    return f"+86139{uuid.uuid4().int % 10**8:08d}"


def masked(phone: str) -> str:
    """How a mainland number from :func:`phone` is shown: ``+86 139****5678``."""
    return f"+86 {phone[3:6]}****{phone[-4:]}"


def registered(
    member_id: uuid.UUID,
    *,
    phone_number: str,
    email: str | None = "lilei@example.com",
    sms: bool = True,
    email_consent: bool = True,
    locale: Locale = "zh-CN",
    name: str = "李雷",
) -> CloudEvent:
    payload = MemberRegistered(
        member_id=member_id,
        card_number="886000000123" + str(uuid.uuid4().int % 10),
        name=name,
        phone=phone_number,
        phone_hash="not-used-by-messaging",
        email=email,
        locale=locale,
        consent=ChannelConsent(sms=sms, email=email_consent),
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def phone_updated(
    member_id: uuid.UUID, phone: str, *, after: timedelta = timedelta(seconds=1)
) -> CloudEvent:
    """The phone republished by customer's upgrade, ``after`` now (negative: earlier)."""
    payload = MemberUpdated(
        member_id=member_id,
        changed=("phone", "phone_hash"),
        phone=phone,
        phone_hash="not-used-by-messaging",
        updated_at=datetime.now(UTC) + after,
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def points_earned(member_id: uuid.UUID, points: int = 1280, balance: int = 3500) -> CloudEvent:
    payload = PointsEarned(
        member_id=member_id,
        purchase_id=uuid.uuid4(),
        entry_id=uuid.uuid4(),
        points=points,
        balance=balance,
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def tier_changed(
    member_id: uuid.UUID, direction: str = "up", tier_name: str | None = None
) -> CloudEvent:
    payload = TierChanged.model_validate(
        {
            "member_id": member_id,
            "from_tier": "silver",
            "to_tier": "gold" if direction == "up" else "bronze",
            "to_tier_name": tier_name or ("金卡" if direction == "up" else "铜卡"),
            "direction": direction,
            "qualifying_spend_fen": 1_000_000,
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")
