from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from services.messaging.notifications import repository
from services.messaging.notifications.domain import DISPATCH_CHANNEL
from shared.db import Sessions, asyncpg_dsn, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberRegistered
from shared.events.loyalty import PointsEarned
from shared.inbox import Handlers
from tests.messaging import events
from tests.stack import Stack


async def _apply(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def test_the_dispatcher_is_woken_at_commit_by_queued_messages_only(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    wakeups: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(asyncpg_dsn(stack.database_urls["messaging"]))
    await listener.add_listener(DISPATCH_CHANNEL, lambda *args: wakeups.put_nowait(args[2]))
    try:
        nothing_to_send = await events.registered(
            uuid.uuid4(), phone_number=events.phone(), sms=False, email_consent=False
        )
        await _apply(messaging_sessions, handlers, nothing_to_send)
        async with transaction(messaging_sessions) as session:
            for _ in range(3):
                member_id = uuid.uuid4()
                await handlers[MemberRegistered.event_type](
                    session, await events.registered(member_id, phone_number=events.phone())
                )
                await handlers[PointsEarned.event_type](session, events.points_earned(member_id))
            assert wakeups.empty()  # not before the commit

        await asyncio.wait_for(wakeups.get(), timeout=5)
        await asyncio.sleep(0.3)
        assert wakeups.empty()  # one for the whole transaction, none for the suppressed
    finally:
        await listener.close()


async def test_a_value_too_long_for_its_column_is_refused_not_cut(
    messaging_sessions: Sessions,
) -> None:
    now = datetime.now(UTC)
    row = {
        "id": uuid.uuid4(),
        "member_id": uuid.uuid4(),
        "channel": "email",
        "template": "welcome",
        "trigger_event_id": uuid.uuid4().hex,
        "status": "queued",
        "subject": "积" * 256,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    with pytest.raises(DBAPIError, match="too long"):
        async with transaction(messaging_sessions) as session:
            await repository.insert_notifications(session, [row])
