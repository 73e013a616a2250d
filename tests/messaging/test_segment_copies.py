"""Messaging's copy of analytics' saved segments, kept by its handlers (the same
``shared.segment_copies`` loyalty keeps): chunks add and remove, a redelivered chunk
changes nothing, a chunk of an older run is skipped, a deletion forgets the segment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from services.messaging.base import segment_copies
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.segments import SegmentChanged, SegmentDeleted
from shared.inbox import Handlers
from tests.stack import Stack

SOURCE = "/huiyuan/analytics"


@pytest.fixture
def handlers(stack: Stack) -> Handlers:
    return stack.handlers("messaging")


def _changed(
    segment_id: uuid.UUID,
    sequence: int,
    added: list[uuid.UUID],
    removed: list[uuid.UUID],
    members: int,
) -> CloudEvent:
    payload = SegmentChanged(
        segment_id=segment_id,
        name="近期高价值",
        run_id=uuid.uuid4(),
        sequence=sequence,
        chunk_index=0,
        chunk_count=1,
        added=added,
        removed=removed,
        members=members,
        refreshed_at=datetime.now(UTC),
    )
    return CloudEvent.of(payload, source=SOURCE)


async def _feed(sessions: Sessions, handlers: Handlers, *events: CloudEvent) -> None:
    for event in events:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


async def _members(sessions: Sessions, segment_id: uuid.UUID) -> set[uuid.UUID]:
    async with sessions() as session:
        rows = await session.scalars(
            text("SELECT member_id FROM messaging.segment_members WHERE segment_id = :s"),
            {"s": segment_id},
        )
        return set(rows)


async def test_runs_apply_in_order_and_redelivery_changes_nothing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    segment = uuid.uuid4()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = _changed(segment, 1, [a, b], [], 2)
    second = _changed(segment, 2, [c], [a], 2)
    await _feed(messaging_sessions, handlers, first, second)
    assert await _members(messaging_sessions, segment) == {b, c}
    await _feed(messaging_sessions, handlers, second)  # redelivered
    assert await _members(messaging_sessions, segment) == {b, c}
    await _feed(messaging_sessions, handlers, first)  # an older run, replayed
    assert await _members(messaging_sessions, segment) == {b, c}


async def test_a_deleted_segment_is_forgotten(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    segment = uuid.uuid4()
    await _feed(messaging_sessions, handlers, _changed(segment, 1, [uuid.uuid4()], [], 1))
    async with messaging_sessions() as session:
        assert await segment_copies.known(session, segment)
    deleted = SegmentDeleted(segment_id=segment, deleted_at=datetime.now(UTC))
    await _feed(messaging_sessions, handlers, CloudEvent.of(deleted, source=SOURCE))
    async with messaging_sessions() as session:
        assert not await segment_copies.known(session, segment)
    assert await _members(messaging_sessions, segment) == set()
