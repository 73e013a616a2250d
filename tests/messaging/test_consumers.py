from __future__ import annotations

import uuid
from typing import Any

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
    event = events.registered(member_id, phone_number=phone, email_consent=False)
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


async def test_the_same_event_twice_notifies_once(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    event = events.registered(member_id, phone_number=events.phone(), email=None)
    await _apply(messaging_sessions, handlers, event)
    first = await _notifications(messaging_sessions, member_id)
    await _apply(messaging_sessions, handlers, event)

    again = await _notifications(messaging_sessions, member_id)
    assert {c: n.id for c, n in again.items()} == {c: n.id for c, n in first.items()}
    assert again["email"].error == "member has no email address"
    assert len(await _outbox(messaging_sessions, member_id)) == 1


async def test_tier_upgrade_is_queued_and_downgrade_sends_nothing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        events.registered(member_id, phone_number=events.phone(), locale="en", name="Lei"),
    )
    down = events.tier_changed(member_id, "down")
    await _apply(messaging_sessions, handlers, down)
    up = events.tier_changed(member_id, "up")
    await _apply(messaging_sessions, handlers, up)

    async with messaging_sessions() as session:
        rows = list(
            await session.scalars(
                select(Notification).where(
                    col(Notification.member_id) == member_id,
                    col(Notification.template) != "welcome",
                )
            )
        )
    assert {(r.channel, r.status, r.template, r.trigger_event_id) for r in rows} == {
        ("email", "queued", "tier_upgrade", up.id),
        ("sms", "queued", "tier_upgrade", up.id),
    }
    email = next(r for r in rows if r.channel == "email")
    assert email.subject == "Congratulations, you are now 金卡!"
    assert email.recipient_masked == "l****@example.com"


async def test_points_earned_is_queued_with_points_and_balance(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        events.registered(member_id, phone_number=events.phone(), email_consent=False),
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
        messaging_sessions, handlers, events.registered(member_id, phone_number="call 65529988")
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
        messaging_sessions, handlers, events.registered(member_id, phone_number="13912345678")
    )
    await _apply(messaging_sessions, handlers, events.phone_updated(member_id, "+13125550147"))
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
