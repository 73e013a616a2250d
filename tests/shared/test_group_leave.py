"""A stopped consumer leaves its group, so the service restarted joins at once.

The embedded broker numbers a group's first generation 0, and aiokafka leaves only from a
generation above 0: a group's first member stayed until its session expired, and the next
member (the same service, restarted) waited ~11 s to join instead of ~3 s.
"""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from tests.shared.scratch import Scratch
from tests.shared.test_inbox import Applied, _event, _send, consuming
from tests.stack import Stack, eventually


async def _members(bootstrap_servers: str, group: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        (described,) = await admin.describe_consumer_groups([group])
        return [member[0] for member in described.groups[0][5]]
    finally:
        await admin.close()


async def test_a_consumer_stopped_in_its_first_generation_leaves_its_group(
    stack: Stack, scratch: Scratch, producer: AIOKafkaProducer
) -> None:
    applied = Applied(scratch)
    await applied.create(scratch)
    group = f"g-{uuid.uuid4().hex}"
    async with consuming(stack, scratch, applied, group):
        await _send(producer, scratch, _event(scratch, 1))

        async def applied_in_group() -> bool:
            return await applied.rows(scratch) == [1]

        # an event applied: the consumer has joined and holds its partitions
        await eventually(applied_in_group, timeout=30)
        assert len(await _members(stack.bootstrap_servers, group)) == 1
    assert await _members(stack.bootstrap_servers, group) == []
