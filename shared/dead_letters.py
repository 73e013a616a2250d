"""Dead letters: list the events a consumer parked, and replay one once its cause is fixed.

Parking (``shared.inbox``) claims the event in the inbox, so a redelivery skips it. A
replay releases that claim and applies the stored event with the service's handlers
through the consumer's own path (:func:`shared.inbox.apply_events`), in the same
transaction that marks the dead letter replayed: the event is either applied exactly
once and marked, or nothing changes and it stays parked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Row

from shared.db import AsyncSession, Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers, Inbox, apply_events


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
    """The dead letter cannot be replayed: unknown, already replayed, or not decodable."""


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
    """Every dead letter of the inbox's schema, replayed ones included, oldest first."""
    table = inbox.dead_letters
    rows = await session.execute(select(table).order_by(table.c.id))
    return [_dead_letter(row) for row in rows]


def _replayable(row: Row[Any] | None, dead_letter_id: int, handlers: Handlers) -> CloudEvent:
    if row is None:
        raise ReplayRefused(f"there is no dead letter {dead_letter_id}")
    if row.replayed_at is not None:
        raise ReplayRefused(
            f"dead letter {dead_letter_id} was already replayed at {row.replayed_at.isoformat()}"
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


async def replay(
    sessions: Sessions, inbox: Inbox, handlers: Handlers, service: str, dead_letter_id: int
) -> DeadLetter:
    """Apply a parked event with ``handlers`` and mark it replayed; returns it as marked.

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
            await session.execute(delete(inbox.table).where(inbox.table.c.event_id == event.id))
            await apply_events(session, inbox, handlers, service, [event])
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
