"""Every consumed event is offered to the subscriptions naming its type, in the consumer's
transaction, at the cost of one query per transaction when nobody subscribed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import col, select

from services.messaging.consumers import HANDLERS
from services.messaging.webhooks.models import WebhookDelivery
from shared.db import Sessions, transaction
from shared.events import EVENT_TYPES
from shared.inbox import Handlers
from tests.messaging.webhooks.conftest import Subscribe, account_opened


@contextmanager
def statements(sessions: Sessions) -> Iterator[list[str]]:
    """The SQL statements run on the sessions' engine meanwhile."""
    seen: list[str] = []
    engine = sessions.kw["bind"].sync_engine

    def note(*args: Any) -> None:
        seen.append(args[2])

    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)


def test_messaging_consumes_every_event_type_a_subscription_can_name() -> None:
    assert set(EVENT_TYPES) == set(HANDLERS)


async def test_without_subscriptions_a_batch_costs_one_query(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    batch = [account_opened() for _ in range(5)]

    with statements(messaging_sessions) as seen:
        async with transaction(messaging_sessions) as session:
            for event in batch:
                await handlers[event.type](session, event)

    assert len(seen) == 1
    assert "webhook_subscriptions" in seen[0]


async def test_each_event_is_queued_once_for_each_subscription_naming_its_type(
    messaging_sessions: Sessions, handlers: Handlers, subscribe: Subscribe
) -> None:
    one, two = await subscribe("http://127.0.0.1:9/a"), await subscribe("http://127.0.0.1:9/b")
    event = account_opened()
    for _ in range(2):  # the broker delivered it twice, after the inbox forgot it
        async with transaction(messaging_sessions) as session:
            await handlers[event.type](session, event)

    async with messaging_sessions() as session:
        rows = (
            await session.scalars(
                select(WebhookDelivery).where(col(WebhookDelivery.event_id) == event.id)
            )
        ).all()
    assert sorted(r.subscription_id for r in rows) == sorted([one.id, two.id])
    assert {(r.status, r.attempts, r.event_type) for r in rows} == {
        ("pending", 0, "loyalty.account.opened")
    }
    assert {r.body for r in rows} == {event.model_dump_json()}
