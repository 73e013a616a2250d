from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from services.messaging.base import outbox
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.contacts.models import Contact
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events
from tests.stack import Stack


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def _notifications(sessions: Sessions, member_id: uuid.UUID) -> dict[str, Notification]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(col(Notification.member_id) == member_id)
        )
        return {row.channel: row for row in rows}


async def _outbox(sessions: Sessions, member_id: uuid.UUID) -> list[dict[str, Any]]:
    async with sessions() as session:
        result = await session.execute(
            select(outbox.table.c.event_type, outbox.table.c.envelope).where(
                outbox.table.c.key == str(member_id)
            )
        )
        return [{"type": t, **envelope["data"]} for t, envelope in result.all()]


async def test_registration_keeps_an_encrypted_contact_and_welcomes_per_consent(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    event = await events.registered(member_id, phone_number=phone, email_consent=False)
    await _apply(messaging_sessions, handlers, event)

    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert phone not in contact.phone_encrypted
    assert contact.email_encrypted is not None
    assert "lilei" not in contact.email_encrypted
    cipher = PiiCipher(DEV_PII_KEY)
    assert cipher.decrypt(contact.phone_encrypted) == phone
    assert (contact.consent_sms, contact.consent_email, contact.locale) == (True, False, "zh-CN")

    rows = await _notifications(messaging_sessions, member_id)
    sms, email = rows["sms"], rows["email"]
    assert (sms.status, sms.template, sms.trigger_event_id) == ("queued", "welcome", event.id)
    assert sms.body is not None
    assert "李雷" in sms.body
    assert event.data["card_number"] in sms.body
    assert sms.recipient_masked == events.masked(phone)
    assert email.status == "suppressed"
    assert "consent" in (email.error or "")
    assert email.body is None

    published = await _outbox(messaging_sessions, member_id)
    assert published == [
        {
            "type": "messaging.notification.suppressed",
            "notification_id": str(email.id),
            "member_id": str(member_id),
            "channel": "email",
            "template": "welcome",
            "trigger_event_id": event.id,
            "reason": email.error,
        }
    ]


async def test_an_imported_member_is_kept_as_a_contact_and_not_welcomed(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=phone, source="import"),
    )

    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert PiiCipher(DEV_PII_KEY).decrypt(contact.phone_encrypted) == phone
    assert await _notifications(messaging_sessions, member_id) == {}
    assert await _outbox(messaging_sessions, member_id) == []


async def test_the_same_event_twice_notifies_once(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    event = await events.registered(member_id, phone_number=events.phone(), email=None)
    await _apply(messaging_sessions, handlers, event)
    first = await _notifications(messaging_sessions, member_id)
    await _apply(messaging_sessions, handlers, event)

    again = await _notifications(messaging_sessions, member_id)
    assert {c: n.id for c, n in again.items()} == {c: n.id for c, n in first.items()}
    assert again["email"].error == "member has no email address"
    assert len(await _outbox(messaging_sessions, member_id)) == 1


async def _texts(sessions: Sessions, event: CloudEvent) -> dict[str, tuple[str, str | None]]:
    """``{channel: (template, body)}`` of what ``event`` queued; SMS bodies have no subject."""
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(col(Notification.trigger_event_id) == event.id)
        )
        return {row.channel: (row.template, row.body) for row in rows}


async def _member_in(sessions: Sessions, handlers: Handlers, **registration: Any) -> uuid.UUID:
    member_id = uuid.uuid4()
    registered = await events.registered(member_id, phone_number=events.phone(), **registration)
    await _apply(sessions, handlers, registered)
    return member_id


