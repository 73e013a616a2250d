"""Envelopes the journey tests feed to messaging's handlers, each about a fresh member."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from shared.events import CloudEvent
from shared.events.coupons import CouponGranted
from shared.events.customer import ChannelConsent, MemberRegistered, MemberUpdated
from shared.events.orders import PurchaseCompleted, PurchaseLine, PurchaseVoided, TenderRefund
from tests.contacts import edit_member, put_member


async def registered(
    member_id: uuid.UUID,
    phone: str,
    *,
    birthday: date | None = None,
    locale: str = "zh-CN",
    marketing: bool = True,
    source: str = "import",
) -> CloudEvent:
    """An imported member by default: no welcome, the journeys' messages only. Made at
    customer first (its contact, for messaging to read); the event carries ids only."""
    email = f"m{member_id.hex[:8]}@example.com"
    await put_member(member_id, phone=phone, email=email, birthday=birthday, locale=locale)
    payload = MemberRegistered.model_validate(
        {
            "member_id": member_id,
            "card_number": "8860000000013",
            "phone_hash": "not-used-by-messaging",
            "locale": locale,
            "consent": ChannelConsent(sms=True, email=True),
            "marketing": ChannelConsent(sms=marketing, email=marketing),
            "source": source,
            "registered_at": datetime.now(UTC),
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def birthday_changed(member_id: uuid.UUID, birthday: date | None) -> CloudEvent:
    """Staff's edit of the birthday at customer, and its event (no value)."""
    await edit_member(member_id, birthday=birthday, fields=("birthday",))
    payload = MemberUpdated(
        member_id=member_id,
        changed=("birthday",),
        updated_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def purchased(member_id: uuid.UUID, at: datetime) -> CloudEvent:
    payload = PurchaseCompleted(
        purchase_id=uuid.uuid4(),
        member_id=member_id,
        store_id=uuid.uuid4(),
        lines=(
            PurchaseLine(
                line_no=1,
                sku="SKU-1",
                category="tea",
                quantity=1,
                unit_price_fen=8800,
                amount_fen=8800,
            ),
        ),
        total_fen=8800,
        purchased_at=at,
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def again(event: CloudEvent) -> CloudEvent:
    """The same payload under a new event id (orders' republish): the inbox passes it."""
    return CloudEvent.of(PurchaseCompleted.model_validate(event.data), source=event.source)


def voided(purchase: CloudEvent, *, at: datetime | None = None) -> CloudEvent:
    """The void of the purchase ``purchase`` carries (its store, on its business day)."""
    sale = PurchaseCompleted.model_validate(purchase.data)
    payload = PurchaseVoided(
        purchase_id=sale.purchase_id,
        member_id=sale.member_id,
        store_id=sale.store_id,
        total_fen=sale.total_fen,
        purchased_at=sale.purchased_at,
        voided_at=at or sale.purchased_at + timedelta(minutes=5),
        refunds=(TenderRefund(kind="cash", amount_fen=sale.total_fen, paid_out=True),),
    )
    return CloudEvent.of(payload, source="/huiyuan/orders")


def coupon_granted(
    member_id: uuid.UUID,
    *,
    granted_at: datetime,
    occasion: str | None = None,
    name: str = "生日礼券",
    face_value_fen: int = 2050,
    valid_until: datetime,
) -> CloudEvent:
    payload = CouponGranted.model_validate(
        {
            "coupon_id": uuid.uuid4(),
            "member_id": member_id,
            "account_id": uuid.uuid4(),
            "definition_id": uuid.uuid4(),
            "definition_name": name,
            "kind": "cash_voucher",
            "face_value_fen": face_value_fen,
            "valid_from": granted_at,
            "valid_until": valid_until,
            "granted_at": granted_at,
            "occasion": occasion,
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")
