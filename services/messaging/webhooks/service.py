"""Use cases of outbound webhooks: subscriptions (admin), the fan-out of consumed events
into deliveries, and recording each attempt's answer.

Fan-out (:func:`fanning_out`): every consumed event, whatever its type, is offered to the
active subscriptions naming its type, in the consumer's transaction, so a delivery exists
exactly when the event was applied. The subscriptions are read once per transaction (a
consumer batch), so with none the cost is that one query per batch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.config import Settings
from services.messaging.webhooks import domain, repository
from services.messaging.webhooks.domain import Answer
from services.messaging.webhooks.errors import (
    DeliveryNotFound,
    SubscriptionInactive,
    SubscriptionNotFound,
    WebhookUrlRefused,
)
from services.messaging.webhooks.models import KEPT, WebhookDelivery, WebhookSubscription
from services.messaging.webhooks.repository import Claimed
from services.messaging.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    DeliveryPage,
    DeliveryStatus,
    SubscriptionDeleted,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    SubscriptionPatch,
    SubscriptionWithSecret,
)
from shared.crypto import PiiCipher
from shared.events import CloudEvent
from shared.inbox import Handler, InRuns
from shared.kept import Kept, token
from shared.pagination import PageKey, encode_cursor

log = logging.getLogger(__name__)

C = TypeVar("C")
_ACTIVE_KEY = "webhooks.active"


def _check_url(url: str, settings: Settings) -> None:
    refusal = domain.url_refusal(url, settings.environment)
    if refusal is not None:
        raise WebhookUrlRefused(f"url {refusal}", field="url")


async def create(
    session: AsyncSession, cipher: PiiCipher, settings: Settings, data: SubscriptionIn
) -> SubscriptionWithSecret:
    """A new active subscription with a new secret, shown this once. Raises
    :class:`WebhookUrlRefused` (422 naming ``url``)."""
    _check_url(data.url, settings)
    secret = domain.new_secret()
    row = WebhookSubscription(
        url=data.url,
        description=data.description,
        event_types=sorted(set(data.event_types)),
        active=True,
        secret_encrypted=cipher.encrypt(secret),
    )
    session.add(row)
    await session.flush()
    return _with_secret(row, secret)


def _with_secret(row: WebhookSubscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.model_validate(
        SubscriptionOut.model_validate(row).model_dump() | {"secret": secret}
    )


async def _subscription(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription:
    row = await repository.subscription(session, subscription_id, lock=True)
    if row is None:
        raise SubscriptionNotFound(
            f"No webhook subscription with id {subscription_id}",
            field="subscription_id",
            where="path",
        )
    return row


async def get(session: AsyncSession, subscription_id: uuid.UUID) -> SubscriptionOut:
    """Raises :class:`SubscriptionNotFound` (404)."""
    return SubscriptionOut.model_validate(await _subscription(session, subscription_id))


async def page(session: AsyncSession, limit: int, after: PageKey | None) -> SubscriptionPage:
    """Up to ``limit`` subscriptions in creation order after ``after``."""
    rows = await repository.subscriptions_page(session, limit + 1, after)
    last = rows[limit - 1] if len(rows) > limit else None
    return SubscriptionPage(
        items=[SubscriptionOut.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def update(
    session: AsyncSession, settings: Settings, subscription_id: uuid.UUID, patch: SubscriptionPatch
) -> SubscriptionOut:
    """Applies a merge patch; ``active: true`` also forgets the failures that disabled it,
    and its pending deliveries go out again. Raises :class:`SubscriptionNotFound` (404),
    :class:`WebhookUrlRefused` (422 naming ``url``)."""
    row = await _subscription(session, subscription_id)
    wanted = patch.model_dump(include=patch.model_fields_set)
    for field in ("url", "event_types", "active"):
        if wanted.get(field) is None:
            wanted.pop(field, None)
    if "url" in wanted:
        _check_url(wanted["url"], settings)
    if "event_types" in wanted:
        wanted["event_types"] = sorted(set(wanted["event_types"]))
    if wanted.get("active") is True and not row.active:
        row.failing_since, row.disabled_reason = None, None
    if wanted.get("active") is False and row.active:
        row.disabled_reason = "disabled by staff"
    changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.updated_at = datetime.now(UTC)
        await session.flush()
    return SubscriptionOut.model_validate(row)


async def rotate_secret(
    session: AsyncSession, cipher: PiiCipher, settings: Settings, subscription_id: uuid.UUID
) -> SubscriptionWithSecret:
    """A new secret, shown this once; the current one keeps signing beside it for
    ``webhook_rotation_grace_hours`` so receivers can switch without losing a delivery.
    Raises :class:`SubscriptionNotFound` (404)."""
    row = await _subscription(session, subscription_id)
    secret = domain.new_secret()
    now = datetime.now(UTC)
    row.previous_secret_encrypted = row.secret_encrypted
    row.previous_secret_until = now + timedelta(hours=settings.webhook_rotation_grace_hours)
    row.secret_encrypted = cipher.encrypt(secret)
    row.updated_at = now
    await session.flush()
    return _with_secret(row, secret)


async def delete(session: AsyncSession, subscription_id: uuid.UUID) -> SubscriptionDeleted:
    """Deletes it with its deliveries and their log. Raises :class:`SubscriptionNotFound`
    (404; also for a repeat)."""
    if not await repository.delete_subscription(session, subscription_id):
        raise SubscriptionNotFound(
            f"No webhook subscription with id {subscription_id}",
            field="subscription_id",
            where="path",
        )
    return SubscriptionDeleted(id=subscription_id)


async def deliveries(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    status: DeliveryStatus | None,
    limit: int,
    after: PageKey | None,
) -> DeliveryPage:
    """Up to ``limit`` of its deliveries, newest first. Raises :class:`SubscriptionNotFound`."""
    await get(session, subscription_id)
    rows = await repository.deliveries_page(session, subscription_id, status, limit + 1, after)
    last = rows[limit - 1] if len(rows) > limit else None
    return DeliveryPage(
        items=[DeliveryOut.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def _delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID, *, lock: bool
) -> WebhookDelivery:
    row = await repository.delivery(session, subscription_id, delivery_id, lock=lock)
    if row is None:
        raise DeliveryNotFound(
            f"Subscription {subscription_id} has no delivery {delivery_id}",
            field="delivery_id",
            where="path",
        )
    return row


async def delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryDetail:
    """The delivery with its attempts. Raises :class:`DeliveryNotFound` (404)."""
    row = await _delivery(session, subscription_id, delivery_id, lock=False)
    log_ = [AttemptOut.model_validate(a) for a in await repository.attempts_of(session, row.id)]
    return DeliveryDetail.model_validate(
        DeliveryOut.model_validate(row).model_dump() | {"attempt_log": log_}
    )


async def replay(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryOut:
    """Sends the delivery again, due now, with a fresh count of attempts and the same
    ``webhook-id``, whatever its status. Raises :class:`DeliveryNotFound` (404),
    :class:`SubscriptionInactive` (409)."""
    subscription = await _subscription(session, subscription_id)
    row = await _delivery(session, subscription_id, delivery_id, lock=True)
    if not subscription.active:
        raise SubscriptionInactive(
            f"Subscription {subscription_id} is inactive; activate it to replay deliveries"
        )
    row.status, row.attempts, row.next_attempt_at = "pending", 0, datetime.now(UTC)
    row.delivered_at = None
    await session.flush()
    return DeliveryOut.model_validate(row)


_ACTIVE: Kept[list[tuple[uuid.UUID, list[str]]]] = Kept()


async def _active(session: AsyncSession) -> list[tuple[uuid.UUID, list[str]]]:
    """The active subscriptions, once per transaction: kept across transactions while
    their token stands (``shared.kept``; a trigger gives it a new one whenever one is made,
    deleted, or its ``active`` or ``event_types`` change), the token read before the
    transaction begins, so a batch of events no subscription names sends that one
    statement and no ``BEGIN`` or ``COMMIT``. Callers never change the list."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_ACTIVE_KEY)
    if cached is None or cached[0] is not transaction:
        version = await token(session, "messaging", KEPT)
        read = await _ACTIVE.read(version, lambda: repository.active_event_types(session))
        cached = (transaction, read)
        session.info[_ACTIVE_KEY] = cached
    active: list[tuple[uuid.UUID, list[str]]] = cached[1]
    return active


