"""Queries of the notification table."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Select,
    String,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.types import TypeEngine
from sqlmodel import AutoString, col, select

from services.messaging.notifications.domain import DISPATCH_CHANNEL, PENDING, Receipted, status
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


_BEING_SENT = (*PENDING, "sending")
"""What a dispatcher may lease: pending rows, and rows whose lease ran out."""
_TAKEN = ("sent", "delivered", "undelivered")
"""A message a provider took: what its receipts and bounces apply to."""


async def lease_due(session: AsyncSession, limit: int, until: datetime) -> list[Notification]:
    """Up to ``limit`` rows whose next attempt is due (queued or deferred ones, and ones
    whose lease ran out), marked ``sending`` with their lease ending at ``until`` (their new
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
    session: AsyncSession,
    member_id: uuid.UUID,
    channel: Channel,
    reason: str | None,
    templates: Collection[str] | None = None,
) -> int:
    """Cancels the member's queued and deferred notifications on ``channel`` (of
    ``templates`` only, if given) with ``reason``, and those being sent (their outcome
    decides: one the provider took is recorded as sent, a failed attempt is not retried);
    how many."""
    queued = _queued(member_id, channel, *_BEING_SENT)
    if templates is not None:
        queued = queued.where(_notifications.c.template.in_(templates))
    result = await session.execute(
        queued.values(status="cancelled", error=reason, reason=reason).returning(
            _notifications.c.id
        )
    )
    return len(result.all())


async def readdress_queued(
    session: AsyncSession, member_id: uuid.UUID, channel: Channel, *, encrypted: str, masked: str
) -> None:
    """The member's queued and deferred notifications on ``channel`` go to this address
    instead; one being sent, on its next attempt if this one fails."""
    await session.execute(
        _queued(member_id, channel, *_BEING_SENT).values(
            recipient_encrypted=encrypted, recipient_masked=masked
        )
    )


@dataclass(frozen=True)
class RecentMarketing:
    """A member's marketing on one channel: how many in the cap's period, and whether the
    same template is within the dedupe window."""

    in_period: int
    duplicate: bool


_COUNTED = ("queued", "deferred", "sending", "sent", "delivered", "undelivered")
"""Marketing that went or is going out: what a cap counts and a duplicate repeats (a sent
SMS stays counted once its receipt makes it delivered or undelivered)."""


async def recent_marketing(
    session: AsyncSession,
    member_id: uuid.UUID,
    template: str,
    *,
    marketing: Sequence[str],
    cap_since: datetime | None,
    dedupe_since: datetime | None,
) -> dict[str, RecentMarketing]:
    """Per channel: the member's ``marketing`` notifications created since ``cap_since``,
    and whether one of ``template`` was created since ``dedupe_since`` (each ``None``: not
    asked). One query over the member's index, however many channels."""
    table = _notifications
    since = [at for at in (cap_since, dedupe_since) if at is not None]
    if not since:
        return {}
    in_period = (
        func.count().filter(table.c.template.in_(marketing), table.c.created_at >= cap_since)
        if cap_since is not None
        else literal(0)
    )
    duplicate = (
        func.bool_or(table.c.template == template).filter(table.c.created_at >= dedupe_since)
        if dedupe_since is not None
        else literal(False)
    )
    query = (
        select(table.c.channel, in_period, duplicate)
        .where(
            table.c.member_id == member_id,
            table.c.created_at >= min(since),
            table.c.status.in_(_COUNTED),
        )
        .group_by(table.c.channel)
    )
    return {
        channel: RecentMarketing(int(count), bool(dup))
        for channel, count, dup in (await session.execute(query)).all()
    }


async def for_member(
    session: AsyncSession,
    member_id: uuid.UUID,
    limit: int,
    channel: Channel | None,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Notification]:
    """``limit`` of the member's notifications (on ``channel``, if given), the newest first
    (ties by id, highest first), those before ``before``'s ``(created_at, id)`` if given."""
    created_at, notification_id = col(Notification.created_at), col(Notification.id)
    query = select(Notification).where(Notification.member_id == member_id)
    if channel is not None:
        query = query.where(Notification.channel == channel)
    if before is not None:
        query = query.where(tuple_(created_at, notification_id) < before)
    query = query.order_by(created_at.desc(), notification_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


_SENT_SMS = (
    select(
        _notifications.c.provider_message_id,
        _notifications.c.id,
        _notifications.c.status,
        _notifications.c.receipt_at,
    )
    .where(
        _notifications.c.provider == bindparam("provider"),
        _notifications.c.provider_message_id == any_(bindparam("message_ids", type_=ARRAY(Text()))),
        _notifications.c.status.in_(_TAKEN),
    )
    .with_for_update()
)

_RECEIPTS = (
    func.unnest(
        bindparam("ids", type_=ARRAY(Uuid())),
        bindparam("statuses", type_=ARRAY(Text())),
        bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
    )
    .table_valued("id", "status", "at")
    .render_derived("receipt")
)
_SET_RECEIPTS = (
    update(_notifications)
    .where(_notifications.c.id == _RECEIPTS.c.id)
    .values(status=_RECEIPTS.c.status, receipt_at=_RECEIPTS.c.at)
)


async def sent_sms(
    session: AsyncSession, provider: str, message_ids: Collection[str]
) -> list[tuple[str, Receipted]]:
    """The SMS ``provider`` took under any of ``message_ids`` (sent, delivered or
    undelivered), locked until the transaction ends: ``(message id, the SMS)`` each. One
    statement, one prepared form for any number of ids."""
    if not message_ids:
        return []
    parameters = {"provider": provider, "message_ids": list(message_ids)}
    return [
        (row[0], Receipted(row[1], status(row[2]), row[3]))
        for row in await session.execute(_SENT_SMS, parameters)
    ]


async def set_receipts(session: AsyncSession, changed: Collection[Receipted]) -> None:
    """Stores each SMS's status and receipt time; one statement for them all."""
    if changed:
        parameters = {
            "ids": [sms.notification_id for sms in changed],
            "statuses": [sms.status for sms in changed],
            "ats": [sms.receipt_at for sms in changed],
        }
        await session.execute(_SET_RECEIPTS, parameters)


async def bounce_email(
    session: AsyncSession,
    notification_id: uuid.UUID,
    message_id: str,
    reason: str | None,
    at: datetime,
) -> Notification | None:
    """The sent email ``notification_id`` with the Message-ID ``message_id``, made
    ``undelivered`` with ``reason`` at ``at`` first unless ``reason`` is ``None`` or it
    already is; ``None`` if no sent email has them."""
    table = _notifications
    found = and_(
        table.c.id == notification_id,
        table.c.channel == "email",
        table.c.provider_message_id == message_id,
        table.c.status.in_(_TAKEN),
    )
    if reason is not None:
        await session.execute(
            update(table)
            .where(found, table.c.status != "undelivered")
            .values(status="undelivered", reason=reason, error=reason, receipt_at=at)
        )
    query = select(Notification).where(found).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def cancel_of_broadcast(session: AsyncSession, broadcast_id: uuid.UUID, reason: str) -> int:
    """Cancels the bulk send's queued, deferred and leased notifications with ``reason``
    (a leased one's outcome decides, as in :func:`cancel_queued`); how many."""
    table = _notifications
    result = await session.execute(
        update(table)
        .where(table.c.broadcast_id == broadcast_id, table.c.status.in_(_BEING_SENT))
        .values(status="cancelled", error=reason, reason=reason)
        .returning(table.c.id)
    )
    return len(result.all())
