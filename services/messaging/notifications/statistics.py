"""Queries of the notifications' statistics: counts per channel, status and reason, per
bulk send, and per day of the brand with segments and SMS cost in fen."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, sql
from sqlmodel import col, select

from services.messaging.notifications.models import Notification
from shared.db import AsyncSession
from shared.events.messaging import Channel

_notifications = Notification.__table__  # type: ignore[attr-defined]


def _in_period(
    start: datetime | None, end: datetime | None, channel: Channel | None
) -> list[ColumnElement[bool]]:
    """The conditions of notifications created in [start, end) on ``channel``."""
    table = _notifications
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(table.c.created_at >= start)
    if end is not None:
        conditions.append(table.c.created_at < end)
    if channel is not None:
        conditions.append(table.c.channel == channel)
    return conditions


async def counts(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    channel: Channel | None,
) -> list[tuple[str, str, int, int]]:
    """(channel, status, count, SMS cost in fen) per group, of the notifications created
    from ``start`` until before ``end`` on ``channel`` (each ``None``: no bound). The cost
    is :func:`_cost_fen`'s."""
    cost = func.coalesce(func.sum(_cost_fen()), 0)
    query = select(Notification.channel, Notification.status, func.count(), cost).where(
        *_in_period(start, end, channel)
    )
    query = query.group_by(col(Notification.channel), col(Notification.status)).order_by(
        col(Notification.channel), col(Notification.status)
    )
    return [(c, s, int(n), int(f)) for c, s, n, f in (await session.execute(query)).all()]


async def reason_counts(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    channel: Channel | None,
) -> list[tuple[str, str, str, int]]:
    """(channel, status, reason, count) of the notifications of the period (as
    :func:`counts`) that were suppressed, deferred or cancelled for a reason."""
    reason = col(Notification.reason)
    query = select(Notification.channel, Notification.status, reason, func.count()).where(
        reason.is_not(None), *_in_period(start, end, channel)
    )
    query = query.group_by(col(Notification.channel), col(Notification.status), reason).order_by(
        col(Notification.channel), col(Notification.status), reason
    )
    return [(c, s, r or "", int(n)) for c, s, r, n in (await session.execute(query)).all()]


async def broadcast_counts(
    session: AsyncSession, broadcast_id: uuid.UUID
) -> list[tuple[str, str, str, int, int, int]]:
    """(channel, status, reason or "", count, segments, cost in fen) per group of the
    notifications of a bulk send, over its index."""
    table = _notifications
    reason = func.coalesce(table.c.reason, "")
    query = (
        sql.select(
            table.c.channel,
            table.c.status,
            reason,
            func.count(),
            func.coalesce(func.sum(table.c.segments), 0),
            func.coalesce(func.sum(_cost_fen()), 0),
        )
        .where(table.c.broadcast_id == broadcast_id)
        .group_by(table.c.channel, table.c.status, reason)
        .order_by(table.c.channel, table.c.status, reason)
    )
    return [
        (c, s, r, int(n), int(g), int(f)) for c, s, r, n, g, f in (await session.execute(query))
    ]


def _cost_fen() -> Any:
    """An SMS's cost at its provider's price; for one sent before providers had prices,
    what its gateway reported."""
    table = _notifications
    return func.coalesce(table.c.cost_fen, table.c.provider_response["cost_fen"].as_integer())


DAILY_DIMENSIONS = ("channel", "provider", "template", "broadcast_id", "status")
"""What daily counts are grouped by besides the day; a new one is one more column name."""


async def daily_counts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    timezone: str,
    only: Mapping[str, object],
) -> list[tuple[Any, ...]]:
    """(day in ``timezone``, *:data:`DAILY_DIMENSIONS`, count, segments, cost in fen) per
    group of the notifications created from ``start`` until before ``end`` whose columns
    equal ``only``, in that order; the cost is :func:`_cost_fen`'s."""
    table = _notifications
    day = func.date(func.timezone(timezone, table.c.created_at)).label("day")
    dimensions = [table.c[name] for name in DAILY_DIMENSIONS]
    query = sql.select(
        day,
        *dimensions,
        func.count(),
        func.coalesce(func.sum(table.c.segments), 0),
        func.coalesce(func.sum(_cost_fen()), 0),
    ).where(table.c.created_at >= start, table.c.created_at < end)
    for name, value in only.items():
        query = query.where(table.c[name] == value)
    query = query.group_by(day, *dimensions).order_by(day, *dimensions)
    return [tuple(row) for row in (await session.execute(query)).all()]
