"""Envelopes the journey tests feed to messaging's handlers, each about a fresh member."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from shared.crypto import PiiCipher
from shared.events import CloudEvent
from shared.events.coupons import CouponGranted
from shared.events.customer import ChannelConsent, MemberRegistered, MemberUpdated
from shared.events.orders import PurchaseCompleted, PurchaseLine
from shared.settings import DEV_PII_KEY

CIPHER = PiiCipher(DEV_PII_KEY)


def registered(
    member_id: uuid.UUID,
    phone: str,
    *,
    birthday: date | None = None,
    locale: str = "zh-CN",
    marketing: bool = True,
    source: str = "import",
) -> CloudEvent:
    """An imported member by default: no welcome, the journeys' messages only."""
    payload = MemberRegistered.model_validate(
        {
            "member_id": member_id,
            "card_number": "8860000000013",
            "name": "李雷",
            "phone": phone,
            "phone_hash": "not-used-by-messaging",
            "email": f"m{member_id.hex[:8]}@example.com",
            "locale": locale,
            "birthday": birthday,
            "consent": ChannelConsent(sms=True, email=True),
            "marketing": ChannelConsent(sms=marketing, email=marketing),
            "source": source,
            "registered_at": datetime.now(UTC),
        }
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


def birthday_changed(member_id: uuid.UUID, birthday: date | None) -> CloudEvent:
    """Staff's edit of the birthday, carried encrypted as customer carries it."""
    payload = MemberUpdated(
        member_id=member_id,
        changed=("birthday",),
        birthday_encrypted=CIPHER.encrypt(birthday.isoformat()) if birthday else None,
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
