"""The Kafka consumer runner: batches in, handlers applied effectively once.

For each batch read from Kafka the runner opens one transaction, applies the batch through
the inbox (``shared.inbox.apply_events``: new event ids recorded, their handlers run),
commits, and only then commits the Kafka offsets. A redelivered event finds its id already
in the inbox and changes nothing.

A handler that raises is never swallowed: the batch is rolled back and each partition is
retried on its own; a partition that still fails is paused and retried with exponential
backoff while the others keep flowing. After ``max_attempts`` the runner applies that
partition's events one at a time and parks those that still fail as dead letters, so
one poison event cannot block its partition forever.

A handler that raises :class:`~shared.inbox.AwaitingEvent` is not failing: it needs another
event that has not arrived yet. Such a partition is retried with capped backoff for a much
longer window before anything is parked, because after broker amnesia the missing event
may sit behind a republish of thousands.

A batch belongs to the group membership it was read in. After broker amnesia the consumer
must rejoin (the broker forgot its member), and the new assignment starts where the
broker's group offsets say, which on a broker that forgot everything is the earliest
offset. So a batch read before a rejoin is neither committed nor sought back to after it:
either would carry an offset of the forgotten log onto the new one and skip the events
republished below it. Its events are read again, and the inbox deduplicates them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.background import raise_if_cancelling
from shared.db import Sessions, is_transient, transaction
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent, Handlers, Inbox, apply_events
from shared.kafka import GroupTimings, Membership, commit_as, create_consumer, membership
from shared.observability import EVENTS_PARKED, HANDLER_FAILURES

log = logging.getLogger(__name__)


class _PartitionRetries:
    """Failed partitions are paused and retried with exponential backoff, each on its own."""

    def __init__(
        self,
        max_attempts: int,
        backoff_seconds: float,
        await_event_seconds: float,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._await_event = await_event_seconds
        self._failures: dict[TopicPartition, _Failures] = {}
        self._resume_at: dict[TopicPartition, float] = {}

    def failed(self, tp: TopicPartition, offset: int, exc: Exception) -> bool:
        """Count a failure at ``offset``; True once it should stop being retried.

        A failure of the event itself counts towards ``max_attempts``; waiting for another
        event only gives up once ``await_event_seconds`` have passed since the first try.
        """
        now = time.monotonic()
        previous = self._failures.get(tp)
        if previous is None or previous.offset != offset:
            previous = _Failures(offset, first_at=now)
        counted = previous.counted + (0 if isinstance(exc, AwaitingEvent) else 1)
        failures = _Failures(offset, previous.first_at, previous.tries + 1, counted)
        if counted >= self._max_attempts or now - failures.first_at >= self._await_event:
            self.clear(tp)
            return True
        self._failures[tp] = failures
        return False

    def hold(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, transient: bool
    ) -> None:
        failures = self._failures.get(tp)
        tries = 1 if transient or failures is None else failures.tries
        consumer.seek(tp, offset)
        consumer.pause(tp)
        delay = min(self._max_backoff, self._backoff * 2 ** (tries - 1))
        self._resume_at[tp] = time.monotonic() + delay

    def clear(self, tp: TopicPartition) -> None:
        self._failures.pop(tp, None)

    def resume_due(self, consumer: AIOKafkaConsumer) -> None:
        now = time.monotonic()
        for tp, at in list(self._resume_at.items()):
            if at <= now:
                del self._resume_at[tp]
                if tp in consumer.assignment():  # a rebalance may have moved it away
                    consumer.resume(tp)

    def poll_timeout_ms(self) -> int:
        if not self._resume_at:
            return 1000
        wait = min(self._resume_at.values()) - time.monotonic()
        return max(10, min(1000, int(wait * 1000)))


@dataclass(frozen=True)
class _Failures:
    offset: int
    first_at: float
    tries: int = 0
    counted: int = 0


@dataclass(frozen=True)
class _Decoded:
    record: ConsumerRecord[Any, Any]
    event: CloudEvent | None
    error: str | None


def _decode(record: ConsumerRecord[Any, Any]) -> _Decoded:
    try:
        return _Decoded(record, CloudEvent.from_json(record.value), None)
    except (ValidationError, ValueError, TypeError) as exc:
        return _Decoded(record, None, f"undecodable event: {exc}")


class EventConsumer:
    """Runs one consumer group: Kafka batches in, handlers applied effectively once."""

    def __init__(
        self,
        *,
        service: str,
        sessions: Sessions,
        inbox: Inbox,
        handlers: Handlers,
        topics: Iterable[str],
        bootstrap_servers: str,
        group_id: str | None = None,
        batch_size: int = 500,
        max_attempts: int = 5,
        retry_backoff_seconds: float = 0.2,
        await_event_seconds: float = 900.0,
        timings: GroupTimings = GroupTimings(),
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._inbox = inbox
        self._handlers = handlers
        self._topics = tuple(topics)
        self._bootstrap = bootstrap_servers
        self._group_id = group_id or service
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._await_event = await_event_seconds
        self._timings = timings

    async def run(self) -> None:
        while True:
            consumer = create_consumer(self._bootstrap, self._group_id, self._topics, self._timings)
            try:
                await consumer.start()
                await self._consume(consumer)
            except Exception:
                raise_if_cancelling()
                log.exception("consumer %s stopped; restarting", self._group_id)
                await asyncio.sleep(1.0)
            finally:
                await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        retries = _PartitionRetries(self._max_attempts, self._backoff, self._await_event)
        while True:
            retries.resume_due(consumer)
            batch = await consumer.getmany(
                timeout_ms=retries.poll_timeout_ms(), max_records=self._batch_size
            )
            member = membership(consumer)  # the records belong to the assignment of now
            batch = {tp: records for tp, records in batch.items() if records}
            if not batch:
                continue
            try:
                await self.apply([record for records in batch.values() for record in records])
                done = list(batch)
            except Exception as exc:
                raise_if_cancelling()
                if is_transient(exc):
                    await self._wait_for_database(consumer, member, batch, exc)
                    continue
                HANDLER_FAILURES.labels(self._service).inc()
                log.exception("a batch of %d partitions failed; retrying each alone", len(batch))
                done = [
                    tp
                    for tp, records in batch.items()
                    if await self._retry(tp, records, retries, consumer, member)
                ]
            if done:
                await self._commit(consumer, member, {tp: batch[tp][-1].offset + 1 for tp in done})

    async def _commit(
        self, consumer: AIOKafkaConsumer, member: Membership, offsets: dict[TopicPartition, int]
    ) -> None:
        """Commit as the member that read the batch; a batch of a lost membership is read again."""
        try:
            committed = await commit_as(consumer, member, offsets)
        except KafkaError as exc:
            log.warning("offsets not committed (%s); the group reads them again", exc)
            return
        if not committed:
            log.warning("the group membership changed under a batch; its offsets not committed")

    async def _wait_for_database(
        self,
        consumer: AIOKafkaConsumer,
        member: Membership,
        batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]],
        exc: Exception,
    ) -> None:
        """The database is briefly gone: read the batch again later, counting no attempt.

        An outage is not the event's fault, so it must never push an event towards the
        dead letters.
        """
        log.warning("database unavailable (%s); retrying the batch shortly", exc)
        if membership(consumer) == member:
            for tp, records in batch.items():
                consumer.seek(tp, records[0].offset)
        await asyncio.sleep(self._backoff)

    async def _retry(
        self,
        tp: TopicPartition,
        records: list[ConsumerRecord[Any, Any]],
        retries: _PartitionRetries,
        consumer: AIOKafkaConsumer,
        member: Membership,
    ) -> bool:
        """Apply one partition's records; on failure hold only that partition back.

        Other partitions keep flowing meanwhile, which matters when a handler waits for an
        event from another topic (messaging needs the contact before the points message).
        Returns whether the records are done with (applied, or parked after the last try).
        """
        try:
            await self.apply(records)
        except Exception as exc:
            raise_if_cancelling()
            if not is_transient(exc) and retries.failed(tp, records[0].offset, exc):
                await self.apply_or_park(records)
                return True
            log.warning("partition %s held back after a failure: %s", tp, exc)
            if membership(consumer) == member:
                retries.hold(consumer, tp, records[0].offset, transient=is_transient(exc))
            return False
        retries.clear(tp)
        return True

    async def apply(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply records in one transaction; a handler's error propagates and nothing commits."""
        async with transaction(self._sessions) as session:
            await self._apply_all(session, [_decode(record) for record in records])

    async def apply_or_park(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply records one by one, parking those that still fail as dead letters."""
        for record in records:
            await self._apply_alone(_decode(record))

    async def _apply_all(self, session: AsyncSession, decoded: list[_Decoded]) -> None:
        for item in decoded:
            if item.error is not None:
                raise ValueError(item.error)
        events = [item.event for item in decoded if item.event is not None]
        await apply_events(session, self._inbox, self._handlers, self._service, events)

    async def _apply_alone(self, item: _Decoded) -> None:
        try:
            async with transaction(self._sessions) as session:
                await self._apply_all(session, [item])
        except Exception as exc:
            raise_if_cancelling()  # a shutdown is not the event's fault either
            if is_transient(exc):
                raise  # not the event's fault: the runner restarts and reads it again
            async with transaction(self._sessions) as session:
                if item.event is not None:
                    await self._inbox.claim(session, [item.event])
                await self._inbox.park(
                    session, item.record, item.event, repr(exc), self._max_attempts + 1
                )
            EVENTS_PARKED.labels(self._service).inc()
            log.error(
                "parked event %s from %s[%d]@%d: %s",
                item.event.id if item.event else "?",
                item.record.topic,
                item.record.partition,
                item.record.offset,
                exc,
            )
