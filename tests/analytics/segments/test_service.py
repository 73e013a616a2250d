"""Saved segments materialised over a population of its own (a scratch database, so other
tests' members stay out), from real events: who joins, who leaves, what the outbox
publishes, and the P(alive) churn kind against the BG/NBD formula in Python.

| member | purchases (days ago: fen)      | purchases | r (5 bins over 5) |
|--------|--------------------------------|-----------|-------------------|
| A      | 2: 40,000; 12: 30,000          | 2         | 5                 |
| B      | 4: 5,000; 9: 5,000; 30: 5,000  | 3         | 4                 |
| C      | 60: 60,000                     | 1         | 3                 |
| D      | 200: 2,000; 260: 2,000         | 2         | 2                 |
| E      | 400: 50,000                    | 1         | 1                 |
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.base import outbox
from services.analytics.clv import service as clv
from services.analytics.clv.domain import BgNbd
from services.analytics.clv.models import ClvFit, ClvFitMember
from services.analytics.segmentation import service as segmentation
from services.analytics.segments import service
from services.analytics.segments.schemas import SegmentIn
from shared.db import Sessions, create_sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import MemberUpdated
from shared.events.segments import SegmentChanged, SegmentDeleted
from tests.analytics import events
from tests.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
PURCHASES = {
    "A": [(2, 40_000), (12, 30_000)],
    "B": [(4, 5_000), (9, 5_000), (30, 5_000)],
    "C": [(60, 60_000)],
    "D": [(200, 2_000), (260, 2_000)],
    "E": [(400, 50_000)],
}
People = dict[str, uuid.UUID]


def _days_ago(days: int) -> datetime:
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today - timedelta(days=days), time(12), SHANGHAI).astimezone(UTC)


@pytest.fixture
async def population(stack: Stack) -> AsyncIterator[tuple[Sessions, People]]:
    people = {name: uuid.uuid4() for name in PURCHASES}
    handlers = stack.handlers("analytics")
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        sessions = create_sessions(engine)
        for name, sales in PURCHASES.items():
            for days, fen in sales:
                event = events.purchase(people[name], fen, at=_days_ago(days))
                async with transaction(sessions) as session:
                    await handlers[event.type](session, event)
        try:
            yield sessions, people
        finally:
            await engine.dispose()


async def _save(sessions: Sessions, body: dict[str, Any]) -> uuid.UUID:
    async with transaction(sessions) as session:
        segment = await service.create(session, SegmentIn.model_validate(body), datetime.now(UTC))
    return segment.id


async def _refresh(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        assert await service.refresh_next(session, SHANGHAI, datetime.now(UTC)) is not None


async def _published(sessions: Sessions, segment_id: uuid.UUID) -> list[CloudEvent]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(outbox.table.c.envelope)
            .where(outbox.table.c.key == str(segment_id))
            .order_by(outbox.table.c.seq)
        )
    return [CloudEvent.model_validate(row[0]) for row in rows]


async def test_a_member_who_leaves_is_published_as_removed(
    population: tuple[Sessions, People], stack: Stack
) -> None:
    sessions, people = population
    segment_id = await _save(sessions, {"name": "两次以内", "criterion": {"purchases": {"max": 2}}})
    await _refresh(sessions)
    first = [e.payload(SegmentChanged) for e in await _published(sessions, segment_id)]
    assert [(c.sequence, c.removed, c.members, c.name) for c in first] == [(1, [], 4, "两次以内")]
    assert set(first[0].added) == {people[n] for n in ("A", "C", "D", "E")}

    # A buys a third time: no longer in the segment
    bought = events.purchase(people["A"], 1_000, at=_days_ago(1))
    async with transaction(sessions) as session:
        await stack.handlers("analytics")[bought.type](session, bought)
    async with transaction(sessions) as session:
        run = await service.request_refresh(session, segment_id, datetime.now(UTC))
    await _refresh(sessions)
    second = [e.payload(SegmentChanged) for e in await _published(sessions, segment_id)][1:]
    assert [(c.sequence, c.added, c.removed, c.members) for c in second] == [
        (2, [], [people["A"]], 3)
    ]
    async with sessions() as session:
        done = await service.get_run(session, segment_id, run.id)
        page = await service.member_page(session, segment_id, None, 10)
    assert (done.state, done.sequence, done.added, done.removed, done.events) == (
        "done",
        2,
        0,
        1,
        1,
    )
    assert {row.member_id for row in page.items} == {people[n] for n in ("C", "D", "E")}

    # nothing changes: the run still tells its number, with no ids
    async with transaction(sessions) as session:
        await service.request_refresh(session, segment_id, datetime.now(UTC))
    await _refresh(sessions)
    third = (await _published(sessions, segment_id))[-1].payload(SegmentChanged)
    assert (third.sequence, third.added, third.removed, third.members) == (3, [], [], 3)


async def test_a_page_that_ends_the_list_hands_out_no_cursor(
    population: tuple[Sessions, People],
) -> None:
    """Four members at 2 a page: two pages and no third, empty one; at 4, one page."""
    sessions, people = population
    segment_id = await _save(sessions, {"name": "至多两次", "criterion": {"purchases": {"max": 2}}})
    await _refresh(sessions)
    async with sessions() as session:
        first = await service.member_page(session, segment_id, None, 2)
        assert first.next_cursor == str(first.items[-1].member_id)
        second = await service.member_page(session, segment_id, uuid.UUID(first.next_cursor), 2)
        whole = await service.member_page(session, segment_id, None, 4)
    assert [len(first.items), len(second.items), second.next_cursor] == [2, 2, None]
    assert {m.member_id for m in [*first.items, *second.items]} == {
        people[n] for n in ("A", "C", "D", "E")
    }
    assert (len(whole.items), whole.next_cursor) == (4, None)


async def test_rfm_quadrant_and_range_parts_combine(population: tuple[Sessions, People]) -> None:
    sessions, people = population
    recent = await _save(sessions, {"name": "R≥4", "criterion": {"rfm": {"r": [4, 5]}}})
    mixed = await _save(
        sessions,
        {
            "name": "近期且花费",
            "criterion": {
                "rfm": {"r": [3, 4, 5]},
                "net_spend_fen": {"min": 20_000},
                "last_purchase": {"from": _days_ago(100).isoformat()},
            },
        },
    )
    await _refresh(sessions)
    await _refresh(sessions)
    async with sessions() as session:
        assert {
            m.member_id for m in (await service.member_page(session, recent, None, 10)).items
        } == {
            people["A"],
            people["B"],
        }
        assert {
            m.member_id for m in (await service.member_page(session, mixed, None, 10)).items
        } == {
            people["A"],
            people["C"],
        }


async def test_the_schedule_queues_due_segments_once(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    segment_id = await _save(
        sessions,
        {"name": "每小时", "criterion": {"sleeping": {"months": 6}}, "refresh_every_hours": 1},
    )
    await _refresh(sessions)  # the first run, queued when it was saved
    later = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    async with transaction(sessions) as session:
        assert await service.queue_due(session, later) == 1
    async with transaction(sessions) as session:
        assert await service.queue_due(session, later) == 0  # moved on by an hour
        segment = await service.get(session, segment_id)
    assert segment.next_refresh_at > later


async def test_deleting_publishes_deleted_and_forgets_the_members(
    population: tuple[Sessions, People],
) -> None:
    sessions, _ = population
    segment_id = await _save(sessions, {"name": "全部", "criterion": {"purchases": {"min": 1}}})
    await _refresh(sessions)
    async with transaction(sessions) as session:
        await service.remove(session, segment_id, datetime.now(UTC))
    last = (await _published(sessions, segment_id))[-1]
    assert last.payload(SegmentDeleted).segment_id == segment_id
    async with sessions() as session:
        count = await session.scalar(
            sa.text("SELECT count(*) FROM analytics.segment_members WHERE segment_id = :s"),
            {"s": segment_id},
        )
    assert count == 0


async def test_p_alive_kind_flags_exactly_the_members_the_formula_puts_below(
    population: tuple[Sessions, People],
) -> None:
    sessions, people = population
    model = BgNbd(r=0.5, alpha=20.0, a=0.8, b=2.0)
    async with transaction(sessions) as session:
        session.add(
            ClvFit(
                state="done",
                calibration_end=datetime.now(UTC).date() - timedelta(days=1),
                time_unit="day",
                requested_at=datetime.now(UTC),
                finished_at=datetime.now(UTC),
                r=model.r,
                alpha=model.alpha,
                a=model.a,
                b=model.b,
            )
        )
    # x = purchases − 1, t_x = last − first, T = t_x + days since the last (days)
    summary = {"A": (1, 10, 12), "B": (2, 26, 30), "D": (1, 60, 260)}
    alive = {
        name: float(model.p_alive(np.array([x]), np.array([t_x]), np.array([age]))[0])
        for name, (x, t_x, age) in summary.items()
    }
    threshold = 0.5
    expected = {people[n] for n, p in alive.items() if p < threshold}
    assert expected  # the cut separates them
    assert expected != {people[n] for n in summary}
    async with sessions() as session:
        report = await segmentation.churn_report(session, SHANGHAI, "p_alive", threshold)
    assert report.at_risk == len(expected)
    segment_id = await _save(
        sessions,
        {
            "name": "可能流失",
            "criterion": {"churn_risk": {"kind": "p_alive", "parameter": threshold}},
        },
    )
    await _refresh(sessions)
    async with sessions() as session:
        page = await service.member_page(session, segment_id, None, 10)
    assert {m.member_id for m in page.items} == expected


async def test_a_clv_band_holds_the_members_the_fit_values_inside_it(
    population: tuple[Sessions, People],
) -> None:
    sessions, people = population
    band = {"name": "高价值", "criterion": {"clv": {"min": 1, "horizon": 30}}}
    nobody_yet = await _save(sessions, band)
    await _refresh(sessions)
    async with sessions() as session:
        assert (await service.member_page(session, nobody_yet, None, 10)).items == []

    fit = ClvFit(
        state="done",
        calibration_end=datetime.now(UTC).date() - timedelta(days=1),
        time_unit="day",
        requested_at=datetime.now(UTC),
        finished_at=datetime.now(UTC),
        r=0.5,
        alpha=20.0,
        a=0.8,
        b=2.0,
        p=6.0,
        q=4.0,
        gamma=15_000.0,
    )
    # x repeat days, t_x and T in days, the repeat days' mean spend in fen
    summary = {"A": (1, 10, 12, 30_000.0), "B": (2, 26, 30, 5_000.0), "D": (1, 60, 260, 2_000.0)}
    async with transaction(sessions) as session:
        session.add(fit)
        await session.flush()
        for name, (x, t_x, age, spend) in summary.items():
            session.add(
                ClvFitMember(
                    fit_id=fit.id,
                    member_id=people[name],
                    frequency=x,
                    recency_days=t_x,
                    age_days=age,
                    monetary_fen=spend,
                    holdout_purchases=0,
                )
            )
    async with sessions() as session:
        value = {
            name: (await clv.member_value(session, fit.id, people[name], 30, 0.1)).clv_fen
            for name in summary
        }
    low, middle, high = sorted(value.values())
    assert low < middle < high  # the band below separates them
    segment_id = await _save(
        sessions,
        {
            "name": "中间价值",
            "criterion": {"clv": {"min": middle - 1, "max": middle + 1, "horizon": 30}},
        },
    )
    await _refresh(sessions)
    async with sessions() as session:
        page = await service.member_page(session, segment_id, None, 10)
    assert {m.member_id for m in page.items} == {people[n] for n, v in value.items() if v == middle}


async def test_tags_kept_from_customer_select_members_with_any_of_them(
    population: tuple[Sessions, People], stack: Stack
) -> None:
    sessions, people = population
    vip, staff = uuid.uuid4(), uuid.uuid4()
    changes = [
        (people["A"], (vip,), ()),
        (people["B"], (vip, staff), ()),
        (people["C"], (staff,), ()),
        (people["B"], (), (vip,)),  # B loses vip; a redelivery would change nothing
    ]
    handlers = stack.handlers("analytics")
    for member, added, removed in changes:
        updated = MemberUpdated(
            member_id=member,
            changed=("tags",),
            tags_added=added,
            tags_removed=removed,
            updated_at=datetime.now(UTC),
        )
        event = CloudEvent.of(updated, source="/huiyuan/customer")
        for _ in range(2):
            async with transaction(sessions) as session:
                await handlers[event.type](session, event)
    segment_id = await _save(sessions, {"name": "VIP 标签", "criterion": {"tags": [str(vip)]}})
    await _refresh(sessions)
    async with sessions() as session:
        page = await service.member_page(session, segment_id, None, 10)
    assert {m.member_id for m in page.items} == {people["A"]}


async def test_a_run_steps_aside_while_a_request_holds_its_segment(
    population: tuple[Sessions, People],
) -> None:
    sessions, _ = population
    segment_id = await _save(sessions, {"name": "等待", "criterion": {"purchases": {"min": 1}}})
    async with transaction(sessions) as holder:
        await service.request_refresh(holder, segment_id, datetime.now(UTC))  # locks it
        async with transaction(sessions) as session:
            assert await service.refresh_next(session, SHANGHAI, datetime.now(UTC)) is None
    await _refresh(sessions)  # once the request committed, the queued run is done
    async with sessions() as session:
        assert (await service.get(session, segment_id)).sequence == 1
