"""Transactional outbox and its relay.

``Outbox.add(session, event)`` writes the event in the caller's transaction, so the state
change and the event commit together or not at all. The relay, the only code that
publishes to Kafka, claims committed rows with ``FOR UPDATE SKIP LOCKED`` (so replicas
never publish the same row twice), publishes them with ``acks="all"`` and marks them
published. Published rows are kept for ``outbox_retention_hours`` so they can be
replayed to a broker that lost them; consumers deduplicate, so a replay is safe.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import orjson
from aiokafka import AIOKafkaProducer
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
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.notify import Wakeups
from shared.observability import OUTBOX_PUBLISHED

log = logging.getLogger(__name__)


class Outbox:
    """The outbox table of one service's schema."""

    def __init__(self, metadata: MetaData) -> None:
        if metadata.schema is None:
            raise ValueError("the outbox needs a metadata bound to the service's schema")
        self.schema: str = metadata.schema
        self.channel = f"{self.schema}_outbox"
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
        """Queue events for publishing; they leave only if the caller's transaction commits."""
        if not events:
            return
        rows = [
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": event.topic,
                "key": event.subject,
                "envelope": event.model_dump(mode="json"),
            }
            for event in events
        ]
        await session.execute(insert(self.table), rows)
        await session.execute(select(func.pg_notify(self.channel, "")))

    async def replay(self, session: AsyncSession, since: datetime) -> int:
        """Mark rows published since ``since`` as unpublished; the relay sends them again."""
        result = await session.execute(
            update(self.table)
            .where(self.table.c.published_at >= since)
            .values(published_at=None)
            .returning(self.table.c.seq)
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


class OutboxRelay:
    """Publishes committed outbox rows in order, in batches, as soon as they commit."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        sessions: Sessions,
        producer: AIOKafkaProducer,
        wakeups: Wakeups,
        batch_size: int,
        retention: timedelta,
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self._outbox = outbox
        self._sessions = sessions
        self._producer = producer
        self._wakeups = wakeups
        self._batch_size = batch_size
        self._retention = retention
        self._idle_poll_seconds = idle_poll_seconds

    async def run(self) -> None:
        backoff = 0.1
        purge_due = asyncio.get_running_loop().time()
        while True:
            try:
                published = await self.publish_batch()
                backoff = 0.1
                now = asyncio.get_running_loop().time()
                if now >= purge_due:
                    await self._purge()
                    purge_due = now + 600
                if published < self._batch_size:
                    await self._wakeups.wait(self._idle_poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def publish_batch(self) -> int:
        """Claim, publish and mark one batch; returns how many rows were published."""
        table = self._outbox.table
        async with transaction(self._sessions) as session:
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
            deliveries = [
                await self._producer.send(topic, orjson.dumps(envelope), key=key.encode())
                for _, topic, key, envelope in rows
            ]
            await asyncio.gather(*deliveries)
            await session.execute(
                update(table)
                .where(table.c.seq.in_([seq for seq, *_ in rows]))
                .values(published_at=func.now())
            )
        OUTBOX_PUBLISHED.labels(self._outbox.schema).inc(len(rows))
        return len(rows)

    async def _purge(self) -> None:
        async with transaction(self._sessions) as session:
            purged = await self._outbox.purge(session, self._retention)
        if purged:
            log.info("purged %d published outbox rows", purged)
