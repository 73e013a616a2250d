"""``python -m bench.consumer_join``: what stopping a consumer while it joins its group costs,
the stop itself and the next member's join (``shared.kafka.stop_consumer`` and
``abandon_join``).

On an embedded broker of its own, for each way of stopping (waiting out the join in
flight, as a service does, and abandoning it, as the tests' apps do), :data:`ROUNDS` times: a member
of a group that had members starts, is cancelled 1 s into its join (the broker answers a
join after its 3 s initial rebalance delay), is stopped; then another member of the same
group starts and is timed until it has its partitions. Prints the medians in seconds.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from huiyuan.embedded.broker import EmbeddedBroker
from huiyuan.embedded.ports import free_port
from shared.kafka import (
    GroupTimings,
    abandon_join,
    create_consumer,
    ensure_topics,
    stop_consumer,
)

TOPIC = "bench.join"
ROUNDS = 3


def _member(bootstrap: str, group: str) -> AIOKafkaConsumer:
    return create_consumer(bootstrap, group, [TOPIC], GroupTimings())


async def _joined(bootstrap: str, group: str) -> float:
    """Seconds until a new member of ``group`` has its partitions (aiokafka's start returns
    once it has them); it then leaves."""
    member = _member(bootstrap, group)
    started = time.monotonic()
    await member.start()
    took = time.monotonic() - started
    if not member.assignment():
        raise RuntimeError(f"a member of {group} started with no partitions")
    await stop_consumer(member)
    return took


async def _stopped_while_joining(bootstrap: str, group: str, abandoning: bool) -> float:
    """Seconds a member cancelled 1 s into its join takes to stop."""
    member = _member(bootstrap, group)

    async def run() -> None:
        try:
            await member.start()
            await asyncio.Event().wait()
        finally:
            if abandoning:
                await abandon_join(member)
            await stop_consumer(member)

    task = asyncio.create_task(run())
    await asyncio.sleep(1.0)
    started = time.monotonic()
    task.cancel()
    await asyncio.wait([task])
    return time.monotonic() - started


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        broker = EmbeddedBroker(free_port(), Path(directory) / "broker.log")
        bootstrap = broker.start()
        try:
            await ensure_topics(bootstrap, [TOPIC], 3)
            for abandoning in (False, True):
                stops, joins = [], []
                for n in range(ROUNDS):
                    group = f"join-{abandoning}-{n}"
                    await _joined(bootstrap, group)  # the group has had a member
                    stops.append(await _stopped_while_joining(bootstrap, group, abandoning))
                    joins.append(await _joined(bootstrap, group))
                how = "abandoned" if abandoning else "waited out"
                print(
                    f"join in flight {how}: stop {statistics.median(stops):.2f} s, "
                    f"next member's join {statistics.median(joins):.2f} s "
                    f"(medians of {ROUNDS})"
                )
        finally:
            broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
