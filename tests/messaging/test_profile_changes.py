"""Customer's profile lifecycle applied by messaging before its next send: consent
withdrawn or a deactivation cancels what is queued and queues nothing new; a new phone,
email, name or locale is used from the next message on, queued ones included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from services.messaging.config import Settings
from services.messaging.contacts.models import Contact
from services.messaging.notifications import outcomes
from services.messaging.notifications.domain import Delivered, Outcome, Undelivered
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events

CIPHER = PiiCipher(DEV_PII_KEY)


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def _rows(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        query = (
            select(Notification)
            .where(col(Notification.member_id) == member_id)
            .order_by(col(Notification.created_at), col(Notification.channel))
        )
        return list((await session.scalars(query)).all())


async def _registered(sessions: Sessions, handlers: Handlers) -> tuple[uuid.UUID, str]:
    member_id, phone = uuid.uuid4(), events.phone()
    await _apply(sessions, handlers, await events.registered(member_id, phone_number=phone))
    return member_id, phone


async def test_withdrawn_consent_cancels_the_queued_and_queues_nothing_new(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _registered(messaging_sessions, handlers)
    welcome = {row.channel: row.status for row in await _rows(messaging_sessions, member_id)}
    assert welcome == {"sms": "queued", "email": "queued"}

    await _apply(
        messaging_sessions, handlers, events.consent_changed(member_id, sms=False, email=True)
    )
    await _apply(messaging_sessions, handlers, events.points_earned(member_id))

    rows = await _rows(messaging_sessions, member_id)
    by_status = sorted((row.template, row.channel, row.status) for row in rows)
    assert by_status == [
        ("points_earned", "email", "queued"),
        ("points_earned", "sms", "suppressed"),
        ("welcome", "email", "queued"),
        ("welcome", "sms", "cancelled"),
    ]
    (cancelled,) = [row for row in rows if row.status == "cancelled"]
    assert cancelled.error == "member has not consented to sms"


async def test_a_deactivated_member_is_sent_nothing_more(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _registered(messaging_sessions, handlers)
    await _apply(messaging_sessions, handlers, events.deactivated(member_id))
    await _apply(messaging_sessions, handlers, events.points_earned(member_id))
    rows = await _rows(messaging_sessions, member_id)
    assert {(row.template, row.status, row.error) for row in rows} == {
        ("welcome", "cancelled", "member is inactive"),
        ("points_earned", "suppressed", "member is inactive"),
    }


async def test_a_reactivated_member_is_sent_to_again(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _registered(messaging_sessions, handlers)
    await _apply(messaging_sessions, handlers, events.deactivated(member_id))
    await _apply(messaging_sessions, handlers, events.reactivated(member_id, "h" * 64))
    await _apply(messaging_sessions, handlers, events.points_earned(member_id))
    rows = await _rows(messaging_sessions, member_id)
    assert {(row.template, row.status) for row in rows} == {
        ("welcome", "cancelled"),
        ("points_earned", "queued"),
    }


async def test_a_changed_contact_is_used_from_the_next_send_on(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _registered(messaging_sessions, handlers)
    new_phone = events.phone()
    update = await events.profile_updated(
        member_id, name="Li Lei", phone=new_phone, email=None, locale="en"
    )
    await _apply(messaging_sessions, handlers, update)

    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert "Li Lei" not in contact.name_encrypted  # encrypted at rest
    assert (CIPHER.decrypt(contact.name_encrypted), contact.locale, contact.email_encrypted) == (
        "Li Lei",
        "en",
        None,
    )
    assert CIPHER.decrypt(contact.phone_encrypted) == new_phone
    welcome = {row.channel: row for row in await _rows(messaging_sessions, member_id)}
    assert welcome["sms"].recipient_encrypted is not None
    assert CIPHER.decrypt(welcome["sms"].recipient_encrypted) == new_phone
    assert welcome["sms"].recipient_masked == events.masked(new_phone)
    assert (welcome["email"].status, welcome["email"].error) == (
        "cancelled",
        "member has no email address",
    )

    await _apply(messaging_sessions, handlers, events.points_earned(member_id))
    (earned,) = [r for r in await _rows(messaging_sessions, member_id) if r.channel == "sms"][1:]
    assert earned.body is not None
    assert "Li Lei" in earned.body
    assert earned.recipient_encrypted is not None
    assert CIPHER.decrypt(earned.recipient_encrypted) == new_phone


async def test_a_cancel_during_a_send_leaves_a_sent_one_sent_and_retries_no_failed_one(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _registered(messaging_sessions, handlers)
    until = datetime.now(UTC) + timedelta(seconds=2)  # other tests' rows it leases wait no longer
    async with transaction(messaging_sessions) as dispatcher:  # the dispatcher's lease
        leased = [
            n
            for n in await outcomes.lease_due(dispatcher, 10_000, until)
            if n.member_id == member_id
        ]
    await _apply(
        messaging_sessions, handlers, events.consent_changed(member_id, sms=False, email=False)
    )
    assert {row.status for row in await _rows(messaging_sessions, member_id)} == {"cancelled"}

    # the SMS went out, the email failed in a way worth retrying, had it not been cancelled
    said: dict[str, Outcome] = {
        "sms": Delivered("gw-1"),
        "email": Undelivered("SMTP 451", permanent=False),
    }
    async with transaction(messaging_sessions) as dispatcher:
        await outcomes.record_outcomes(
            dispatcher, Settings(), [(n, said[n.channel]) for n in leased], until
        )
    rows = {row.channel: row for row in await _rows(messaging_sessions, member_id)}
    assert {channel: row.status for channel, row in rows.items()} == {
        "sms": "sent",
        "email": "cancelled",
    }
    assert rows["sms"].provider_message_id == "gw-1"
