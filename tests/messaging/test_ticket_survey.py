"""A resolved service desk ticket asks its member for a satisfaction score, in their
language, on the channels they consented to, once per resolution."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.messaging import events


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def _rows(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        query = select(Notification).where(
            col(Notification.member_id) == member_id, col(Notification.template) == "ticket_survey"
        )
        return list(await session.scalars(query))


async def test_the_survey_goes_on_consented_channels_in_the_members_language(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, ticket_id = uuid.uuid4(), uuid.uuid4()
    registered = await events.registered(
        member_id, phone_number=events.phone(), email_consent=False, locale="en", name="Lei"
    )
    await _apply(messaging_sessions, handlers, registered)
    resolved = events.ticket_resolved(member_id, ticket_id)
    await _apply(messaging_sessions, handlers, resolved)
    await _apply(messaging_sessions, handlers, resolved)  # redelivered: nothing more

    by_channel = {row.channel: row for row in await _rows(messaging_sessions, member_id)}
    assert set(by_channel) == {"sms", "email"}
    sms, email = by_channel["sms"], by_channel["email"]
    assert sms.status == "queued"
    assert sms.body is not None
    assert "ticket 4711" in sms.body
    assert f"https://huiyuan.local/tickets/{ticket_id}/survey" in sms.body
    assert "rate our service" in sms.body
    assert sms.body.endswith("/survey Reply T to opt out")  # a survey is marketing
    assert email.status == "suppressed"  # no consent to email
    assert email.body is None


async def test_an_anonymous_callers_ticket_asks_nobody(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    ticket_id = uuid.uuid4()
    await _apply(messaging_sessions, handlers, events.ticket_resolved(None, ticket_id))
    async with messaging_sessions() as session:
        query = select(Notification).where(col(Notification.trigger_event_id).is_not(None))
        rows = [r for r in await session.scalars(query) if str(ticket_id) in (r.body or "")]
    assert rows == []
