"""``huiyuan dlq``: list and replay the events the services parked as dead letters.

A dead letter is named ``<service>:<n>`` (``loyalty:3``), so a replay needs nothing else.
The command connects as each service's own role (``<SERVICE>_DB_PASSWORD``), as the
service itself does, and applies events with that service's handlers.

Parking (``shared.inbox``) claims the event in the inbox, so a redelivery skips it. A
replay releases that claim and applies the stored event through the consumer's own path
(:func:`shared.inbox.apply_events`), in the same transaction that marks the dead letter
replayed: the event is either applied exactly once and marked, or nothing changes and it
stays parked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Row

from huiyuan.config import StackSettings
from huiyuan.consumers import CONSUMING_SERVICES, consumer_of
from huiyuan.embedded.postgres import running_admin_url
from huiyuan.provision import role_password, service_database_url
from huiyuan.stack import LocalStack, Say
from shared.db import AsyncSession, Sessions, create_engine, create_sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers, Inbox, apply_events
from shared.service_app import ServiceSpec


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


@dataclass(frozen=True)
class DeadLetterId:
    service: str
    number: int

    def __str__(self) -> str:
        return f"{self.service}:{self.number}"

    @classmethod
    def parse(cls, text: str) -> DeadLetterId:
        service, _, number = text.partition(":")
        if service not in CONSUMING_SERVICES or not number.isdigit():
            raise ValueError(
                f"{text!r} is not a dead letter id: expected <service>:<number> as "
                f"`huiyuan dlq list` shows it, with service one of {', '.join(CONSUMING_SERVICES)}"
            )
        return cls(service, int(number))


class NoDatabase(Exception):
    """Neither ``DATABASE_URL`` nor an embedded cluster in the data dir."""


@contextmanager
def admin_database(settings: StackSettings, say: Say) -> Iterator[str]:
    """The superuser URL of ``DATABASE_URL`` or of the embedded cluster in the data dir.

    The embedded cluster is shared with a running ``huiyuan up``, and left running after the
    command; if none runs it is started for the command's duration. A data dir without one
    is refused rather than initialised empty.
    """
    if not settings.database_url and not settings.pg_dir.exists():
        raise NoDatabase(
            f"no embedded database in {settings.pg_dir}; set DATABASE_URL or HUIYUAN_DATA_DIR"
        )
    running = None if settings.database_url else running_admin_url(settings.pg_dir)
    if running is not None:  # huiyuan up's server: use it, never stop it
        yield running
        return
    stack = LocalStack(settings, say)
    try:
        yield stack.start_database()
    finally:
        stack.stop()


def _consumer(admin_url: str, service: str) -> tuple[ServiceSpec, Inbox]:
    return consumer_of(service, service_database_url(admin_url, service, role_password(service)))


async def _list(consumer: tuple[ServiceSpec, Inbox]) -> list[DeadLetter]:
    spec, inbox = consumer
    engine = create_engine(spec.settings)
    try:
        async with create_sessions(engine)() as session:
            return await list_dead_letters(session, inbox)
    finally:
        await engine.dispose()


def list_parked(
    admin_url: str, services: Sequence[str] = CONSUMING_SERVICES
) -> list[tuple[DeadLetterId, DeadLetter]]:
    listed: list[tuple[DeadLetterId, DeadLetter]] = []
    for service in services:
        for letter in asyncio.run(_list(_consumer(admin_url, service))):
            listed.append((DeadLetterId(service, letter.id), letter))
    return listed


async def _replay(consumer: tuple[ServiceSpec, Inbox], number: int) -> DeadLetter:
    spec, inbox = consumer
    engine = create_engine(spec.settings)
    try:
        return await replay_dead_letter(
            create_sessions(engine), inbox, spec.bound_handlers, spec.name, number
        )
    finally:
        await engine.dispose()


def replay(admin_url: str, dead_letter: DeadLetterId) -> DeadLetter:
    """Raises :class:`ReplayRefused` or :class:`ReplayFailed` (see :func:`replay_dead_letter`)."""
    return asyncio.run(_replay(_consumer(admin_url, dead_letter.service), dead_letter.number))


def _when(at: datetime) -> str:
    return at.astimezone().isoformat(sep=" ", timespec="seconds")


def format_table(listed: Sequence[tuple[DeadLetterId, DeadLetter]]) -> str:
    if not listed:
        return "No dead letters."
    header = ("ID", "TYPE", "EVENT ID", "FROM", "ATTEMPTS", "PARKED AT", "STATE", "ERROR")
    rows = [
        (
            str(name),
            letter.event_type or "?",
            letter.event_id or "?",
            f"{letter.topic}[{letter.partition}]@{letter.offset}",
            str(letter.attempts),
            _when(letter.parked_at),
            f"replayed {_when(letter.replayed_at)}" if letter.replayed_at else "parked",
            letter.error_summary,
        )
        for name, letter in listed
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    )
