"""Dead letters and deferred events: listing them and applying a stored event again.

A consumer stores an event in its schema's ``dead_letters`` in two cases (``shared.consumer``):

- **parked** (``awaiting_until`` null): its handler kept failing; an operator replays it
  with ``huiyuan dlq replay`` (:func:`replay_dead_letter`) once the cause is fixed.
- **deferred** (``awaiting_until`` set): its handler waited for another event
  (:class:`~shared.inbox.AwaitingEvent`) that may sit behind it on the same partition; the
  consumer retries it by itself (:func:`retry_deferred`) and, if it still waits at
  ``awaiting_until``, turns it into a parked dead letter.

Either way the event is claimed in the inbox, so a redelivery skips it. Applying it again
(:func:`_apply_stored`) releases that claim and applies the stored event through the
consumer's own path (:func:`shared.inbox.apply_events`) in the transaction that marks the
row replayed, with the row locked: the event is applied exactly once and marked, or nothing
changes and the row stays as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, null, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from shared.background import raise_if_cancelling
from shared.db import Sessions, is_transient, transaction
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent, Handlers, Inbox, apply_events
from shared.observability import EVENTS_PARKED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    event_id: str | None
    event_type: str | None
    topic: str
    partition: int
    offset: int
    error: str
    attempts: int
    parked_at: datetime
    replayed_at: datetime | None

    @property
    def error_summary(self) -> str:
        """The error's first line (a traceback or a long repr stays in ``error``)."""
        return self.error.strip().splitlines()[0] if self.error.strip() else ""


class ReplayRefused(Exception):
    """The dead letter cannot be replayed: unknown, deferred, already replayed, or not
    decodable."""


class ReplayFailed(Exception):
    """The handler still fails; nothing was applied and the event stays parked."""


def _dead_letter(row: Row[Any]) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        topic=row.topic,
        partition=row.partition,
        offset=row.offset,
        error=row.error,
        attempts=row.attempts,
        parked_at=row.parked_at,
        replayed_at=row.replayed_at,
    )


async def list_dead_letters(session: AsyncSession, inbox: Inbox) -> list[DeadLetter]:
    """Every dead letter of the inbox's schema, replayed ones included, oldest first;
    deferred events are not dead letters (their consumer still retries them)."""
    table = inbox.dead_letters
    rows = await session.execute(
        select(table).where(table.c.awaiting_until.is_(None)).order_by(table.c.id)
    )
    return [_dead_letter(row) for row in rows]


def _replayable(row: Row[Any] | None, dead_letter_id: int, handlers: Handlers) -> CloudEvent:
    if row is None:
        raise ReplayRefused(f"there is no dead letter {dead_letter_id}")
    if row.replayed_at is not None:
        raise ReplayRefused(
            f"dead letter {dead_letter_id} was already replayed at {row.replayed_at.isoformat()}"
        )
    if row.awaiting_until is not None:
        raise ReplayRefused(
            f"{dead_letter_id} is a deferred event, not a dead letter: its consumer retries it "
            f"until {row.awaiting_until.isoformat()}"
        )
    try:
        event = CloudEvent.from_json(row.payload)
    except ValueError as exc:
        raise ReplayRefused(
            f"dead letter {dead_letter_id} is not a decodable event, so no handler can apply "
            f"it: {exc}"
        ) from exc
    if event.type not in handlers:
        raise ReplayRefused(
            f"dead letter {dead_letter_id} is a {event.type!r} event, which this service "
            "has no handler for"
        )
    return event


async def _apply_stored(
    session: AsyncSession, inbox: Inbox, handlers: Handlers, service: str, event: CloudEvent
) -> None:
    """Release the event's inbox claim and apply it; the caller holds its row's lock."""
    await session.execute(delete(inbox.table).where(inbox.table.c.event_id == event.id))
    await apply_events(session, inbox, handlers, service, [event])


