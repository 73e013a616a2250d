"""Transactional outbox, the one way events leave a service, and its relay.

Use cases publish with the service's :class:`Emitter` (``await emit(session, payload)``),
which wraps payloads in CloudEvents with the service's source, the payload's subject and
its partition key, and adds them to the outbox. ``Outbox.add(session, event)`` writes the
event in the caller's transaction, so the state
change and the event commit together or not at all. The relay, the only code that
publishes to Kafka, claims committed rows with ``FOR UPDATE SKIP LOCKED`` (so replicas
never publish the same row twice), publishes them with ``acks="all"`` and marks them
published. Published rows are kept for ``outbox_retention_hours`` so they can be
replayed to a broker that lost them; consumers deduplicate, so a replay is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import cached_property

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from shared.background import raise_if_cancelling, repeat_until_cancelled
from shared.db import Sessions, driver_connection, prepared_fetch, transaction
from shared.events import CloudEvent, EventPayload
from shared.kafka import Publisher, Record
from shared.notify import Wakeups
from shared.observability import BROKER_RESETS, OUTBOX_PUBLISHED

log = logging.getLogger(__name__)


def relay_channel(schema: str) -> str:
    """The ``LISTEN`` channel that wakes the relay of ``schema``'s outbox."""
    return f"{schema}_outbox"


def wake_relay_ddl(schema: str) -> list[str]:
    """For a migration: a statement trigger that notifies the relay after rows are queued.

    The database sends the notification when the writer's transaction commits, so a
    writer spends no round trip of its own on waking the relay.
    """
    return [
        f'CREATE FUNCTION "{schema}".wake_outbox_relay() RETURNS trigger LANGUAGE plpgsql '
        f"AS $$ BEGIN PERFORM pg_notify('{relay_channel(schema)}', ''); RETURN NULL; END $$",
        f'CREATE TRIGGER wake_relay AFTER INSERT ON "{schema}".outbox '
        f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".wake_outbox_relay()',
    ]


def stop_waking_relay_ddl(schema: str) -> list[str]:
    return [
        f'DROP TRIGGER wake_relay ON "{schema}".outbox',
        f'DROP FUNCTION "{schema}".wake_outbox_relay()',
    ]


