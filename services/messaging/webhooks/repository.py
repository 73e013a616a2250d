"""Queries of the webhook tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.messaging.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from shared.db import AsyncSession
from shared.pagination import PageKey

_subscriptions = WebhookSubscription.__table__  # type: ignore[attr-defined]
_deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
_attempts = WebhookAttempt.__table__  # type: ignore[attr-defined]


async def subscription(
    session: AsyncSession, subscription_id: uuid.UUID, *, lock: bool = False
) -> WebhookSubscription | None:
    query = select(WebhookSubscription).where(col(WebhookSubscription.id) == subscription_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def subscriptions_page(
    session: AsyncSession, limit: int, after: PageKey | None
) -> list[WebhookSubscription]:
    """Up to ``limit`` subscriptions in creation order, after ``after``."""
    key = (col(WebhookSubscription.created_at), col(WebhookSubscription.id))
    query = select(WebhookSubscription).order_by(*key).limit(limit)
    if after is not None:
        query = query.where(tuple_(*key) > (after.at, after.id))
    return list((await session.scalars(query)).all())


async def delete_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> bool:
    """Deletes it with its deliveries and their attempts; whether it existed."""
    result = await session.execute(
        delete(_subscriptions)
        .where(_subscriptions.c.id == subscription_id)
        .returning(_subscriptions.c.id)
    )
    return result.first() is not None


async def active_event_types(session: AsyncSession) -> list[tuple[uuid.UUID, list[str]]]:
    """Every active subscription's id and event types."""
    query = select(_subscriptions.c.id, _subscriptions.c.event_types).where(_subscriptions.c.active)
    return [(row[0], list(row[1])) for row in await session.execute(query)]


async def insert_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queues deliveries; one already queued for the same event and subscription stays."""
    await session.execute(
        insert(_deliveries).on_conflict_do_nothing(index_elements=["subscription_id", "event_id"]),
        list(rows),
    )


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds until ``lease_until``, with what it needs to send it."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    body: str
    attempts: int
    """Counting this one."""
    url: str
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_until: datetime | None


async def claim_due(session: AsyncSession, limit: int, lease: timedelta) -> list[Claimed]:
    """Pending deliveries of active subscriptions whose time has come, oldest first: each
    counts an attempt and is leased (its next attempt moved to the lease's end), so other
    workers skip it until then. Commit at once, then send."""
    d, s = _deliveries, _subscriptions
    due = (
        select(d.c.id)
        .join(s, s.c.id == d.c.subscription_id)
        .where(d.c.status == "pending", d.c.next_attempt_at <= func.now(), s.c.active)
        .order_by(d.c.next_attempt_at)
        .limit(limit)
        .with_for_update(of=d, skip_locked=True)
    )
    claim = (
        update(d)
        .where(d.c.id.in_(due.scalar_subquery()), d.c.subscription_id == s.c.id)
        .values(attempts=d.c.attempts + 1, next_attempt_at=func.now() + lease)
        .returning(
            d.c.id,
            d.c.subscription_id,
            d.c.body,
            d.c.attempts,
            s.c.url,
            s.c.secret_encrypted,
            s.c.previous_secret_encrypted,
            s.c.previous_secret_until,
        )
    )
    return [Claimed(*row) for row in await session.execute(claim)]


async def settle(
    session: AsyncSession, claimed: Claimed, values: dict[str, Any], attempt: dict[str, Any]
) -> None:
    """Records an attempt and sets the delivery's ``values``, unless a replay or another
    worker (the lease ran out) moved it on meanwhile: the attempt is logged either way."""
    await session.execute(
        update(_deliveries)
        .where(
            _deliveries.c.id == claimed.id,
            _deliveries.c.attempts == claimed.attempts,
            _deliveries.c.status == "pending",
        )
        .values(**values)
    )
    await session.execute(insert(_attempts).values(delivery_id=claimed.id, **attempt))


async def mark_succeeding(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    s = _subscriptions
    await session.execute(
        update(s)
        .where(s.c.id == subscription_id, s.c.failing_since.is_not(None))
        .values(failing_since=None)
    )


async def mark_failing(
    session: AsyncSession, subscription_id: uuid.UUID, disable_after: timedelta, reason: str
) -> bool:
    """Notes a failed attempt; disables the subscription (with ``reason``) when it has been
    failing since longer than ``disable_after``. Whether this disabled it."""
    s = _subscriptions
    overdue = and_(s.c.active, s.c.failing_since <= func.now() - disable_after)
    result = await session.execute(
        update(s)
        .where(s.c.id == subscription_id)
        .values(
            failing_since=func.coalesce(s.c.failing_since, func.now()),
            active=case((overdue, False), else_=s.c.active),
            disabled_reason=case((overdue, reason), else_=s.c.disabled_reason),
            updated_at=case((overdue, func.now()), else_=s.c.updated_at),
        )
        # RETURNING sees the new row: disabled now, and changed by this transaction
        .returning(and_(s.c.active.is_(False), s.c.updated_at == func.now()))
    )
    return bool(result.scalar())


async def deliveries_page(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    status: str | None,
    limit: int,
    after: PageKey | None,
) -> list[WebhookDelivery]:
    """Up to ``limit`` of the subscription's deliveries, newest first, after ``after``."""
    key = (col(WebhookDelivery.created_at), col(WebhookDelivery.id))
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status is not None:
        query = query.where(col(WebhookDelivery.status) == status)
    if after is not None:
        query = query.where(tuple_(*key) < (after.at, after.id))
    query = query.order_by(key[0].desc(), key[1].desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID, *, lock: bool = False
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(
        col(WebhookDelivery.id) == delivery_id,
        col(WebhookDelivery.subscription_id) == subscription_id,
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def attempts_of(session: AsyncSession, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    query = (
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id) == delivery_id)
        .order_by(col(WebhookAttempt.id))
    )
    return list((await session.scalars(query)).all())


async def purge_settled(session: AsyncSession, older_than: timedelta, limit: int) -> int:
    """Deletes up to ``limit`` delivered or failed deliveries created more than
    ``older_than`` ago, with their attempts; how many."""
    d = _deliveries
    old = (
        select(d.c.id)
        .where(d.c.status.in_(("delivered", "failed")), d.c.created_at < func.now() - older_than)
        .limit(limit)
    )
    result = await session.execute(
        delete(d).where(d.c.id.in_(old.scalar_subquery())).returning(d.c.id)
    )
    return len(result.all())
