"""RFM scores, value quadrants, the 80/20 view, sleeping members and churn warnings over a
population of six members, from real events in a database of their own (the stack's is
shared with other tests, whose members would join the population), against counts made
by hand. Days are Asia/Shanghai's; each purchase is at noon N days before today.

| member | purchases (days ago: net fen)         | R   | F | M       | per purchase | r f m |
|--------|---------------------------------------|-----|---|---------|--------------|-------|
| M1     | 3: 40,000; 10: 30,000; 20: 30,000     | 3   | 3 | 100,000 | 33,333.33    | 5 4 5 |
| M2     | 5, 15, 25, 35: 5,000 each             | 5   | 4 | 20,000  | 5,000        | 4 5 2 |
| M3     | 40: 60,000                            | 40  | 1 | 60,000  | 60,000       | 3 1 4 |
| M4     | 200: 2,000; 230: 2,000                | 200 | 2 | 4,000   | 2,000        | 1 2 1 |
| M5     | 100: 9,000; 110: 1,000                | 100 | 2 | 10,000  | 5,000        | 2 2 1 |
| M6     | 400: 50,000                           | 400 | 1 | 50,000  | 50,000       | 1 1 3 |

Not in the population: M7 (registered, never bought), M8 (one purchase, fully returned)
and M9 (one purchase, voided).

Scores: ``1 + 5 × (rank − 1) // 6`` gives ranks 1..6 the scores 1, 1, 2, 3, 4, 5; tied
members share the rank where their group starts (F: M3 and M6 rank 1, M4 and M5 rank 3).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.segmentation import service
from shared.db import Sessions, create_sessions, transaction
from shared.events import CloudEvent
from tests.analytics import events
from tests.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
PURCHASES = {
    "M1": [(3, 40_000), (10, 30_000), (20, 30_000)],
    "M2": [(5, 5_000), (15, 5_000), (25, 5_000), (35, 5_000)],
    "M3": [(40, 60_000)],
    "M4": [(200, 2_000), (230, 2_000)],
    "M5": [(100, 9_000), (110, 1_000)],
    "M6": [(400, 50_000)],
}
People = dict[str, uuid.UUID]


def _days_ago(days: int) -> datetime:
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today - timedelta(days=days), time(12), SHANGHAI).astimezone(UTC)


def _history(people: People) -> list[CloudEvent]:
    made = [
        events.purchase(people[name], fen, at=_days_ago(days))
        for name, sales in PURCHASES.items()
        for days, fen in sales
    ]
    returned = events.purchase(people["M8"], 7_000, at=_days_ago(8))
    voided = events.purchase(people["M9"], 7_000, at=_days_ago(1))
    return [
        events.registered(people["M7"]),
        *made,
        returned,
        events.returned(returned, 7_000),
        voided,
        events.voided(voided),
    ]


@pytest.fixture(scope="module")
async def population(stack: Stack) -> AsyncIterator[tuple[Sessions, People]]:
    people = {f"M{i}": uuid.uuid4() for i in range(1, 10)}
    handlers = stack.handlers("analytics")
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        sessions = create_sessions(engine)
        for event in _history(people):
            async with transaction(sessions) as session:
                await handlers[event.type](session, event)
        try:
            yield sessions, people
        finally:
            await engine.dispose()


async def test_rfm_cells(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.rfm_report(session, SHANGHAI, 5)
    assert report.members == 6
    cells = [(c.r, c.f, c.m, c.members, c.net_spend_fen) for c in report.cells]
    assert cells == [
        (5, 4, 5, 1, 100_000),
        (4, 5, 2, 1, 20_000),
        (3, 1, 4, 1, 60_000),
        (2, 2, 1, 1, 10_000),
        (1, 2, 1, 1, 4_000),
        (1, 1, 3, 1, 50_000),
    ]
    assert service.rfm_csv(report).startswith("r,f,m,members,net_spend_fen\r\n5,4,5,1,100000\r\n")


async def test_two_scores_split_the_population_in_halves(
    population: tuple[Sessions, People],
) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.rfm_report(session, SHANGHAI, 2)
    # ranks 1..6 score 1 + 2 × (rank − 1) // 6: 1, 1, 1, 2, 2, 2; F's ties (1, 1, 3, 3, 5, 6)
    by_code = {(c.r, c.f, c.m): c.members for c in report.cells}
    assert by_code == {(2, 2, 2): 1, (2, 2, 1): 1, (2, 1, 2): 1, (1, 1, 1): 2, (1, 1, 2): 1}


async def test_quadrants_at_the_medians(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.quadrant_report(session, SHANGHAI, None, None)
    # per purchase: 2,000 5,000 5,000 | 33,333.33 50,000 60,000 → median 19,166.67;
    # purchases: 1 1 2 | 2 3 4 → median 2
    assert report.value_cut_from == report.repeat_cut_from == "median"
    assert report.value_cut_fen == pytest.approx(19_166.6667, abs=0.01)
    assert report.repeat_cut == 2
    rows = {q.quadrant: (q.members, q.net_spend_fen, q.purchases) for q in report.quadrants}
    assert rows == {
        "gold": (1, 100_000, 3),  # M1
        "meteor": (2, 110_000, 2),  # M3, M6
        "brook": (1, 20_000, 4),  # M2
        "burden": (2, 14_000, 4),  # M4, M5
    }
    gold = report.quadrants[0]
    assert (gold.name, gold.member_share, gold.net_spend_share) == ("黄金客户", 0.1667, 0.4098)


async def test_quadrants_at_given_cut_points(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.quadrant_report(session, SHANGHAI, 10_000, 1)
    rows = {q.quadrant: q.members for q in report.quadrants}
    assert rows == {"gold": 1, "meteor": 2, "brook": 3, "burden": 0}
    assert (report.value_cut_from, report.repeat_cut_from) == ("given", "given")


async def test_pareto(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.pareto_report(session, SHANGHAI, 20, 50)
    # the top 20 % of 6 is 2 members (rounded up): M1 and M3, 160,000 of 244,000
    assert (report.members, report.net_spend_fen) == (6, 244_000)
    assert (report.top_members, report.top_net_spend_fen, report.top_share) == (
        2,
        160_000,
        0.6557,
    )
    curve = [(p.members_percent, p.members, p.net_spend_fen, p.share) for p in report.curve]
    assert curve == [(50, 3, 210_000, 0.8607), (100, 6, 244_000, 1.0)]


async def test_sleeping_members(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        six = await service.sleeping_report(session, SHANGHAI, 6)
        twelve = await service.sleeping_report(session, SHANGHAI, 12)
        one = await service.sleeping_report(session, SHANGHAI, 1)
    assert (six.members, six.sleeping, six.share) == (6, 2, 0.3333)  # M4 (200), M6 (400)
    assert twelve.sleeping == 1  # M6
    assert one.sleeping == 4  # and M3 (40), M5 (100)
    assert six.since.tzinfo is not None
    header, row = service.summary_csv(six).splitlines()
    assert header == "months,since,members,sleeping,share,as_of"
    assert row.startswith(f"6,{six.since.isoformat()},6,2,0.3333,")


async def test_churn_warnings(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        default = await service.churn_report(session, SHANGHAI, "overdue", None)
        strict = await service.churn_report(session, SHANGHAI, "overdue", 10)
    # expected gaps: M1 8.5, M2 10, M4 30, M5 10 days; M3 and M6 bought once
    assert (default.value, default.at_risk) == (2.0, 2)  # M4: 200 > 60; M5: 100 > 20
    assert strict.at_risk == 0  # M5: 100 is not more than 10 × 10


async def test_member_pages_and_filters(population: tuple[Sessions, People]) -> None:
    sessions, people = population
    names = {member: name for name, member in people.items()}

    async def listed(**only: object) -> list[str]:
        filters = {
            "bins": 5,
            "value_cut": None,
            "repeat_cut": None,
            "months": 6,
            "churn": "overdue",
            "churn_parameter": None,
            "scores": {},
            "quadrant": None,
            "sleeping": None,
            "churn_risk": None,
        } | only
        async with sessions() as session:
            page = await service.member_page(
                session,
                SHANGHAI,
                service.MemberFilters(**filters),  # type: ignore[arg-type]
                None,
                50,
            )
        return sorted(names[item.member_id] for item in page.items)

    assert await listed() == ["M1", "M2", "M3", "M4", "M5", "M6"]
    assert await listed(quadrant="burden") == ["M4", "M5"]
    assert await listed(quadrant="meteor") == ["M3", "M6"]
    assert await listed(sleeping=True) == ["M4", "M6"]
    assert await listed(churn_risk=True) == ["M4", "M5"]
    assert await listed(churn_risk=False, sleeping=False) == ["M1", "M2", "M3"]
    assert await listed(scores={"r": 1}) == ["M4", "M6"]
    assert await listed(scores={"r": 5, "f": 4, "m": 5}) == ["M1"]


async def test_member_rows_and_pages(population: tuple[Sessions, People]) -> None:
    sessions, people = population
    filters = service.MemberFilters(
        bins=5,
        value_cut=None,
        repeat_cut=None,
        months=6,
        churn="overdue",
        churn_parameter=None,
        scores={},
        quadrant=None,
        sleeping=None,
        churn_risk=None,
    )
    everyone = sorted(people[f"M{i}"] for i in range(1, 7))
    async with sessions() as session:
        for limit, pages in ((4, [4, 2]), (3, [3, 3]), (6, [6])):  # six members
            seen: list[list[uuid.UUID]] = []
            cursor = None
            while not seen or cursor is not None:
                page = await service.member_page(session, SHANGHAI, filters, cursor, limit)
                seen.append([item.member_id for item in page.items])
                cursor = None if page.next_cursor is None else uuid.UUID(page.next_cursor)
            assert [len(items) for items in seen] == pages, limit  # no empty last page
            assert [member for items in seen for member in items] == everyone
        first = await service.member_page(session, SHANGHAI, filters, None, 200)
    m1 = next(item for item in first.items if item.member_id == people["M1"])
    assert (m1.recency_days, m1.frequency, m1.monetary_fen, m1.rfm, m1.quadrant) == (
        3,
        3,
        100_000,
        "545",
        "gold",
    )
    assert (m1.sleeping, m1.churn_risk) == (False, False)
    text = service.member_csv(first)
    assert f"{people['M1']},3,3,100000,5,4,5,545,gold,false,false\r\n" in text


async def test_an_empty_population_has_empty_reports(stack: Stack) -> None:
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        try:
            async with create_sessions(engine)() as session:
                rfm = await service.rfm_report(session, SHANGHAI, 5)
                quadrants = await service.quadrant_report(session, SHANGHAI, None, None)
                pareto = await service.pareto_report(session, SHANGHAI, 20, 10)
                asleep = await service.sleeping_report(session, SHANGHAI, 6)
        finally:
            await engine.dispose()
    assert (rfm.members, rfm.cells) == (0, [])
    assert [q.members for q in quadrants.quadrants] == [0, 0, 0, 0]
    assert (pareto.top_members, pareto.top_share) == (0, 0.0)
    assert (asleep.members, asleep.share) == (0, 0.0)
