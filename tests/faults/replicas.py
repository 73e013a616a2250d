"""What each process of a replicated service did in a fault run: proof the replicas shared it.

A replica's consumer applies the events of the partitions the group gave it, and its relay
publishes the outbox rows it claimed; both count in the process's Prometheus counters
(``huiyuan_events_applied_total``, ``huiyuan_outbox_published_total``). A killed process
starts counting from zero again, so the samples are summed over its lives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from shared.db import asyncpg_dsn
from tests.faults.repeats import FaultAt

APPLIED = "huiyuan_events_applied"
PUBLISHED = "huiyuan_outbox_published"


@dataclass
class Work:
    """One process's events applied and outbox rows published, over all its lives."""

    applied: float = 0.0
    published: float = 0.0
    _last_applied: float = 0.0
    _last_published: float = 0.0

    def saw(self, applied: float, published: float) -> None:
        # a counter lower than last time: the process restarted and counts from zero
        self.applied += applied - self._last_applied if applied >= self._last_applied else applied
        self.published += (
            published - self._last_published if published >= self._last_published else published
        )
        self._last_applied, self._last_published = applied, published


async def counters(client: httpx.AsyncClient, url: str) -> tuple[float, float] | None:
    """The process's (events applied, rows published) now; ``None`` while it is down."""
    try:
        response = await client.get(f"{url}/metrics")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    totals = {APPLIED: 0.0, PUBLISHED: 0.0}
    for family in text_string_to_metric_families(response.text):
        if family.name in totals:
            totals[family.name] += sum(
                sample.value for sample in family.samples if sample.name.endswith("_total")
            )
    return totals[APPLIED], totals[PUBLISHED]


class WorkTally:
    """Samples the replicated services' processes; :meth:`render` says who did what."""

    def __init__(self, urls: dict[str, str]) -> None:
        self._urls = urls
        self.work = {name: Work() for name in urls}
        self.published_twice: dict[str, list[str]] = {}
        """Per topic of the replicated services, the ids of events the broker holds twice."""
        self.unexplained_twice: list[str] = []
        """Of those, events no kill of their service's processes explains (:func:`explain`)."""

    async def sample(self, client: httpx.AsyncClient) -> None:
        for name, url in self._urls.items():
            seen = await counters(client, url)
            if seen is not None:
                self.work[name].saw(*seen)

    def idle(self) -> list[str]:
        """Processes that applied no event or published no row in the whole run."""
        return sorted(n for n, w in self.work.items() if not (w.applied and w.published))

    def render(self) -> str:
        work = ", ".join(
            f"{name} {w.applied:.0f}/{w.published:.0f}" for name, w in sorted(self.work.items())
        )
        twice = ", ".join(
            f"{topic} {len(ids)}" for topic, ids in sorted(self.published_twice.items())
        )
        return (
            f"work per process (events applied / outbox rows published): {work}\n"
            f"events on the broker twice: {twice or 'not read'}, "
            f"of them republished after no kill of their relay: {len(self.unexplained_twice)}"
        )


async def published_twice(bootstrap_servers: str, topics: tuple[str, ...]) -> dict[str, list[str]]:
    """Per topic, the events (CloudEvent ids) the broker holds more than once.

    Two live relays never publish a row twice (they claim rows ``SKIP LOCKED``); a relay
    killed after the broker acknowledged a batch but before its commit marked the rows
    published leaves them to be published again, which the consumers' inboxes absorb.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        await consumer.topics()  # loads the metadata partitions_for_topic answers from
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        ids: dict[str, Counter[str]] = {topic: Counter() for topic in topics}
        while await _behind(consumer, ends):
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                ids[tp.topic].update(str(orjson.loads(r.value)["id"]) for r in records)
    finally:
        await consumer.stop()
    return {topic: sorted(i for i, n in seen.items() if n > 1) for topic, seen in ids.items()}


REPUBLISH_WINDOW = 60.0
"""Seconds after a kill within which another relay (or the restarted one) publishes the rows
the killed relay had sent but not marked: they were locked until its connection died, and
the next relay wakes on the next commit's notification or its poll, slower on a busy host."""


async def explain(
    admin_url: str, twice: dict[str, list[str]], faults: Sequence[FaultAt]
) -> list[str]:
    """The events held twice that no kill of their own service's processes explains.

    A row's ``published_at`` is when the relay that published it last claimed it: for a
    row a killed relay had sent, after that kill. Anything else held twice would be two
    live relays publishing one row.
    """
    connection = await asyncpg.connect(asyncpg_dsn(admin_url))
    unexplained: list[str] = []
    try:
        for topic, ids in twice.items():
            schema = topic.split(".")[0]
            kills = [
                f.at
                for f in faults
                if f.kind == f"kill:{schema}" or f.kind.startswith(f"kill:{schema}-")
            ]
            rows = await connection.fetch(
                f"SELECT event_id, extract(epoch FROM published_at)::float8 AS at "
                f"FROM {schema}.outbox WHERE event_id = ANY($1::text[])",
                ids,
            )
            at = {row["event_id"]: row["at"] for row in rows}
            unexplained += [
                f"{topic} {event_id} (published at {at.get(event_id)})"
                for event_id in ids
                if not any(
                    kill <= (at.get(event_id) or 0.0) <= kill + REPUBLISH_WINDOW for kill in kills
                )
            ]
    finally:
        await connection.close()
    return unexplained


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False
