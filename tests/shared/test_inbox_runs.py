"""The batch form of a handler (``InRuns``): each run of consecutive events of its type in
a batch is handed over at once, in order, between the events of other types, each event
once; called with one event, it applies that one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from shared.db import AsyncSession, transaction
from shared.events import CloudEvent
from shared.inbox import BoundRuns, InRuns, apply_events, bind
from tests.shared.scratch import Scratch


def _event(scratch: Scratch, n: int, kind: str) -> CloudEvent:
    return CloudEvent(source="/test", type=scratch.event_type(kind), subject="m", data={"n": n})


async def test_runs_of_one_type_are_handed_over_at_once_in_order(scratch: Scratch) -> None:
    calls: list[tuple[str, list[int]]] = []

    async def runs(session: AsyncSession, events: Sequence[CloudEvent], tag: str) -> None:
        calls.append((tag, [event.data["n"] for event in events]))

    async def one(session: AsyncSession, event: CloudEvent, tag: str) -> None:
        calls.append(("one", [event.data["n"]]))

    handlers = bind({scratch.event_type("a"): InRuns(runs), scratch.event_type("b"): one}, "runs")
    assert isinstance(handlers[scratch.event_type("a")], BoundRuns)
    kinds = ["a", "a", "b", "a", "a", "a", "b", "b", "a"]
    batch = [_event(scratch, n, kind) for n, kind in enumerate(kinds)]
    batch.insert(2, batch[0])  # a redelivery inside the batch applies once

    async with transaction(scratch.sessions) as session:
        await apply_events(session, scratch.inbox, handlers, "test", batch)
    async with transaction(scratch.sessions) as session:
        await apply_events(session, scratch.inbox, handlers, "test", batch)  # all seen
    async with transaction(scratch.sessions) as session:
        await handlers[scratch.event_type("a")](session, _event(scratch, 9, "a"))

    assert calls == [
        ("runs", [0, 1]),
        ("one", [2]),
        ("runs", [3, 4, 5]),
        ("one", [6]),
        ("one", [7]),
        ("runs", [8]),
        ("runs", [9]),
    ]


async def test_events_a_handler_does_not_want_are_neither_claimed_nor_handled(
    scratch: Scratch,
) -> None:
    handled: list[int] = []
    wanted = {1}

    async def runs(session: AsyncSession, events: Sequence[CloudEvent], _: None) -> None:
        handled.extend(event.data["n"] for event in events)

    async def wants(session: AsyncSession, event: CloudEvent) -> bool:
        return int(event.data["n"]) in wanted

    handlers = bind({scratch.event_type("a"): InRuns(runs, wants=wants)}, None)
    batch = [_event(scratch, n, "a") for n in range(3)]
    async with transaction(scratch.sessions) as session:
        await apply_events(session, scratch.inbox, handlers, "test", batch)
    wanted.add(2)  # wanted now: a redelivery is handled, and only once
    for _ in range(2):
        async with transaction(scratch.sessions) as session:
            await apply_events(session, scratch.inbox, handlers, "test", batch)

    assert handled == [1, 2]
    async with scratch.sessions() as session:
        claimed = await session.scalars(select(scratch.inbox.table.c.event_id))
        assert set(claimed) == {batch[1].id, batch[2].id}