async def test_each_kind_of_tier_change_is_worded_its_own_way(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member_in(messaging_sessions, handlers, locale="en", name="Lei")
    up = events.tier_changed(member_id, "up", change="upgrade")
    # kept at least through 2027, the period after the one it fell short in
    down = events.tier_changed(
        member_id,
        "down",
        "Silver",
        change="downgrade",
        review_at=events.brand_midnight(date(2028, 1, 1)),
    )
    # staff's assignment "until 2027-03-31" ends at the next midnight in Shanghai
    until = events.brand_midnight(date(2027, 4, 1))
    manual = events.tier_changed(member_id, "down", "Silver", change="manual", until=until)
    ended = events.tier_changed(member_id, "up", "Gold", change="manual")
    legacy_down = events.tier_changed(member_id, "down", "Bronze")
    for event in (up, down, manual, ended, legacy_down):
        await _apply(messaging_sessions, handlers, event)

    sms = {e.id: (await _texts(messaging_sessions, e))["sms"] for e in (up, down, manual, ended)}
    assert sms[up.id][0] == "tier_upgrade"
    assert sms[down.id] == (
        "tier_downgrade",
        "Lei, thank you for being with us. Your membership tier is now Silver, yours at least "
        "until 31 Dec 2027, and every purchase counts toward a higher tier.",
    )
    assert sms[manual.id] == (
        "tier_manual",
        "Lei, our team has made you a Silver member until 31 Mar 2027, and your benefits "
        "apply from today.",
    )
    assert sms[ended.id] == (
        "tier_manual",
        "Lei, your special tier has ended, and your purchases make you a Gold member.",
    )
    legacy = await _texts(messaging_sessions, legacy_down)
    assert {channel: template for channel, (template, _) in legacy.items()} == {
        "email": "tier_downgrade",
        "sms": "tier_downgrade",
    }
    async with messaging_sessions() as session:
        email = (
            await session.scalars(
                select(Notification).where(
                    col(Notification.trigger_event_id) == up.id,
                    col(Notification.channel) == "email",
                )
            )
        ).one()
    assert email.subject == "Congratulations, you are now 金卡!"
    assert email.recipient_masked == "l****@example.com"


async def test_expiring_points_tell_each_day_once(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member_in(messaging_sessions, handlers, email_consent=False)
    expiring = events.points_expiring(
        member_id, (300, date(2027, 1, 5)), (500, date(2026, 12, 31)), (200, date(2027, 1, 5))
    )
    await _apply(messaging_sessions, handlers, expiring)
    await _apply(messaging_sessions, handlers, expiring)

    texts = await _texts(messaging_sessions, expiring)
    assert texts == {
        "sms": (
            "points_expiring",
            "李雷，您有 1,000 积分即将过期：500 积分有效期至2026年12月31日，"
            "500 积分有效期至2027年1月5日。请及时使用！",
        ),
        "email": ("points_expiring", None),  # no consent: suppressed, nothing rendered
    }
    suppressed = [e["template"] for e in await _outbox(messaging_sessions, member_id)]
    assert suppressed == ["welcome", "points_expiring"]  # the second delivery added nothing


async def test_expired_points_tell_the_balance_left(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member_in(messaging_sessions, handlers)
    expired = events.points_expired(member_id, points=1_200, balance=3_400)
    await _apply(messaging_sessions, handlers, expired)

    texts = await _texts(messaging_sessions, expired)
    assert texts["sms"] == (
        "points_expired",
        "李雷，您有 1,200 积分已到有效期并过期，当前积分余额 3,400。",
    )
    assert texts["email"][0] == "points_expired"


async def test_a_reward_order_is_told_when_placed_fulfilled_or_cancelled(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member_in(messaging_sessions, handlers, email=None)
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    ordered = events.reward_ordered(member_id, kept, balance=100)
    fulfilled = events.reward_fulfilled(member_id, kept)
    cancelled = events.reward_cancelled(member_id, dropped, balance=500, item_name=None)
    for event in (ordered, fulfilled, cancelled):
        await _apply(messaging_sessions, handlers, event)

    assert (await _texts(messaging_sessions, ordered))["sms"] == (
        "reward_ordered",
        "李雷，您已使用 400 积分兑换环保袋 × 2，当前积分余额 100。",
    )
    assert (await _texts(messaging_sessions, fulfilled))["sms"] == (
        "reward_fulfilled",
        "李雷，您使用 400 积分兑换的环保袋 × 2 已发放，祝您使用愉快！",
    )
    # published before loyalty sent the item's name: named by its code
    assert (await _texts(messaging_sessions, cancelled))["sms"] == (
        "reward_cancelled",
        "李雷，您兑换TOTE-2026 × 2 的订单已取消，400 积分已退回，当前积分余额 500。",
    )


async def test_points_earned_is_queued_with_points_and_balance(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone(), email_consent=False),
    )
    earned = events.points_earned(member_id, points=260, balance=12_060)
    await _apply(messaging_sessions, handlers, earned)

    async with messaging_sessions() as session:
        sms = (
            await session.scalars(
                select(Notification).where(
                    col(Notification.trigger_event_id) == earned.id,
                    col(Notification.channel) == "sms",
                )
            )
        ).one()
    assert sms.status == "queued"
    assert sms.body is not None
    assert "260 积分" in sms.body
    assert "12,060" in sms.body


async def test_an_event_for_an_unknown_contact_raises_and_writes_nothing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    with pytest.raises(ContactNotKnown):
        await _apply(messaging_sessions, handlers, events.points_earned(member_id))
    async with messaging_sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.member_id) == member_id)
        )
    assert count == 0
    assert await _outbox(messaging_sessions, member_id) == []


async def test_a_phone_that_is_no_number_suppresses_the_sms_and_says_why(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number="call 65529988"),
    )

    rows = await _notifications(messaging_sessions, member_id)
    assert rows["sms"].status == "suppressed"
    assert rows["sms"].error == "member's phone number on file is not a phone number"
    assert rows["sms"].recipient_encrypted is None
    assert rows["email"].status == "queued"
    published = await _outbox(messaging_sessions, member_id)
    assert [(e["channel"], e["reason"]) for e in published] == [("sms", rows["sms"].error)]
    assert "65529988" not in str(published)


async def test_the_republished_e164_phone_is_where_the_next_sms_goes(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """Customer's upgrade republishes each member's phone as E.164 (customer.member.updated)."""
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions, handlers, await events.registered(member_id, phone_number="13912345678")
    )
    await _apply(
        messaging_sessions, handlers, await events.phone_updated(member_id, "+13125550147")
    )
    earned = events.points_earned(member_id)
    await _apply(messaging_sessions, handlers, earned)

    async with messaging_sessions() as session:
        sms = (
            await session.scalars(
                select(Notification).where(
                    col(Notification.trigger_event_id) == earned.id,
                    col(Notification.channel) == "sms",
                )
            )
        ).one()
    assert sms.status == "queued"
    assert sms.recipient_encrypted is not None
    assert PiiCipher(DEV_PII_KEY).decrypt(sms.recipient_encrypted) == "+13125550147"
    assert sms.recipient_masked == "+1 312***0147"


async def test_days_are_the_brands_in_its_own_timezone(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    """A brand in New York: its assignment "until 2027-03-31" ends at New York's midnight,
    which is already 1 April in Shanghai."""
    handlers = stack.handlers("messaging", business_timezone="America/New_York")
    member_id = await _member_in(messaging_sessions, handlers, locale="en", name="Lei")
    until = datetime(2027, 4, 1, tzinfo=ZoneInfo("America/New_York"))
    manual = events.tier_changed(member_id, "up", "Gold", change="manual", until=until)
    await _apply(messaging_sessions, handlers, manual)

    _, sms = (await _texts(messaging_sessions, manual))["sms"]
    assert sms is not None
    assert "a Gold member until 31 Mar 2027," in sms
