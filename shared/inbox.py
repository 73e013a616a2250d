"""Idempotent consumption: the inbox and dead-letter tables, handlers and applying events.

A service declares what it consumes in one map, ``HANDLERS`` in its ``consumers.py``: event
type -> handler. A handler takes the session, the envelope and the service's
:class:`HandlerContext` (its settings and PII cipher), nothing from globals, so a test can
call it. A handler in the batch form (:class:`InRuns`) takes each run of consecutive events
of its type in a batch at once, set-based, and is still called with one event like any
other. The service's composition root binds the map to its context (:func:`bind`), and
the topics it subscribes to follow from the map (:func:`subscriptions`).

:func:`apply_events` records each event's id in the inbox in the caller's transaction and
runs the handler of those seen for the first time, so a redelivered event changes nothing.
The Kafka runner that calls it batch by batch is ``shared.consumer``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from itertools import groupby
from typing import Any, Generic, TypeVar

from aiokafka import ConsumerRecord
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.crypto import PiiCipher
from shared.db import Prepared
from shared.events import CloudEvent, topic_for
from shared.observability import EVENTS_APPLIED, EVENTS_DUPLICATE, event_id_var
from shared.settings import BaseServiceSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=BaseServiceSettings)
C = TypeVar("C")


@dataclass(frozen=True)
class HandlerContext(Generic[S]):
    """What a service's handlers may use besides the session and the event."""

    settings: S
    cipher: PiiCipher


Handler = Callable[[AsyncSession, CloudEvent, C], Awaitable[None]]
"""A service's handler: ``async def on_x(session, event, context) -> None``."""

BatchHandler = Callable[[AsyncSession, Sequence[CloudEvent], C], Awaitable[None]]
"""``async def on_xs(session, events, context) -> None``: applies events of one type, in
order, as if one by one."""


Wants = Callable[[AsyncSession, CloudEvent], Awaitable[bool]]
"""Whether a handler has anything to do with an event now, asked before it is claimed."""


@dataclass(frozen=True)
class InRuns(Generic[C]):
    """A handler in the batch form: :func:`apply_events` hands it each run of consecutive
    events of its type at once (one read of what they need, multi-row writes), so a batch's
    events still apply in their order; called with one event, it applies that one.

    With ``wants``, an event it answers ``False`` for is neither claimed in the inbox nor
    handled (for a handler that passes some events on and others over: nothing is written
    for those); one redelivered later is asked again, and handled if wanted then."""

    apply: BatchHandler[C]
    wants: Wants | None = None

    async def __call__(self, session: AsyncSession, event: CloudEvent, context: C) -> None:
        await self.apply(session, [event], context)


BoundHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
Handlers = Mapping[str, BoundHandler]
"""Handlers bound to their context, as the runner calls them."""


@dataclass(frozen=True)
class BoundRuns(Generic[C]):
    """An :class:`InRuns` handler bound to its context: a :data:`BoundHandler`, and
    :meth:`run` for a run of events."""

    handler: InRuns[C]
    context: C

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        await self.handler.apply(session, [event], self.context)

    async def run(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        await self.handler.apply(session, events, self.context)


BatchEnd = Callable[[], Awaitable[None]]
"""Runs once after a batch's last handler, in the batch's transaction (see :data:`BatchStart`)."""

BatchStart = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[BatchEnd | None]]
"""Runs once per batch before its handlers, with the events about to be handled, in order:
where a service takes, in its one lock order, the rows its handlers will lock one event at a
time (a batch is one transaction, so its handlers' locks add up in event order otherwise),
and reads once what its handlers would each read. It may return a :data:`BatchEnd`, run
after the last handler, before the commit: where the service writes what its handlers
gathered (rows of many events, as multi-row statements). A handler's error skips it; the
transaction rolls back as a whole."""


def bind(handlers: Mapping[str, Handler[C]], context: C) -> dict[str, BoundHandler]:
    """``handlers`` with their context filled in."""

    def bound(handler: Handler[C]) -> BoundHandler:
        if isinstance(handler, InRuns):
            return BoundRuns(handler, context)

        async def call(session: AsyncSession, event: CloudEvent) -> None:
            await handler(session, event, context)

        return call

    return {event_type: bound(handler) for event_type, handler in handlers.items()}


def subscriptions(handlers: Iterable[str]) -> tuple[str, ...]:
    """The topics carrying the given event types, sorted."""
    return tuple(sorted({topic_for(event_type) for event_type in handlers}))


class AwaitingEvent(Exception):
    """The handler needs an event that has not been consumed yet (a contact, a purchase).

    Handlers raise a subclass naming what is missing. The runner holds the partition back
    for ``defer_after_seconds``, then defers the event (the missing one may sit behind it
    on the same partition) and retries it on its own for ``await_event_seconds`` before
    it becomes a dead letter; waiting never counts attempts. A deferred event applies after
    the events behind it, so a handler that raises this must not mind that.
    """


