"""The worker delivers to a real receiver on loopback, which verifies every signature with
the Standard Webhooks library."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col
from standardwebhooks import Webhook

from services.messaging.webhooks import service
from services.messaging.webhooks.models import WebhookDelivery, WebhookSubscription
from services.messaging.webhooks.schemas import DeliveryDetail
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.messaging.webhooks.conftest import (
    CIPHER,
    MakeWorker,
    Receiver,
    Subscribe,
    account_opened,
)
from tests.stack import eventually


async def _consume(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


async def _delivery(sessions: Sessions, subscription_id: uuid.UUID) -> DeliveryDetail:
    async with transaction(sessions) as session:
        page = await service.deliveries(session, subscription_id, None, 10, None)
        assert len(page.items) == 1, page
        return await service.delivery(session, subscription_id, page.items[0].id)


async def _until_delivered(
    worker_batch: object, sessions: Sessions, sid: uuid.UUID
) -> DeliveryDetail:
    async def done() -> DeliveryDetail | None:
        await worker_batch()  # type: ignore[operator]
        found = await _delivery(sessions, sid)
        return found if found.status != "pending" else None

    result: DeliveryDetail = await eventually(done, timeout=10)
    return result


async def test_a_consumed_event_reaches_the_receiver_signed_as_cloudevents_json(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    event = account_opened()
    await _consume(messaging_sessions, handlers, event)
    await _consume(messaging_sessions, handlers, event)  # redelivered by the broker

    delivery = await _until_delivered(
        make_worker().deliver_batch, messaging_sessions, subscription.id
    )

    [got] = receiver.of(event)
    verified = Webhook(subscription.secret).verify(got.body, got.headers)
    assert verified == json.loads(event.model_dump_json())
    assert verified["type"] == "loyalty.account.opened"
    assert verified["specversion"] == "1.0"
    assert got.headers["webhook-id"] == str(delivery.id)
    assert got.headers["content-type"] == "application/cloudevents+json"
    assert delivery.status == "delivered"
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    [attempt] = delivery.attempt_log
    assert (attempt.status_code, attempt.error, attempt.response_snippet) == (200, None, "ok")
    assert attempt.duration_ms >= 0


async def test_a_receiver_answering_500_gets_the_same_webhook_id_again_until_it_answers_200(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    receiver.statuses = [500]
    event = account_opened()
    await _consume(messaging_sessions, handlers, event)

    delivery = await _until_delivered(
        make_worker().deliver_batch, messaging_sessions, subscription.id
    )

    first, second = receiver.of(event)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery.id)
    for got in (first, second):
        Webhook(subscription.secret).verify(got.body, got.headers)
    assert delivery.status == "delivered"
    assert delivery.attempts == 2
    assert [(a.status_code, a.error) for a in delivery.attempt_log] == [
        (500, "HTTP 500"),
        (200, None),
    ]
    assert delivery.attempt_log[0].response_snippet == "boom"
    async with transaction(messaging_sessions) as session:
        assert (await service.get(session, subscription.id)).failing_since is None


async def test_a_delivery_fails_after_its_last_attempt(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    receiver.statuses = [500, 503, 500]
    await _consume(messaging_sessions, handlers, account_opened())

    worker = make_worker(webhook_max_attempts=2)
    delivery = await _until_delivered(worker.deliver_batch, messaging_sessions, subscription.id)

    assert delivery.status == "failed"
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log] == [500, 503]
    assert delivery.last_status_code == 503
    assert delivery.last_error == "HTTP 503"
    assert len(receiver.received) == 2


async def test_a_worker_stopped_mid_post_redelivers_with_the_same_webhook_id_after_its_lease(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    receiver.gate = asyncio.Event()
    event = account_opened()
    await _consume(messaging_sessions, handlers, event)
    worker = make_worker()

    crashing = asyncio.create_task(worker.deliver_batch())
    await eventually(lambda: _received(receiver, event, 1))
    crashing.cancel()
    await asyncio.gather(crashing, return_exceptions=True)
    leased = await _delivery(messaging_sessions, subscription.id)
    assert leased.status == "pending"
    assert leased.attempts == 1
    assert leased.attempt_log == []
    assert await worker.deliver_batch() == 0  # leased: nobody takes it before the lease ends

    async with transaction(messaging_sessions) as session:  # the lease ends
        await session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == leased.id)
            .values(next_attempt_at=WebhookDelivery.created_at)
        )
    receiver.gate.set()
    delivery = await _until_delivered(worker.deliver_batch, messaging_sessions, subscription.id)

    first, second = receiver.of(event)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery.id)
    assert first.body == second.body
    assert delivery.status == "delivered"
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log] == [200]


async def _received(receiver: Receiver, event: CloudEvent, count: int) -> bool:
    return len(receiver.of(event)) >= count


async def test_after_a_rotation_both_secrets_sign_until_the_grace_period_ends(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    worker = make_worker()
    async with transaction(messaging_sessions) as session:
        rotated = await service.rotate_secret(session, CIPHER, worker._settings, subscription.id)
    during, after = account_opened(), account_opened()

    await _consume(messaging_sessions, handlers, during)
    await eventually(lambda: _sent(worker.deliver_batch, receiver, during))
    async with transaction(messaging_sessions) as session:  # the grace period ends
        await session.execute(
            update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == subscription.id)
            .values(previous_secret_until=WebhookSubscription.created_at)
        )
    await _consume(messaging_sessions, handlers, after)
    await eventually(lambda: _sent(worker.deliver_batch, receiver, after))

    assert rotated.secret != subscription.secret
    assert rotated.previous_secret_until is not None
    [got] = receiver.of(during)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (subscription.secret, rotated.secret):
        Webhook(secret).verify(got.body, got.headers)
    [got] = receiver.of(after)
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated.secret).verify(got.body, got.headers)


async def _sent(batch: object, receiver: Receiver, event: CloudEvent) -> bool:
    await batch()  # type: ignore[operator]
    return bool(receiver.of(event))


async def test_a_subscription_failing_for_longer_than_the_limit_is_disabled(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    receiver.statuses = [500] * 10
    event = account_opened()
    await _consume(messaging_sessions, handlers, event)
    worker = make_worker(webhook_disable_after_hours=72)

    await eventually(lambda: _sent(worker.deliver_batch, receiver, event))
    async with transaction(messaging_sessions) as session:
        failing = await service.get(session, subscription.id)
        await session.execute(  # failing for four days
            update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == subscription.id)
            .values(failing_since=WebhookSubscription.created_at - timedelta(days=4))
        )
    await eventually(lambda: _received_after_batch(worker.deliver_batch, receiver, event, 2))
    async with transaction(messaging_sessions) as session:
        disabled = await service.get(session, subscription.id)
        await session.execute(  # its delivery is due
            update(WebhookDelivery)
            .where(col(WebhookDelivery.subscription_id) == subscription.id)
            .values(next_attempt_at=WebhookDelivery.created_at)
        )

    assert failing.active
    assert failing.failing_since is not None
    assert not disabled.active
    assert disabled.disabled_reason == "no successful delivery for 72 h"
    assert await worker.deliver_batch() == 0
    assert len(receiver.of(event)) == 2
    assert (await _delivery(messaging_sessions, subscription.id)).status == "pending"


async def _received_after_batch(
    batch: object, receiver: Receiver, event: CloudEvent, count: int
) -> bool:
    await batch()  # type: ignore[operator]
    return len(receiver.of(event)) >= count


async def test_settled_deliveries_are_deleted_after_their_retention_and_pending_ones_stay(
    messaging_sessions: Sessions,
    handlers: Handlers,
    receiver: Receiver,
    subscribe: Subscribe,
    make_worker: MakeWorker,
) -> None:
    subscription = await subscribe(receiver.url)
    delivered, waiting = account_opened(), account_opened()
    await _consume(messaging_sessions, handlers, delivered)
    worker = make_worker(webhook_retention_days=30)
    await eventually(lambda: _sent(worker.deliver_batch, receiver, delivered))
    await _consume(messaging_sessions, handlers, waiting)
    async with transaction(messaging_sessions) as session:  # both 31 days old
        await session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.subscription_id) == subscription.id)
            .values(created_at=WebhookDelivery.created_at - timedelta(days=31))
        )

    assert await worker.purge() == 1

    async with transaction(messaging_sessions) as session:
        left = await service.deliveries(session, subscription.id, None, 10, None)
    assert [d.event_id for d in left.items] == [waiting.id]
    assert left.items[0].status == "pending"
