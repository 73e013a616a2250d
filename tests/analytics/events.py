"""Envelopes the analytics tests feed to handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.events import CloudEvent
from shared.events.customer import MemberReferred, MemberRegistered, TicketSurveyed
from shared.events.loyalty import AccountOpened, PointsEarned, TierChanged
from shared.events.messaging import Channel, NotificationFailed, NotificationSent
from shared.events.orders import (
    PurchaseCompleted,
    PurchaseLine,
    PurchaseReturned,
    PurchaseVoided,
    ReturnedLine,
    TenderRefund,
)
from shared.events.referrals import ReferralQualified

STORE_ID = uuid.UUID("5f0c2a10-8b7e-4d1f-9a3c-000000000001")


def registered(member_id: uuid.UUID, at: datetime | None = None) -> CloudEvent:
    payload = MemberRegistered(
        member_id=member_id,
        card_number="88600000001" + str(uuid.uuid4().int % 100).zfill(2),
        phone_hash="not-used-by-analytics",
        store_id=STORE_ID,
        registered_at=at or datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def purchase(
    member_id: uuid.UUID,
    total_fen: int,
    at: datetime | None = None,
    purchase_id: uuid.UUID | None = None,
) -> CloudEvent:
    payload = PurchaseCompleted(
        purchase_id=purchase_id or uuid.uuid4(),
        member_id=member_id,
        store_id=STORE_ID,
        lines=(
            PurchaseLine(
                line_no=1,
                sku="SKU-1",
                category="cosmetics",
                quantity=1,
                unit_price_fen=total_fen,
                amount_fen=total_fen,
            ),
        ),
        total_fen=total_fen,
        purchased_at=at or datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def earned(bought: CloudEvent, *campaign_ids: uuid.UUID) -> CloudEvent:
    """Loyalty's points for the sale, reached by ``campaign_ids``."""
    sale = bought.payload(PurchaseCompleted)
    payload = PointsEarned(
        member_id=sale.member_id,
        purchase_id=sale.purchase_id,
        entry_id=uuid.uuid4(),
        points=sale.total_fen // 100,
        balance=sale.total_fen // 100,
        campaign_ids=campaign_ids,
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def returned(bought: CloudEvent, amount_fen: int) -> CloudEvent:
    sale = bought.payload(PurchaseCompleted)
    payload = PurchaseReturned(
        return_id=uuid.uuid4(),
        purchase_id=sale.purchase_id,
        member_id=sale.member_id,
        store_id=sale.store_id,
        lines=(
            ReturnedLine(
                line_no=1, sku="SKU-1", category="cosmetics", quantity=1, amount_fen=amount_fen
            ),
        ),
        amount_fen=amount_fen,
        purchase_total_fen=sale.total_fen,
        returned_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def voided(bought: CloudEvent) -> CloudEvent:
    sale = bought.payload(PurchaseCompleted)
    payload = PurchaseVoided(
        purchase_id=sale.purchase_id,
        member_id=sale.member_id,
        store_id=sale.store_id,
        total_fen=sale.total_fen,
        purchased_at=sale.purchased_at,
        voided_at=datetime.now(UTC),
        refunds=(TenderRefund(kind="cash", amount_fen=sale.total_fen, paid_out=True),),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def tier_changed(
    member_id: uuid.UUID, to_tier: str = "vip", at: datetime | None = None
) -> CloudEvent:
    """Loyalty's tier change, made at ``at`` (the envelope's time; now by default)."""
    payload = TierChanged(
        member_id=member_id,
        from_tier="standard",
        to_tier=to_tier,
        to_tier_name="VIP贵宾",
        direction="up",
        qualifying_spend_fen=120_000,
    )
    envelope = CloudEvent.of(payload, source="/huiyuan/loyalty")
    return envelope if at is None else envelope.model_copy(update={"time": at})


def account_opened(member_id: uuid.UUID, tier_code: str = "standard") -> CloudEvent:
    """Loyalty's announcement of an account, new or (during its upgrade) existing."""
    payload = AccountOpened(
        account_id=uuid.uuid4(),
        member_id=member_id,
        tier_code=tier_code,
        tier_name="普通会员",
        opened_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def notification(member_id: uuid.UUID, channel: Channel, *, sent: bool = True) -> CloudEvent:
    common = {
        "notification_id": uuid.uuid4(),
        "member_id": member_id,
        "channel": channel,
        "template": "welcome",
        "trigger_event_id": str(uuid.uuid4()),
    }
    payload = (
        NotificationSent(**common, provider_message_id="msg-1")
        if sent
        else NotificationFailed(**common, error="gateway said no")
    )
    return CloudEvent.of(payload, source="/huiyuan/messaging")


def surveyed(member_id: uuid.UUID, score: int, at: datetime) -> CloudEvent:
    """The member answered a resolved ticket's satisfaction survey at ``at``."""
    payload = TicketSurveyed(
        ticket_id=uuid.uuid4(),
        member_id=member_id,
        kind="complaint",
        priority="normal",
        score=score,
        answered_at=at,
        reason=None,
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def referred(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    """``friend`` registered at ``at`` with ``referrer``'s code."""
    payload = MemberReferred(member_id=friend, referrer_id=referrer, referred_at=at)
    return CloudEvent.of(payload, source="/huiyuan/customer")


def qualified(friend: uuid.UUID, referrer: uuid.UUID, at: datetime) -> CloudEvent:
    """The friend's first paid purchase, made at ``at``, qualified the referral."""
    payload = ReferralQualified(
        referral_id=uuid.uuid4(),
        member_id=referrer,
        friend_member_id=friend,
        purchase_id=uuid.uuid4(),
        spend_fen=30_000,
        purchased_at=at,
        due_at=at,
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")
