"""Envelopes the messaging tests feed to handlers, each about a fresh member."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from shared.events import CloudEvent
from shared.events.coupons import CouponExpiring
from shared.events.customer import (
    ChannelConsent,
    Locale,
    MemberConsentChanged,
    MemberDeactivated,
    MemberReactivated,
    MemberRegistered,
    MemberUpdated,
    TicketEscalated,
    TicketResolved,
)
from shared.events.draws import DrawMade
from shared.events.loyalty import (
    ExpiredLot,
    ExpiringLotNotice,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    RewardCancelled,
    RewardFulfilled,
    RewardOrdered,
    TierChanged,
)
from shared.events.referrals import ReferralRewarded
from tests.contacts import CIPHER, edit_member, put_member

SHANGHAI = ZoneInfo("Asia/Shanghai")


def phone() -> str:
    """A mainland mobile number in E.164, as the customer service publishes it."""
    return f"+86139{uuid.uuid4().int % 10**8:08d}"


def masked(phone: str) -> str:
    """How a mainland number from :func:`phone` is shown: ``+86 139****5678``."""
    return f"+86 {phone[3:6]}****{phone[-4:]}"


async def registered(
    member_id: uuid.UUID,
    *,
    phone_number: str,
    email: str | None = "lilei@example.com",
    sms: bool = True,
    email_consent: bool = True,
    locale: Locale = "zh-CN",
    name: str = "李雷",
    source: Literal["registration", "import"] = "registration",
    birthday: date | None = None,
) -> CloudEvent:
    """The member made at customer (its contact there, for messaging to read), and the
    event of their registration (ids only)."""
    await put_member(
        member_id, phone=phone_number, name=name, email=email, birthday=birthday, locale=locale
    )
    payload = MemberRegistered(
        member_id=member_id,
        card_number="886000000123" + str(uuid.uuid4().int % 10),
        phone_hash="not-used-by-messaging",
        locale=locale,
        consent=ChannelConsent(sms=sms, email=email_consent),
        source=source,
        registered_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def phone_updated(
    member_id: uuid.UUID, phone: str, *, after: timedelta = timedelta(seconds=1)
) -> CloudEvent:
    """The member's phone changed at customer, and the event telling so, ``after`` now
    (negative: earlier)."""
    await edit_member(member_id, phone=phone, fields=("phone",))
    payload = MemberUpdated(
        member_id=member_id,
        changed=("phone", "phone_hash"),
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
    member_id: uuid.UUID,
    direction: str = "up",
    tier_name: str | None = None,
    *,
    change: str | None = None,
    until: datetime | None = None,
    review_at: datetime | None = None,
) -> CloudEvent:
    """As loyalty publishes it; without ``change`` as before kinds existed."""
    payload = TierChanged.model_validate(
        {
            "member_id": member_id,
            "from_tier": "silver",
            "to_tier": "gold" if direction == "up" else "bronze",
            "to_tier_name": tier_name or ("金卡" if direction == "up" else "铜卡"),
            "direction": direction,
            "qualifying_spend_fen": 1_000_000,
            "change": change,
            "until": until,
            "review_at": review_at,
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def brand_midnight(day: date) -> datetime:
    """The instant (UTC) the brand's ``day`` begins in Shanghai."""
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def points_expiring(member_id: uuid.UUID, *lots: tuple[int, date]) -> CloudEvent:
    """Lots of (points, last valid day) announced by loyalty's daily job."""
    notices = tuple(
        ExpiringLotNotice(
            lot_id=uuid.uuid4(),
            points=points,
            expires_at=brand_midnight(day + timedelta(days=1)),
            valid_through=day,
        )
        for points, day in lots
    )
    payload = PointsExpiring(
        member_id=member_id,
        account_id=uuid.uuid4(),
        lots=notices,
        points=sum(n.points for n in notices),
        first_valid_through=min(n.valid_through for n in notices),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def points_expired(member_id: uuid.UUID, points: int, balance: int) -> CloudEvent:
    payload = PointsExpired(
        member_id=member_id,
        account_id=uuid.uuid4(),
        lots=(
            ExpiredLot(
                lot_id=uuid.uuid4(),
                entry_id=uuid.uuid4(),
                points=points,
                expired_at=brand_midnight(date(2027, 1, 1)),
            ),
        ),
        points=points,
        balance=balance,
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def _order(member_id: uuid.UUID, order_id: uuid.UUID, item_name: str | None) -> dict[str, object]:
    return {
        "order_id": order_id,
        "member_id": member_id,
        "account_id": uuid.uuid4(),
        "item_id": uuid.uuid4(),
        "item_code": "TOTE-2026",
        "item_name": item_name,
        "quantity": 2,
        "points": 400,
    }


def reward_ordered(
    member_id: uuid.UUID, order_id: uuid.UUID, balance: int = 100, item_name: str | None = "环保袋"
) -> CloudEvent:
    """``item_name`` None: as loyalty published it before it carried the name."""
    payload = RewardOrdered.model_validate(
        _order(member_id, order_id, item_name)
        | {"entry_id": uuid.uuid4(), "balance": balance, "placed_at": datetime.now(UTC)}
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def reward_fulfilled(
    member_id: uuid.UUID, order_id: uuid.UUID, item_name: str | None = "环保袋"
) -> CloudEvent:
    payload = RewardFulfilled.model_validate(
        _order(member_id, order_id, item_name) | {"fulfilled_at": datetime.now(UTC)}
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def reward_cancelled(
    member_id: uuid.UUID, order_id: uuid.UUID, balance: int = 500, item_name: str | None = "环保袋"
) -> CloudEvent:
    payload = RewardCancelled.model_validate(
        _order(member_id, order_id, item_name)
        | {
            "entry_id": uuid.uuid4(),
            "balance": balance,
            "reason": "改选其他礼品",
            "cancelled_at": datetime.now(UTC),
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def consent_changed(
    member_id: uuid.UUID,
    *,
    sms: bool,
    email: bool,
    marketing: ChannelConsent | None = None,
    after: timedelta = timedelta(seconds=1),
) -> CloudEvent:
    """As customer publishes it, made ``after`` now (negative: earlier); without
    ``marketing`` as before marketing consent existed."""
    payload = MemberConsentChanged(
        member_id=member_id,
        consent=ChannelConsent(sms=sms, email=email),
        marketing=marketing,
        changed_at=datetime.now(UTC) + after,
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def deactivated(member_id: uuid.UUID) -> CloudEvent:
    payload = MemberDeactivated(
        member_id=member_id, deactivated_at=datetime.now(UTC) + timedelta(seconds=1)
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def reactivated(member_id: uuid.UUID, phone_hash: str) -> CloudEvent:
    payload = MemberReactivated(
        member_id=member_id,
        phone_hash=phone_hash,
        reactivated_at=datetime.now(UTC) + timedelta(seconds=2),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def profile_updated(
    member_id: uuid.UUID, *, name: str, phone: str, email: str | None, locale: Locale
) -> CloudEvent:
    """A profile edit at customer, and its event (which fields changed, no values)."""
    changed = ("name", "phone", "email", "locale")
    await edit_member(member_id, name=name, phone=phone, email=email, locale=locale, fields=changed)
    payload = MemberUpdated(
        member_id=member_id,
        changed=changed,
        phone_hash=CIPHER.phone_hash(phone),
        locale=locale,
        version=2,
        updated_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def ticket_resolved(member_id: uuid.UUID | None, ticket_id: uuid.UUID) -> CloudEvent:
    """A resolved complaint: messaging asks the member for a survey (a marketing message)."""
    payload = TicketResolved(
        ticket_id=ticket_id,
        member_id=member_id,
        kind="complaint",
        priority="high",
        number=4711,
        resolved_at=datetime.now(UTC),
        overdue=False,
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def ticket_escalated(member_id: uuid.UUID | None, number: int | None = 4711) -> CloudEvent:
    """A complaint past its SLA, escalated to a manager (``number`` None: as customer
    published it before it carried the number)."""
    now = datetime.now(UTC)
    payload = TicketEscalated(
        ticket_id=uuid.uuid4(),
        member_id=member_id,
        kind="complaint",
        priority="high",
        number=number,
        due_at=now - timedelta(hours=1),
        escalated_at=now,
        escalated_to="manager",
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def coupon_expiring(member_id: uuid.UUID, last_day: date, face_value_fen: int) -> CloudEvent:
    """A coupon valid through ``last_day`` in Shanghai, announced by loyalty's daily job."""
    payload = CouponExpiring(
        coupon_id=uuid.uuid4(),
        member_id=member_id,
        account_id=uuid.uuid4(),
        definition_id=uuid.uuid4(),
        definition_name="满200减30 周年庆",
        kind="threshold_off",
        face_value_fen=face_value_fen,
        valid_until=brand_midnight(last_day + timedelta(days=1)),
        announced_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def referral_rewarded(member_id: uuid.UUID, reward_fen: int) -> CloudEvent:
    payload = ReferralRewarded(
        referral_id=uuid.uuid4(),
        member_id=member_id,
        friend_member_id=uuid.uuid4(),
        purchase_id=uuid.uuid4(),
        net_spend_fen=50_000,
        coupon_id=uuid.uuid4(),
        definition_id=uuid.uuid4(),
        reward_fen=reward_fen,
        rewarded_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def draw_made(
    member_id: uuid.UUID,
    kind: Literal["coupon", "points", "gift"] | None,
    prize_name: str | None = None,
    points: int | None = None,
) -> CloudEvent:
    """A draw; ``kind`` None: it won no prize."""
    won = kind is not None
    payload = DrawMade(
        draw_id=uuid.uuid4(),
        member_id=member_id,
        account_id=uuid.uuid4(),
        campaign_id=uuid.uuid4(),
        prize_id=uuid.uuid4() if won else None,
        prize_rank=2 if won else None,
        prize_kind=kind,
        prize_name=prize_name,
        drawn_prize_id=uuid.uuid4(),
        quota_day=date.today(),
        chances_left=0,
        points=points,
        balance=1_000 if points else None,
        drawn_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")