async def replay_dead_letter(
    sessions: Sessions, inbox: Inbox, handlers: Handlers, service: str, dead_letter_id: int
) -> DeadLetter:
    """Apply a parked event of ``inbox``'s schema with ``handlers`` and mark it replayed.

    Returns the dead letter as marked.
    Raises :class:`ReplayRefused` if it cannot be replayed, and :class:`ReplayFailed` if
    its handler still fails (the error is recorded on the dead letter and its attempts
    counted, so ``list`` shows the latest failure).
    """
    table = inbox.dead_letters
    try:
        async with transaction(sessions) as session:
            row = (
                await session.execute(
                    select(table).where(table.c.id == dead_letter_id).with_for_update()
                )
            ).first()
            event = _replayable(row, dead_letter_id, handlers)
            await _apply_stored(session, inbox, handlers, service, event)
            replayed = (
                await session.execute(
                    update(table)
                    .where(table.c.id == dead_letter_id)
                    .values(replayed_at=func.now())
                    .returning(*table.c)
                )
            ).one()
    except ReplayRefused:
        raise
    except Exception as exc:
        async with transaction(sessions) as session:
            await session.execute(
                update(table)
                .where(table.c.id == dead_letter_id)
                .values(error=repr(exc)[:4000], attempts=table.c.attempts + 1)
            )
        raise ReplayFailed(f"dead letter {dead_letter_id} still fails: {exc!r}") from exc
    return _dead_letter(replayed)


async def retry_deferred(
    sessions: Sessions, inbox: Inbox, handlers: Handlers, service: str, max_attempts: int
) -> int:
    """Try each deferred event of ``inbox``'s schema once, oldest first; returns how many
    applied.

    Each is tried in its own transaction with its row locked ``SKIP LOCKED``, so replicas
    retrying at once never apply one twice. One that still waits stays deferred until its
    ``awaiting_until``, then becomes a parked dead letter; one whose handler fails otherwise
    counts an attempt and is parked after ``max_attempts``. A database outage stops the
    round (the rows stay as they are for the next one).
    """
    table = inbox.dead_letters
    async with sessions() as session:
        ids = (
            await session.scalars(
                select(table.c.id)
                .where(table.c.awaiting_until.is_not(None), table.c.replayed_at.is_(None))
                .order_by(table.c.id)
            )
        ).all()
    applied = 0
    for dead_letter_id in ids:
        try:
            async with transaction(sessions) as session:
                row = (
                    await session.execute(
                        select(table)
                        .where(
                            table.c.id == dead_letter_id,
                            table.c.awaiting_until.is_not(None),
                            table.c.replayed_at.is_(None),
                        )
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if row is None:  # another replica has it, or has applied it
                    continue
                event = CloudEvent.from_json(row.payload)
                await _apply_stored(session, inbox, handlers, service, event)
                await session.execute(
                    update(table).where(table.c.id == dead_letter_id).values(replayed_at=func.now())
                )
            applied += 1
        except Exception as exc:
            raise_if_cancelling()
            if is_transient(exc):
                raise
            await _still_failing(sessions, inbox, service, dead_letter_id, exc, max_attempts)
    return applied


async def _still_failing(
    sessions: Sessions,
    inbox: Inbox,
    service: str,
    dead_letter_id: int,
    exc: Exception,
    max_attempts: int,
) -> None:
    """Record the failure; park the event once its wait is over or its attempts are spent."""
    table = inbox.dead_letters
    attempts = table.c.attempts + (0 if isinstance(exc, AwaitingEvent) else 1)
    over = or_(table.c.awaiting_until <= func.now(), attempts > max_attempts)
    async with transaction(sessions) as session:
        row = (
            await session.execute(
                update(table)
                .where(
                    table.c.id == dead_letter_id,
                    table.c.awaiting_until.is_not(None),
                    table.c.replayed_at.is_(None),
                )
                .values(
                    error=repr(exc)[:4000],
                    attempts=attempts,
                    awaiting_until=case((over, null()), else_=table.c.awaiting_until),
                )
                .returning(table.c.awaiting_until, table.c.event_id, table.c.topic)
            )
        ).first()
    if row is not None and row.awaiting_until is None:
        EVENTS_PARKED.labels(service).inc()
        log.error(
            "parked deferred event %s from %s as dead letter %d: %s",
            row.event_id,
            row.topic,
            dead_letter_id,
            exc,
        )
