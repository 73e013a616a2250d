"""Messaging applies an erasure: the contact becomes a tombstone nothing reaches, what
was queued is cancelled and no notification keeps its text or address; later events
about the member and a redelivery change nothing more."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from services.messaging.contacts.models import Contact
from services.messaging.journeys.models import JourneyPurchase, JourneyRun
from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberErased
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.journeys import events as journey_events


async def _apply(sessions: Sessions, handlers: Handlers, *applied: CloudEvent) -> None:
    for event in applied:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


def _erased(member_id: uuid.UUID) -> CloudEvent:
    payload = MemberErased(member_id=member_id, erased_at=datetime.now(UTC))
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _notifications(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(col(Notification.member_id) == member_id)
        )
        return list(rows)


async def test_the_contact_becomes_a_tombstone_and_nothing_sent_keeps_its_text(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone()),
    )
    welcomes = await _notifications(messaging_sessions, member_id)
    assert welcomes
    assert any(n.body for n in welcomes)  # the check below can fail

    erasure = _erased(member_id)
    await _apply(messaging_sessions, handlers, erasure)
    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert (contact.name_encrypted, contact.phone_encrypted, contact.email_encrypted) == (
        "",
        "",
        None,
    )
    assert (contact.active, contact.consent_sms, contact.phone_hash) == (False, False, None)
    for notification in await _notifications(messaging_sessions, member_id):
        assert (notification.body, notification.subject) == (None, None)
        assert (notification.recipient_encrypted, notification.recipient_masked) == (None, None)
        assert notification.status not in ("queued", "deferred", "sending")

    # a later event about them reaches no one, and a redelivery changes nothing
    await _apply(messaging_sessions, handlers, events.points_earned(member_id), erasure)
    after = await _notifications(messaging_sessions, member_id)
    assert all(n.status in ("cancelled", "suppressed") for n in after), [n.status for n in after]
    assert all(n.body is None for n in after if n.status == "cancelled")


async def test_the_purchases_journeys_kept_of_the_member_are_deleted(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone()),
        journey_events.purchased(member_id, datetime.now(UTC)),
    )
    query = select(JourneyPurchase).where(col(JourneyPurchase.member_id) == member_id)
    async with messaging_sessions() as session:
        assert len(list(await session.scalars(query))) == 1

    await _apply(messaging_sessions, handlers, _erased(member_id))
    async with messaging_sessions() as session:
        assert list(await session.scalars(query)) == []


async def test_a_purchase_or_a_void_consumed_after_the_erasure_keeps_nothing_of_the_member(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    # one member messaging had a contact of, one erased before it ever had one
    known, never_seen = uuid.uuid4(), uuid.uuid4()
    await _apply(
        messaging_sessions,
        handlers,
        await events.registered(known, phone_number=events.phone()),
        _erased(known),
        _erased(never_seen),
    )
    for member_id in (known, never_seen):
        purchase = journey_events.purchased(member_id, datetime.now(UTC))
        late = journey_events.purchased(member_id, datetime.now(UTC))
        await _apply(messaging_sessions, handlers, purchase, journey_events.voided(late), purchase)
        async with messaging_sessions() as session:
            kept = select(JourneyPurchase).where(col(JourneyPurchase.member_id) == member_id)
            assert list(await session.scalars(kept)) == []
            runs = select(JourneyRun).where(col(JourneyRun.member_id) == member_id)
            assert list(await session.scalars(runs)) == []