class Outbox:
    """The outbox table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        if metadata.schema is None:
            raise ValueError("the outbox needs a metadata bound to the service's schema")
        self.schema: str = metadata.schema
        self.channel = relay_channel(self.schema)
        self.table = Table(
            "outbox",
            metadata,
            Column("seq", BigInteger, Identity(), primary_key=True),
            Column("event_id", String(64), nullable=False, unique=True),
            Column("event_type", String(128), nullable=False),
            Column("topic", String(128), nullable=False),
            Column("key", String(64), nullable=False),
            Column("envelope", JSONB, nullable=False),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            Column("published_at", DateTime(timezone=True)),
            # where the broker put the row; a broker whose end offset falls below these
            # has lost its log, and the relay republishes (see ``OutboxRelay``)
            Column("partition", Integer),
            Column("offset", BigInteger),
            Index(
                "ix_outbox_unpublished",
                "seq",
                postgresql_where=text("published_at IS NULL"),
            ),
            Index("ix_outbox_published_at", "published_at"),
        )

    async def add(self, session: AsyncSession, *events: CloudEvent) -> None:
        """Queue events for publishing; they leave only if the caller's transaction commits.

        One statement however many events (arrays, unnested in the order given, so ``seq``
        follows it), sent as asyncpg's prepared statement (``shared.db.prepared_fetch``):
        a consumer's batch emits dozens at once, and an ``executemany`` was one execution
        per event for PostgreSQL (1.5 outbox inserts per sale in messaging alone)."""
        if not events:
            return
        rows = [
            (e.id, e.type, e.topic, e.key, orjson.dumps(e.model_dump(mode="json")).decode())
            for e in events
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]
        # no pg_notify here: the outbox's insert trigger wakes the relay (wake_relay_ddl)
        await prepared_fetch(session, self._insert, *columns)

    @cached_property
    def _insert(self) -> str:
        return (
            f"INSERT INTO {self.schema}.outbox (event_id, event_type, topic, key, envelope) "
            "SELECT e, t, p, k, v::jsonb FROM unnest($1::text[], $2::text[], $3::text[], "
            "$4::text[], $5::text[]) WITH ORDINALITY AS u (e, t, p, k, v, n) ORDER BY n"
        )

    async def copy(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        """:meth:`add` for a batch of thousands (an import's chunk): one ``COPY`` instead
        of a multi-row insert, which PostgreSQL applies several times faster. The insert
        trigger wakes the relay for a ``COPY`` too."""
        if not events:
            return
        await (await driver_connection(session)).copy_records_to_table(
            self.table.name,
            schema_name=self.schema,
            columns=["event_id", "event_type", "topic", "key", "envelope"],
            records=[
                (e.id, e.type, e.topic, e.key, orjson.dumps(e.model_dump(mode="json")).decode())
                for e in events
            ],
        )

    async def replay(self, session: AsyncSession, since: datetime | None = None) -> int:
        """Mark rows published since ``since`` (default: all retained) as unpublished.

        The relay then sends them again, in their original order.
        """
        statement = update(self.table).where(self.table.c.published_at.is_not(None))
        if since is not None:
            statement = statement.where(self.table.c.published_at >= since)
        result = await session.execute(
            statement.values(published_at=None, partition=None, offset=None).returning(
                self.table.c.seq
            )
        )
        count = len(result.all())
        await session.execute(select(func.pg_notify(self.channel, "")))
        return count

    async def purge(self, session: AsyncSession, older_than: timedelta) -> int:
        result = await session.execute(
            self.table.delete()
            .where(self.table.c.published_at < func.now() - older_than)
            .returning(self.table.c.seq)
        )
        return len(result.all())

    async def pending(self, session: AsyncSession) -> int:
        count = await session.scalar(
            select(func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
        )
        return int(count or 0)


class Emitter:
    """``await emit(session, *payloads)``: events of one service, queued in its outbox.

    Each service builds one in its ``base.py`` with its CloudEvents ``source``
    (``/huiyuan/<service>``). :meth:`envelope` builds an event without writing it, for a
    batch that adds many at once.
    """

    def __init__(self, outbox: Outbox, source: str) -> None:
        self.outbox = outbox
        self.source = source

    def envelope(self, payload: EventPayload) -> CloudEvent:
        return CloudEvent.of(payload, source=self.source)

    async def __call__(self, session: AsyncSession, *payloads: EventPayload) -> None:
        await self.outbox.add(session, *(self.envelope(payload) for payload in payloads))


class OutboxRelay:
    """Publishes committed outbox rows in order, in batches, as soon as they commit.

    It also notices a broker that lost its log, as the embedded broker does on every
    restart. Every published row records the offset the broker gave it, and the relay
    keeps the highest one per partition. The broker has forgotten events when a send is
    given an offset at or below that highest one, or, while nothing is being sent, when
    the topic is gone or a partition we published to is empty. The relay then recreates
    the topics and publishes every retained row again, in order; consumers deduplicate.

    The idle check only looks for empty partitions, not for an end offset below ours:
    Tansu reports a partition's end as the last record batch's base offset plus one, so
    an end offset below our highest one is normal there.
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        sessions: Sessions,
        publisher: Publisher,
        wakeups: Wakeups,
        batch_size: int,
        retention: timedelta,
        recreate_topics: Callable[[], Awaitable[None]],
        idle_poll_seconds: float = 1.0,
        broker_check_seconds: float = 2.0,
    ) -> None:
        self._outbox = outbox
        self._sessions = sessions
        self._publisher = publisher
        self._wakeups = wakeups
        self._batch_size = batch_size
        self._retention = retention
        self._recreate_topics = recreate_topics
        self._idle_poll_seconds = idle_poll_seconds
        self._broker_check_seconds = broker_check_seconds
        self._highest: dict[tuple[str, int], int] | None = None

    @cached_property
    def _mark(self) -> Executable:
        return _marking(self._outbox.table)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        purge_due = check_due = loop.time()

        async def publish_or_wait() -> None:
            nonlocal purge_due, check_due
            if loop.time() >= check_due:
                check_due = loop.time() + self._broker_check_seconds
                await self._check_broker_safely()
            published = await self.publish_batch()
            if loop.time() >= purge_due:
                await self._purge()
                purge_due = loop.time() + 600
            if published < self._batch_size:
                await self._wakeups.wait(
                    min(self._idle_poll_seconds, max(0.0, check_due - loop.time()))
                )

        await repeat_until_cancelled(publish_or_wait, "outbox relay")

    async def publish_batch(self) -> int:
        """Claim, publish and mark one batch; returns how many rows were published."""
        table = self._outbox.table
        highest = await self._highest_offsets()
        forgotten = False
        async with transaction(self._sessions) as session:
            # a commit notified by now is seen by the claim (its snapshot is taken after):
            # waking for it again would be a round that finds nothing
            self._wakeups.forget()
            claimed = await session.execute(
                select(table.c.seq, table.c.topic, table.c.key, table.c.envelope)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.seq)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = claimed.all()
            if not rows:
                return 0
            placed = await self._publisher.send(
                [
                    Record(topic, key.encode(), orjson.dumps(envelope))
                    for _, topic, key, envelope in rows
                ]
            )
            for metadata in placed:
                where = (metadata.topic, metadata.partition)
                forgotten = forgotten or metadata.offset <= highest.get(where, -1)
                highest[where] = max(highest.get(where, -1), metadata.offset)
            await session.execute(
                self._mark,
                {
                    "seqs": [seq for seq, *_ in rows],
                    "partitions": [md.partition for md in placed],
                    "offsets": [md.offset for md in placed],
                },
            )
        OUTBOX_PUBLISHED.labels(self._outbox.schema).inc(len(rows))
        if forgotten:
            await self._republish("the broker handed out offsets it had given before")
        return len(rows)

    async def check_broker(self) -> bool:
        """Look for partitions we published to that the broker has emptied; republish if so.

        Returns whether the broker had forgotten anything.
        """
        highest = await self._highest_offsets()
        ends = await self._publisher.end_offsets(highest)
        emptied = [where for where in highest if ends.get(where, 0) == 0]
        if emptied:
            topic, partition = emptied[0]
            await self._republish(
                f"{topic}[{partition}] is empty but we published up to offset "
                f"{highest[emptied[0]]} there"
            )
        return bool(emptied)

    async def _check_broker_safely(self) -> None:
        """A check that cannot get an answer must not stop publishing; it tries again later."""
        try:
            await self.check_broker()
        except Exception as exc:
            raise_if_cancelling()
            log.warning("could not compare offsets with the broker: %r", exc)

    async def _republish(self, reason: str) -> None:
        log.warning("the broker lost published events (%s); publishing them again", reason)
        BROKER_RESETS.labels(self._outbox.schema).inc()
        await self._recreate_topics()
        async with transaction(self._sessions) as session:
            count = await self._outbox.replay(session)
        self._highest = {}
        log.warning("queued %d retained outbox rows for publishing again", count)

    async def _highest_offsets(self) -> dict[tuple[str, int], int]:
        if self._highest is None:
            table = self._outbox.table
            async with transaction(self._sessions) as session:
                result = await session.execute(
                    select(table.c.topic, table.c.partition, func.max(table.c.offset))
                    .where(table.c.offset.is_not(None))
                    .group_by(table.c.topic, table.c.partition)
                )
                self._highest = {(t, p): int(o) for t, p, o in result.all()}
        return self._highest

    async def _purge(self) -> None:
        async with transaction(self._sessions) as session:
            purged = await self._outbox.purge(session, self._retention)
        if purged:
            log.info("purged %d published outbox rows", purged)


def _marking(table: Table) -> Executable:
    """Marks a published batch's rows with where the broker put each, in one statement:
    arrays of sequence numbers, partitions and offsets (one execution, not one a row)."""
    marks = select(
        func.unnest(bindparam("seqs", type_=ARRAY(BigInteger))).label("seq"),
        func.unnest(bindparam("partitions", type_=ARRAY(Integer))).label("row_partition"),
        func.unnest(bindparam("offsets", type_=ARRAY(BigInteger))).label("row_offset"),
    ).subquery("marks")
    return (
        update(table)
        .where(table.c.seq == marks.c.seq)
        .values(
            published_at=func.now(),
            partition=marks.c.row_partition,
            offset=marks.c.row_offset,
        )
    )
