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
event that has not arrived yet. Such a partition is held and retried with capped backoff for
``defer_after_seconds`` (the missing event usually comes on another topic meanwhile). After
that the partition is not held any longer, since the missing event may sit behind the
waiting one on the same partition (a relay that published new rows before it noticed broker
amnesia and republished the lost ones): its events are applied one at a time, and each one
that still waits is *deferred* (claimed in the inbox and stored in ``dead_letters`` with
``awaiting_until``), so the offsets move past it. The runner retries deferred events about
every ``DEFERRED_RETRY_SECONDS``, oldest first (``shared.dead_letters.retry_deferred``); one
still waiting after ``await_event_seconds`` becomes a dead letter. For
``defer_after_seconds`` after a deferral, a partition that waits again defers at once.

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
from shared.dead_letters import retry_deferred
from shared.events import CloudEvent
from shared.inbox import AwaitingEvent, BatchStart, Handlers, Inbox, apply_events
from shared.kafka import (
    GroupTimings,
    Membership,
    abandon_join,
    commit_as,
    create_consumer,
    membership,
    stop_consumer,
)
from shared.observability import EVENTS_PARKED, HANDLER_FAILURES
from shared.partition_retries import PartitionRetries, Verdict

log = logging.getLogger(__name__)

DEFERRED_RETRY_SECONDS = 1.0


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
        batch_start: BatchStart | None = None,
        bootstrap_servers: str,
        group_id: str | None = None,
        batch_size: int = 500,
        max_attempts: int = 5,
        retry_backoff_seconds: float = 0.2,
        await_event_seconds: float = 900.0,
        defer_after_seconds: float = 10.0,
        timings: GroupTimings = GroupTimings(),
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._inbox = inbox
        self._handlers = handlers
        self._batch_start = batch_start
        self._topics = tuple(topics)
        self._bootstrap = bootstrap_servers
        self._group_id = group_id or service
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._await_event = await_event_seconds
        self._defer_after = defer_after_seconds
        self._timings = timings
        self._kafka: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        while True:
            consumer = create_consumer(self._bootstrap, self._group_id, self._topics, self._timings)
            self._kafka = consumer
            try:
                await consumer.start()
                await self._consume(consumer)
            except Exception:
                raise_if_cancelling()
                log.exception("consumer %s stopped; restarting", self._group_id)
                await asyncio.sleep(1.0)
            finally:
                await stop_consumer(consumer)

    async def abandon_join(self) -> None:
        """Gives up a group join in flight (:func:`shared.kafka.abandon_join`: only for a
        consumer whose group no one joins again)."""
        if self._kafka is not None:
            await abandon_join(self._kafka)

    def membership(self) -> Membership | None:
        """The group membership the running Kafka consumer holds now (None before it was
        made); every rejoin gives a new one. For tests that time a broker restart."""
        return membership(self._kafka) if self._kafka is not None else None

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        retries = PartitionRetries(
            self._max_attempts, self._backoff, self._await_event, self._defer_after
        )
        deferred_due = time.monotonic()
        while True:
            if time.monotonic() >= deferred_due:
                await self.retry_deferred()
                deferred_due = time.monotonic() + DEFERRED_RETRY_SECONDS
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
                done = {tp: records[-1].offset + 1 for tp, records in batch.items()}
            except Exception as exc:
                raise_if_cancelling()
                if is_transient(exc):
                    await self._wait_for_database(consumer, member, batch, exc)
                    continue
                HANDLER_FAILURES.labels(self._service).inc()
                log.exception("a batch of %d partitions failed; retrying each alone", len(batch))
                done = {}
                for tp, records in batch.items():
                    position = await self._retry(tp, records, retries, consumer, member)
                    if position is not None:
                        done[tp] = position
            if done:
                await self._commit(consumer, member, done)

    async def retry_deferred(self) -> None:
        """Try the deferred events once; a failure to do so waits for the next round."""
        try:
            await retry_deferred(
                self._sessions, self._inbox, self._handlers, self._service, self._max_attempts
            )
        except Exception as exc:
            raise_if_cancelling()
            log.warning("deferred events not retried this round: %s", exc)

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
        retries: PartitionRetries,
        consumer: AIOKafkaConsumer,
        member: Membership,
    ) -> int | None:
        """Apply one partition's records; on failure hold only that partition back.

        Other partitions keep flowing meanwhile, which matters when a handler waits for an
        event from another topic (messaging needs the contact before the points message).
        Returns the offset to commit: past the records done with (applied, deferred, or
        parked after the last try), or None if none is.
        """
        try:
            await self.apply(records)
        except Exception as exc:
            raise_if_cancelling()
            transient = is_transient(exc)
            verdict = Verdict.HOLD if transient else retries.failed(tp, records[0].offset, exc)
            if verdict is Verdict.PARK:
                await self.apply_or_park(records)
            elif verdict is Verdict.DEFER:
                return await self._apply_or_defer(tp, records, retries, consumer, member)
            else:
                log.warning("partition %s held back after a failure: %s", tp, exc)
                if membership(consumer) == member:
                    retries.hold(consumer, tp, records[0].offset, transient)
                return None
        retries.clear(tp)
        return int(records[-1].offset) + 1

    async def _apply_or_defer(
        self,
        tp: TopicPartition,
        records: list[ConsumerRecord[Any, Any]],
        retries: PartitionRetries,
        consumer: AIOKafkaConsumer,
        member: Membership,
    ) -> int | None:
        """Apply records one by one, deferring those that wait for another event.

        An event that fails for itself stops the partition there under the usual rules.
        Returns the offset to commit, as :meth:`_retry` does.
        """
        for index, record in enumerate(records):
            item = _decode(record)
            exc = await self._apply_alone(item)
            if isinstance(exc, AwaitingEvent):
                await self._store(item, exc, awaiting=True)
            elif exc is not None:
                if retries.failed(tp, record.offset, exc) is Verdict.PARK:
                    await self._store(item, exc, awaiting=False)
                    continue
                log.warning("partition %s held back after a failure: %s", tp, exc)
                if membership(consumer) == member:
                    retries.hold(consumer, tp, record.offset, transient=False)
                return int(record.offset) if index else None
        return int(records[-1].offset) + 1

    async def apply(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply records in one transaction; a handler's error propagates and nothing commits."""
        async with transaction(self._sessions) as session:
            await self._apply_all(session, [_decode(record) for record in records])

    async def apply_or_park(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply records one by one, parking those that still fail as dead letters."""
        for record in records:
            item = _decode(record)
            exc = await self._apply_alone(item)
            if exc is not None:
                await self._store(item, exc, awaiting=False)

    async def _apply_all(self, session: AsyncSession, decoded: list[_Decoded]) -> None:
        for item in decoded:
            if item.error is not None:
                raise ValueError(item.error)
        events = [item.event for item in decoded if item.event is not None]
        await apply_events(
            session, self._inbox, self._handlers, self._service, events, self._batch_start
        )

    async def _apply_alone(self, item: _Decoded) -> Exception | None:
        """Apply one record in its own transaction; returns the handler's error, if any."""
        try:
            async with transaction(self._sessions) as session:
                await self._apply_all(session, [item])
        except Exception as exc:
            raise_if_cancelling()  # a shutdown is not the event's fault either
            if is_transient(exc):
                raise  # not the event's fault: the runner restarts and reads it again
            return exc
        return None

    async def _store(self, item: _Decoded, exc: Exception, awaiting: bool) -> None:
        """Claim the event and store it as deferred (``awaiting``) or parked.

        An event another member of the group claimed meanwhile (after a rebalance) is not
        deferred: retrying it would release that claim and apply it twice.
        """
        async with transaction(self._sessions) as session:
            if item.event is not None:
                fresh = await self._inbox.claim(session, [item.event])
                if awaiting and not fresh:
                    return
            await self._inbox.park(
                session,
                item.record,
                item.event,
                repr(exc),
                0 if awaiting else self._max_attempts + 1,
                awaiting_seconds=self._await_event if awaiting else None,
            )
        if not awaiting:
            EVENTS_PARKED.labels(self._service).inc()
        (log.warning if awaiting else log.error)(
            "%s event %s from %s[%d]@%d: %s",
            "deferred" if awaiting else "parked",
            item.event.id if item.event else "?",
            item.record.topic,
            item.record.partition,
            item.record.offset,
            exc,
        )
