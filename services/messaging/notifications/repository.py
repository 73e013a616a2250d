"""Queries of the notification table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Select, String, Text, bindparam, case, func, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.types import TypeEngine
from sqlmodel import AutoString, col, select

from services.messaging.notifications.domain import DISPATCH_CHANNEL
from services.messaging.notifications.models import Notification
from shared.db import AsyncSession
from shared.events.messaging import Channel

_ID_PARAM = "notification_id"

_notifications = Notification.__table__  # type: ignore[attr-defined]
_UPDATE_BY_ID = update(_notifications).where(_notifications.c.id == bindparam(_ID_PARAM))


def _element_type(column: Column[Any]) -> TypeEngine[Any]:
    """Strings go as unbounded text: a cast to ``varchar(n)[]`` would cut a value that is
    too long instead of refusing it, as inserting into the column does."""
    return Text() if isinstance(column.type, String | AutoString) else column.type


@lru_cache(maxsize=4)
def _insert_and_wake(columns: tuple[str, ...]) -> Select[uuid.UUID, Any]:
    """Rows in as one array per column, the new rows' ids out, and a wake-up for the
    dispatcher if one of them is queued: one round trip, and one compiled statement for
    any number of rows (a multi-row ``values()`` compiles anew on every call)."""
    table = _notifications
    source = (
        func.unnest(
            *(bindparam(name, type_=ARRAY(_element_type(table.c[name]))) for name in columns)
        )
        .table_valued(*columns)
        .render_derived("source")
    )
    inserted = (
        insert(table)
        .from_select(list(columns), select(*source.c))
        .on_conflict_do_nothing(index_elements=["trigger_event_id", "channel"])
        .returning(table.c.id, table.c.status)
        .cte("inserted")
    )
    wake = case((inserted.c.status == "queued", func.pg_notify(DISPATCH_CHANNEL, "")))
    return select(inserted.c.id, wake)


async def insert_notifications(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> set[uuid.UUID]:
    """Insert rows (all with the same keys), skipping channels already notified for the
    same trigger; returns the new ids.

    A new queued row wakes the dispatcher with ``pg_notify``, delivered at commit, so it
    never wakes before the rows are visible. PostgreSQL delivers identical notifications
    of one transaction once, so a consumer batch wakes it once however many it queues."""
    if not rows:
        return set()
    columns = tuple(rows[0])
    parameters = {name: [row[name] for row in rows] for name in columns}
    result = await session.execute(_insert_and_wake(columns), parameters)
    return set(result.scalars().all())


_BEING_SENT = ("queued", "sending")


async def lease_due(session: AsyncSession, limit: int, until: datetime) -> list[Notification]:
    """Up to ``limit`` rows whose next attempt is due (queued ones, and ones whose lease
    ran out), marked ``sending`` with their lease ending at ``until`` (their new
    ``next_attempt_at``). Rows another dispatcher is claiming at once are skipped."""
    due = (
        select(Notification.id)
        .where(
            col(Notification.status).in_(_BEING_SENT),
            Notification.next_attempt_at <= func.now(),
        )
        .order_by(col(Notification.next_attempt_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leased = (
        update(Notification)
        .where(col(Notification.id).in_(due.scalar_subquery()))
        .values(status="sending", next_attempt_at=until)
        .returning(Notification)
    )
    return list((await session.scalars(select(Notification).from_statement(leased))).all())


async def still_leased(
    session: AsyncSession, ids: Sequence[uuid.UUID], until: datetime
) -> dict[uuid.UUID, str]:
    """The status of each of ``ids`` still under the lease ending at ``until``: ``sending``,
    or ``cancelled`` while it was being sent. Locked until the transaction ends. A row
    missing had its lease run out and may have gone to another dispatcher."""
    query = (
        select(Notification.id, Notification.status)
        .where(
            col(Notification.id).in_(ids),
            col(Notification.status).in_(("sending", "cancelled")),
            Notification.next_attempt_at == until,
        )
        .with_for_update()
    )
    return {row.id: row.status for row in (await session.execute(query)).all()}


async def update_notifications(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Set the given columns of each row, found by its ``id``; every row names the same
    columns. One round trip for them all."""
    if not rows:
        return
    await session.execute(
        _UPDATE_BY_ID,
        [{_ID_PARAM: row["id"], **{k: v for k, v in row.items() if k != "id"}} for row in rows],
    )


def _queued(member_id: uuid.UUID, channel: Channel, *statuses: str) -> Any:
    table = _notifications
    return update(table).where(
        table.c.member_id == member_id, table.c.channel == channel, table.c.status.in_(statuses)
    )


async def cancel_queued(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel, reason: str | None
) -> int:
    """Cancels the member's queued notifications on ``channel`` with ``reason``, and those
    being sent (their outcome decides: one the provider took is recorded as sent, a
    failed attempt is not retried); how many."""
    result = await session.execute(
        _queued(member_id, channel, *_BEING_SENT)
        .values(status="cancelled", error=reason)
        .returning(_notifications.c.id)
    )
    return len(result.all())


async def readdress_queued(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel, *, encrypted: str, masked: str
) -> None:
    """The member's queued notifications on ``channel`` go to this address instead; one
    being sent, on its next attempt if this one fails."""
    await session.execute(
        _queued(member_id, channel, *_BEING_SENT).values(
            recipient_encrypted=encrypted, recipient_masked=masked
        )
    )


async def for_member(
    session: AsyncSession, member_id: uuid.UUID, limit: int, channel: Channel | None
) -> list[Notification]:
    query = select(Notification).where(Notification.member_id == member_id)
    if channel is not None:
        query = query.where(Notification.channel == channel)
    query = query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
        limit
    )
    return list((await session.scalars(query)).all())


async def counts(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    channel: Channel | None,
) -> list[tuple[str, str, int, int]]:
    """(channel, status, count, SMS cost in fen reported by the gateway) per group, of the
    notifications created from ``start`` until before ``end`` on ``channel`` (each
    ``None``: no bound)."""
    cost = func.coalesce(func.sum(col(Notification.provider_response)["cost_fen"].as_integer()), 0)
    query = select(Notification.channel, Notification.status, func.count(), cost)
    if start is not None:
        query = query.where(Notification.created_at >= start)
    if end is not None:
        query = query.where(Notification.created_at < end)
    if channel is not None:
        query = query.where(Notification.channel == channel)
    query = query.group_by(col(Notification.channel), col(Notification.status)).order_by(
        col(Notification.channel), col(Notification.status)
    )
    return [(c, s, int(n), int(f)) for c, s, n, f in (await session.execute(query)).all()]
