"""Kafka clients configured the one way Huiyuan uses them.

Only the outbox relay publishes (see ``shared.outbox``), through :class:`Publisher`;
everything else writes outbox rows. Idempotent producers are off because the embedded
broker (Tansu) does not support them; effectively-once comes from the outbox and the
consumers' inbox instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.group import LeaveGroupRequest
from aiokafka.structs import OffsetAndMetadata, RecordMetadata

log = logging.getLogger(__name__)


def create_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=1,
        request_timeout_ms=10_000,
    )


@dataclass(frozen=True)
class GroupTimings:
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 500
    rebalance_timeout_ms: int = 500
    # How long a fetch may wait at the broker for new records. The embedded broker answers
    # only when this runs out, not when records arrive, so it bounds every hop's latency.
    fetch_max_wait_ms: int = 50
    # The records a fetch waits for (up to fetch_max_wait_ms) before the broker answers.
    # Apache Kafka answers as soon as this much is there (1: at the first record), so a
    # larger one gathers a consumer's batch at low rates as the embedded broker's wait does
    fetch_min_bytes: int = 1


def create_consumer(
    bootstrap_servers: str, group_id: str, topics: Iterable[str], timings: GroupTimings
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=timings.session_timeout_ms,
        heartbeat_interval_ms=timings.heartbeat_interval_ms,
        rebalance_timeout_ms=timings.rebalance_timeout_ms,
        fetch_max_wait_ms=timings.fetch_max_wait_ms,
        fetch_min_bytes=timings.fetch_min_bytes,
    )


@dataclass(frozen=True)
class Membership:
    """A consumer's place in its group: the generation and member id the broker gave it."""

    generation: int
    member_id: str


# aiokafka keeps the membership in its group coordinator and has no public accessor
def membership(consumer: AIOKafkaConsumer) -> Membership:
    """The membership the consumer holds now; every rejoin gives a new one."""
    coordinator = consumer._coordinator
    return Membership(coordinator.generation, coordinator.member_id)


