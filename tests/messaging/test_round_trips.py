"""What a consumer batch of the purchase path costs messaging in statements."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from services.messaging.base import inbox
from services.messaging.contacts import service as contacts
from shared.consumer import EventConsumer
from shared.contacts import MemberContact
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import ChannelConsent, MemberRegistered
from shared.inbox import Handlers
from shared.testing.records import consumer_record
from tests.contacts import CIPHER
from tests.loyalty.conftest import purchase_event
from tests.loyalty.statements import engine_of, statements
from tests.messaging import events

BATCH = 200


def _consumer(sessions: Sessions, handlers: Handlers) -> EventConsumer:
    return EventConsumer(
        service="messaging",
        sessions=sessions,
        inbox=inbox,
        handlers=handlers,
        topics=["loyalty.events"],
        bootstrap_servers="unused:9092",
        retry_backoff_seconds=0.01,
    )


async def _members(sessions: Sessions, count: int) -> list[uuid.UUID]:
    """Members with a contact: SMS consent and an email without consent."""
    ids = [uuid.uuid4() for _ in range(count)]
    async with transaction(sessions) as session:
        for member_id in ids:
            registered = MemberRegistered(
                member_id=member_id,
                card_number="8860000001234",
                phone_hash="x",
                locale="zh-CN",
                consent=ChannelConsent(sms=True, email=False),
                source="import",
                registered_at=datetime.now(UTC),
            )
            contact = MemberContact(
                member_id=member_id,
                name="李雷",
                phone=events.phone(),
                email="lilei@example.com",
                version=1,
            )
            await contacts.record_registration(session, CIPHER, registered, contact)
    return ids


async def _measure(sessions: Sessions, handlers: Handlers, batch: list[CloudEvent]) -> None:
    consumer = _consumer(sessions, handlers)
    with statements(engine_of(sessions)) as sent:
        started = time.process_time()
        await consumer.apply([consumer_record(e, offset=i) for i, e in enumerate(batch)])
        took = time.process_time() - started
    kinds: dict[str, int] = {}
    for s in sent:
        key = s.split("(")[0][:60]
        kinds[key] = kinds.get(key, 0) + 1
    print(f"\n{batch[0].type}: {len(sent)} statements, {took / len(batch) * 1000:.2f} ms CPU each")
    for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5} {k}")


async def test_measure(messaging_sessions: Sessions, handlers: Handlers) -> None:
    members = await _members(messaging_sessions, BATCH)
    await _measure(messaging_sessions, handlers, [events.points_earned(m) for m in members[:20]])
    await _measure(messaging_sessions, handlers, [events.points_earned(m) for m in members])
    purchases = [purchase_event(m, 12_000) for m in members]
    await _measure(messaging_sessions, handlers, purchases)