async def subscribed(session: AsyncSession, event: CloudEvent) -> bool:
    """Whether an active subscription names the event's type (read once per transaction)."""
    return any(event.type in types for _, types in await _active(session))


async def enqueue(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    """One pending delivery per event and active subscription naming its type, in one
    statement (an event again, after its id was forgotten, changes nothing)."""
    active = await _active(session)
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "subscription_id": sid,
            "event_id": event.id,
            "event_type": event.type,
            "body": event.model_dump_json(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in events
        for sid, types in active
        if event.type in types
    ]
    if rows:
        await repository.insert_deliveries(session, rows)


def fanning_out(
    handlers: Mapping[str, Handler[C]], event_types: Iterable[str]
) -> dict[str, Handler[C]]:
    """``handlers``, each also queuing the event's deliveries, and a handler doing only
    that for each of ``event_types`` they lack, so the service consumes every type a
    subscription can name. A handler in the batch form (``shared.inbox.InRuns``) stays in
    it, as does one only queuing deliveries: a run of events queues them in one statement.
    One only queuing deliveries wants only the events an active subscription names: the
    others are not even claimed in the inbox (a subscription made later gets an event
    redelivered after it, as it gets the events consumed after it)."""

    def also_enqueue(handler: Handler[C] | None) -> Handler[C]:
        if handler is None or isinstance(handler, InRuns):
            inner = handler

            async def handle_run(
                session: AsyncSession, events: Sequence[CloudEvent], ctx: C
            ) -> None:
                if inner is not None:
                    await inner.apply(session, events, ctx)
                await enqueue(session, events)

            return InRuns(handle_run, wants=subscribed if inner is None else None)
        each = handler

        async def handle(session: AsyncSession, event: CloudEvent, ctx: C) -> None:
            await each(session, event, ctx)
            await enqueue(session, [event])

        return handle

    return {t: also_enqueue(handlers.get(t)) for t in sorted({*handlers, *event_types})}


def signing_secrets(claimed: Claimed, cipher: PiiCipher, now: datetime) -> list[str]:
    """The secrets that sign an attempt at ``now``: the current one, and the rotated-out
    one while its grace period lasts."""
    secrets = [cipher.decrypt(claimed.secret_encrypted)]
    until = claimed.previous_secret_until
    if claimed.previous_secret_encrypted is not None and until is not None and now < until:
        secrets.append(cipher.decrypt(claimed.previous_secret_encrypted))
    return secrets


async def record(
    session: AsyncSession, settings: Settings, claimed: Claimed, answer: Answer
) -> None:
    """Logs the attempt and moves the delivery on: ``delivered`` on a 2xx, else retried
    after :func:`domain.retry_delay` until ``webhook_max_attempts`` (then ``failed``).
    A failure also counts against the subscription, disabled after failing without one
    success for ``webhook_disable_after_hours``."""
    error = answer.error or (None if answer.delivered else f"HTTP {answer.status_code}")
    values: dict[str, Any] = {"last_status_code": answer.status_code, "last_error": error}
    if answer.delivered:
        values |= {"status": "delivered", "delivered_at": datetime.now(UTC)}
    elif claimed.attempts >= settings.webhook_max_attempts:
        values |= {"status": "failed"}
    else:
        delay = domain.retry_delay(claimed.attempts, settings.webhook_retry_backoff_seconds)
        values |= {"next_attempt_at": datetime.now(UTC) + delay}
    attempt = {
        "attempted_at": answer.at,
        "status_code": answer.status_code,
        "duration_ms": answer.duration_ms,
        "error": error,
        "response_snippet": answer.snippet,
    }
    await repository.settle(session, claimed, values, attempt)
    if answer.delivered:
        await repository.mark_succeeding(session, claimed.subscription_id)
        return
    hours = settings.webhook_disable_after_hours
    reason = f"no successful delivery for {hours:g} h"
    if await repository.mark_failing(
        session, claimed.subscription_id, timedelta(hours=hours), reason
    ):
        log.warning("webhook subscription %s disabled: %s", claimed.subscription_id, reason)


async def claim(session: AsyncSession, settings: Settings, lease: timedelta) -> list[Claimed]:
    """Up to ``webhook_batch_size`` due deliveries, each leased for ``lease`` (see
    :func:`repository.claim_due`)."""
    return await repository.claim_due(session, settings.webhook_batch_size, lease)


async def purge(session: AsyncSession, settings: Settings, limit: int) -> int:
    """Deletes up to ``limit`` settled deliveries older than ``webhook_retention_days``
    (pending ones stay, however old); how many."""
    return await repository.purge_settled(
        session, timedelta(days=settings.webhook_retention_days), limit
    )