async def abandon_join(consumer: AIOKafkaConsumer) -> None:
    """Gives up the group join ``consumer`` has in flight (none if it has a generation),
    so that stopping it does not wait out the broker's answer, which comes after the
    group's initial rebalance delay (3 s on the embedded broker, as Kafka's default).

    The member that join would have made expires with its session, and the group's next
    member waits for that: ~11 s instead of ~3 s (``python -m bench.consumer_join``). So
    this is for a consumer whose group no one joins again: the tests' apps, each in a group
    of its own (``tests.stack``); a service stops with :func:`stop_consumer` alone.
    """
    coordinator = consumer._coordinator
    joining = coordinator._coordination_task if coordinator is not None else None
    if coordinator is not None and coordinator.generation < 0 and joining is not None:
        joining.cancel()  # aiokafka's stop then finds the coordination done
        await asyncio.wait([joining])


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stops ``consumer`` after it left its group, so that the group's next member (the
    service restarted) need not wait for this one's session to expire.

    aiokafka's stop leaves only from a generation above 0 (Kafka numbers a group's
    generations from 1); the embedded broker (Tansu) numbers the first one 0, so a group's
    first member never left, and with the default timings the next one took ~11 s to join
    instead of ~3 s. Leaving is best effort, as aiokafka's own: a broker that does not
    answer expires the member after the session timeout anyway.
    """
    coordinator = consumer._coordinator
    if coordinator is not None and coordinator.generation == 0 and coordinator.member_id:
        leave = LeaveGroupRequest(coordinator.group_id, coordinator.member_id)
        with contextlib.suppress(KafkaError, TimeoutError):
            await asyncio.wait_for(coordinator._send_req(leave), 5)
    await consumer.stop()


async def commit_as(
    consumer: AIOKafkaConsumer, member: Membership, offsets: Mapping[TopicPartition, int]
) -> bool:
    """Commit ``offsets`` as ``member``, the membership they were read in; False if it is gone.

    After broker amnesia the heartbeat finds the member unknown and aiokafka drops the
    membership until the rejoin completes; ``consumer.commit`` meanwhile sends a commit
    without one (and retries one across the outage until it can), which a broker that
    knows no such group accepts. The rejoined consumer then started at the old offset and
    skipped whatever was republished below it. Here the membership is checked and the
    request built in one step, without retries: a broker that forgot the member refuses
    it (aiokafka then rejoins), and the group starts again from the earliest offset.
    """
    coordinator = consumer._coordinator
    if not member.member_id or membership(consumer) != member or coordinator.coordinator_id is None:
        return False
    # builds the request from the coordinator's membership before its first await
    await coordinator._do_commit_offsets(
        consumer._subscription.subscription.assignment,
        {tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()},
    )
    return True


async def ensure_topics(bootstrap_servers: str, topics: Iterable[str], partitions: int) -> None:
    """Create the topics that do not exist yet, each with ``partitions`` partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=topic, num_partitions=partitions, replication_factor=1)
            for topic in topics
            if topic not in existing
        ]
        if missing:
            # another service may create one between our list and create
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("created topics", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()


async def broker_reachable(producer: AIOKafkaProducer, timeout: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes


class Publisher:
    """The relay's link to the broker: sends batches and reads end offsets.

    A send that fails or does not finish within ``send_timeout`` throws the producer away
    and builds a new one for the next attempt. aiokafka producers have been seen to hang
    or never recover after the broker restarts (aiokafka issues #517 and #1101); a fresh
    producer always starts from a clean connection and metadata.
    """

    def __init__(self, bootstrap_servers: str, send_timeout: float = 15.0) -> None:
        self._bootstrap = bootstrap_servers
        self._send_timeout = send_timeout
        self._producer: AIOKafkaProducer | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Connect; if the broker is not there, raise and keep nothing half-started."""
        producer = create_producer(self._bootstrap)
        # a consumer outside any group: it only answers end-offset questions
        offsets = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, group_id=None, request_timeout_ms=5_000
        )
        try:
            await producer.start()
            await offsets.start()
        except BaseException:
            for client in (producer, offsets):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), 5)
            raise
        self._producer, self._offsets = producer, offsets

    async def stop(self) -> None:
        for client in (self._producer, self._offsets):
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), 5)
        self._producer = self._offsets = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def send(self, records: Sequence[Record]) -> list[RecordMetadata]:
        """Send records in order and wait for every acknowledgement (``acks=all``)."""
        try:
            return await asyncio.wait_for(self._send(records), self._send_timeout)
        except Exception:
            log.warning("publishing failed; replacing the producer", exc_info=True)
            with contextlib.suppress(Exception):
                await self.restart()
            raise

    async def _send(self, records: Sequence[Record]) -> list[RecordMetadata]:
        if self._producer is None:
            await self.start()
        assert self._producer is not None
        deliveries = [
            await self._producer.send(record.topic, record.value, key=record.key)
            for record in records
        ]
        return list(await asyncio.gather(*deliveries))

    async def end_offsets(
        self, partitions: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        """The broker's next offset for each ``(topic, partition)``."""
        if self._offsets is None:
            await self.start()
        assert self._offsets is not None
        wanted = [TopicPartition(topic, partition) for topic, partition in partitions]
        if not wanted:
            return {}
        # fresh metadata: consumer.topics() fetches it but keeps only the names, and the
        # client's cached metadata misses partitions created since (Tansu creates a topic
        # asked for by a client with 4 partitions, so after a restart it may have more
        # than we created); a partition missing from it would look emptied for ever
        cluster = await asyncio.wait_for(
            self._offsets._client.fetch_all_metadata(), self._send_timeout
        )
        present = [
            tp for tp in wanted if tp.partition in (cluster.partitions_for_topic(tp.topic) or ())
        ]
        ends = await asyncio.wait_for(self._offsets.end_offsets(present), self._send_timeout)
        # a topic, or a partition, the broker no longer knows holds nothing; a broker that
        # forgot a topic may have recreated it with fewer partitions on a client's request
        return {(tp.topic, tp.partition): ends.get(tp, 0) for tp in wanted}

    async def reachable(self, timeout: float = 2.0) -> bool:
        if self._producer is None:
            return False
        return await broker_reachable(self._producer, timeout)
