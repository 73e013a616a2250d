"""Every consumed event is offered to the subscriptions naming its type, in the consumer's
transaction, at the cost of one query per transaction when nobody subscribed (the kept
subscriptions' token)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlmodel import col, func, select

from services.messaging.consumers import HANDLERS
from services.messaging.webhooks import repository
from services.messaging.webhooks.models import WebhookDelivery, WebhookSubscription
from shared.db import Sessions, transaction
from shared.events import EVENT_TYPES, CloudEvent
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


async def _offer(sessions: Sessions, handlers: Handlers, batch: list[CloudEvent]) -> None:
    async with transaction(sessions) as session:
        for event in batch:
            await handlers[event.type](session, event)


async def _queued(sessions: Sessions, batch: list[CloudEvent]) -> int:
    async with sessions() as session:
        ids = [e.id for e in batch]
        query = select(func.count()).where(col(WebhookDelivery.event_id).in_(ids))
        return int(await session.scalar(query) or 0)


async def test_without_subscriptions_a_batch_costs_one_query(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """The subscriptions' token (the subscriptions kept since the first batch: before
    issue 19's fifth round, the subscriptions themselves, every batch)."""
    await _offer(messaging_sessions, handlers, [account_opened()])
    batch = [account_opened() for _ in range(5)]

    with statements(messaging_sessions) as seen:
        await _offer(messaging_sessions, handlers, batch)

    assert seen == ["SELECT version FROM messaging.kept_versions WHERE name = $1"]


async def test_subscriptions_kept_across_batches_follow_every_change_of_another_session(
    messaging_sessions: Sessions, handlers: Handlers, subscribe: Subscribe
) -> None:
    await _offer(messaging_sessions, handlers, [account_opened()])  # none kept
    made = await subscribe("http://127.0.0.1:9/a")
    after_made = [account_opened()]
    await _offer(messaging_sessions, handlers, after_made)
    async with transaction(messaging_sessions) as session:  # a failure noted, still active
        await repository.mark_failing(session, made.id, timedelta(days=1), "HTTP 500")
    after_failure = [account_opened()]
    with statements(messaging_sessions) as seen:
        await _offer(messaging_sessions, handlers, after_failure)
    async with transaction(messaging_sessions) as session:
        await session.execute(
            update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == made.id)
            .values(active=False)
        )
    after_disabled = [account_opened()]
    await _offer(messaging_sessions, handlers, after_disabled)

    assert await _queued(messaging_sessions, after_made) == 1
    assert await _queued(messaging_sessions, after_failure) == 1
    assert not [s for s in seen if "FROM messaging.webhook_subscriptions" in s]  # still kept
    assert await _queued(messaging_sessions, after_disabled) == 0


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
