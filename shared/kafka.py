"""Kafka clients configured the one way Huiyuan uses them.

Only the outbox relay publishes (see ``shared.outbox``); everything else writes outbox
rows. Idempotent producers are off because the embedded broker (Tansu) does not support
them; effectively-once comes from the outbox and the consumers' inbox instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

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
    )


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