class Inbox:
    """The inbox and dead-letter tables of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        self.schema = metadata.schema
        self.table = Table(
            "inbox",
            metadata,
            Column("event_id", String(64), primary_key=True),
            Column("event_type", String(128), nullable=False),
            Column(
                "processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
        )
        self.dead_letters = Table(
            "dead_letters",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(64)),
            Column("event_type", String(128)),
            Column("topic", String(128), nullable=False),
            Column("partition", Integer, nullable=False),
            Column("offset", BigInteger, nullable=False),
            Column("payload", Text, nullable=False),
            Column("error", Text, nullable=False),
            Column("attempts", Integer, nullable=False),
            Column("parked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            Column("replayed_at", DateTime(timezone=True)),
            # set while the event is deferred: it waits for another event, and the consumer
            # retries it until then (see shared.dead_letters); null on a dead letter
            Column("awaiting_until", DateTime(timezone=True)),
            Index(
                "ix_dead_letters_deferred",
                "id",
                postgresql_where=text("awaiting_until IS NOT NULL AND replayed_at IS NULL"),
            ),
        )

    @cached_property
    def _claim(self) -> Prepared:
        # arrays, not a multi-row VALUES: the statement is the same for every batch size, so
        # it is compiled once and sent as asyncpg's prepared statement (every consumer's
        # every batch runs it: at a low rate, once per event)
        rows = select(
            func.unnest(bindparam("ids", type_=ARRAY(Text))).label("event_id"),
            func.unnest(bindparam("types", type_=ARRAY(Text))).label("event_type"),
        )
        return Prepared(
            pg_insert(self.table)
            .from_select(["event_id", "event_type"], rows)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(self.table.c.event_id)
        )

    async def claim(self, session: AsyncSession, events: Iterable[CloudEvent]) -> set[str]:
        """Record the events' ids; returns the ids seen for the first time."""
        ids, types = [], []
        for event in events:
            ids.append(event.id)
            types.append(event.type)
        if not ids:
            return set()
        claimed = await self._claim.fetch(session, ids=ids, types=types)
        return {row["event_id"] for row in claimed}

    async def park(
        self,
        session: AsyncSession,
        record: ConsumerRecord[Any, Any],
        event: CloudEvent | None,
        error: str,
        attempts: int,
        awaiting_seconds: float | None = None,
    ) -> None:
        """Store the record as a dead letter; with ``awaiting_seconds``, as deferred for that
        long (the consumer retries it, see ``shared.dead_letters.retry_deferred``)."""
        awaiting_until = (
            None if awaiting_seconds is None else func.now() + timedelta(seconds=awaiting_seconds)
        )
        await session.execute(
            insert(self.dead_letters).values(
                event_id=event.id if event else None,
                event_type=event.type if event else None,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                payload=bytes(record.value or b"").decode(errors="replace"),
                error=error[:4000],
                attempts=attempts,
                awaiting_until=awaiting_until,
            )
        )


async def apply_events(
    session: AsyncSession,
    inbox: Inbox,
    handlers: Handlers,
    service: str,
    events: Iterable[CloudEvent],
    start: BatchStart | None = None,
) -> None:
    """Claim the events in the inbox and run the handler of each one seen for the first time,
    after ``start`` with those events (and the end it returns, if any, after them).

    Events without a handler are skipped, as are those an :class:`InRuns` handler does not
    want; a :class:`BoundRuns` handler gets each run of consecutive events of its type at
    once. The caller owns the transaction: a handler's error propagates and the claims roll
    back with everything else.
    """
    known = [event for event in events if event.type in handlers]
    known = [event for event in known if await _wanted(session, handlers[event.type], event)]
    fresh = await inbox.claim(session, known)
    EVENTS_DUPLICATE.labels(service).inc(len(known) - len(fresh))
    todo = _first_of_each(known, fresh)
    end = await start(session, todo) if start is not None else None
    for event_type, run in groupby(todo, key=lambda event: event.type):
        handler = handlers[event_type]
        if isinstance(handler, BoundRuns):
            in_run = list(run)
            await handler.run(session, in_run)
            EVENTS_APPLIED.labels(service, event_type).inc(len(in_run))
            continue
        for event in run:
            token = event_id_var.set(event.id)
            try:
                await handler(session, event)
            finally:
                event_id_var.reset(token)
            EVENTS_APPLIED.labels(service, event.type).inc()
    if end is not None:
        await end()


async def _wanted(session: AsyncSession, handler: BoundHandler, event: CloudEvent) -> bool:
    if isinstance(handler, BoundRuns) and handler.handler.wants is not None:
        return await handler.handler.wants(session, event)
    return True


def _first_of_each(events: Iterable[CloudEvent], fresh: set[str]) -> list[CloudEvent]:
    """The events of ``fresh`` ids, in order, each once (a batch may carry one twice)."""
    left = set(fresh)
    firsts: list[CloudEvent] = []
    for event in events:
        if event.id in left:
            left.discard(event.id)
            firsts.append(event)
    return firsts
