"""The reports' figures over a small purchase set, from real events in a database of its
own (the stack's is shared with other tests), against counts made by hand. Days are
Asia/Shanghai's; each purchase is at noon of its day.

| member | registered | purchases (day: fen)                                    |
|--------|------------|---------------------------------------------------------|
| A      | 2026-09-01 | 09-10: 10,000; 10-05: 20,000; 11-20: 5,000               |
| B      | 2026-09-20 | 09-25: 30,000; 11-02: 10,000 less a 4,000 refund        |
| C      | 2026-10-01 | 10-15: 8,000                                            |
| D      | —          | 10-20: 9,000, voided (no sale)                          |
| E      | —          | 11-11: 7,000, fully returned (no counted purchase)      |
| F      | 2026-11-15 | none                                                    |

Net revenue per month: September 40,000 (2 purchases, 2 buyers); October 28,000 (2, 2);
November 5,000 + 6,000 + 0 = 11,000 (2, 2: E's purchase is fully returned).
Population (a counted purchase): A (3 purchases, 35,000), B (2, 36,000), C (1, 8,000).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.clv import service as clv_service
from services.analytics.clv.errors import FitNotFound, FitNotReady
from services.analytics.clv.models import ClvFit, ClvFitMember
from services.analytics.referrals.errors import ReportRangeInvalid
from services.analytics.reports import charts, render, service
from shared.db import Sessions, create_sessions, transaction
from shared.events import CloudEvent
from tests.analytics import events
from tests.analytics.reports.vegalite import png_size, vega_lite_schema
from tests.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
People = dict[str, uuid.UUID]


def _noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), SHANGHAI).astimezone(UTC)


def _history(p: People) -> list[CloudEvent]:
    refunded = events.purchase(p["B"], 10_000, at=_noon("2026-11-02"))
    voided = events.purchase(p["D"], 9_000, at=_noon("2026-10-20"))
    returned = events.purchase(p["E"], 7_000, at=_noon("2026-11-11"))
    return [
        events.registered(p["A"], at=_noon("2026-09-01")),
        events.registered(p["B"], at=_noon("2026-09-20")),
        events.registered(p["C"], at=_noon("2026-10-01")),
        events.registered(p["F"], at=_noon("2026-11-15")),
        events.purchase(p["A"], 10_000, at=_noon("2026-09-10")),
        events.purchase(p["A"], 20_000, at=_noon("2026-10-05")),
        events.purchase(p["A"], 5_000, at=_noon("2026-11-20")),
        events.purchase(p["B"], 30_000, at=_noon("2026-09-25")),
        refunded,
        events.returned(refunded, 4_000),
        events.purchase(p["C"], 8_000, at=_noon("2026-10-15")),
        voided,
        events.voided(voided),
        returned,
        events.returned(returned, 7_000),
    ]


@pytest.fixture(scope="module")
async def population(stack: Stack) -> AsyncIterator[tuple[Sessions, People]]:
    people = {name: uuid.uuid4() for name in "ABCDEF"}
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


async def test_revenue_per_month(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.revenue(
            session, SHANGHAI, date(2026, 9, 14), date(2026, 11, 3), "month"
        )
    # rounded out to whole months
    assert (report.first_day, report.last_day) == (date(2026, 9, 1), date(2026, 11, 30))
    rows = [(p.period_start, p.purchases, p.buyers, p.net_revenue_fen) for p in report.periods]
    assert rows == [
        (date(2026, 9, 1), 2, 2, 40_000),
        (date(2026, 10, 1), 2, 2, 28_000),
        (date(2026, 11, 1), 2, 2, 11_000),
    ]
    assert (report.net_revenue_fen, report.purchases) == (79_000, 6)
    assert service.rows_csv(report.periods, type(report.periods[0])) == (
        "period_start,purchases,buyers,net_revenue_fen\r\n"
        "2026-09-01,2,2,40000\r\n2026-10-01,2,2,28000\r\n2026-11-01,2,2,11000\r\n"
    )


async def test_revenue_per_week_has_every_week_from_monday(
    population: tuple[Sessions, People],
) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.revenue(
            session, SHANGHAI, date(2026, 10, 1), date(2026, 10, 21), "week"
        )
    # 2026-10-01 is a Thursday: its week starts on Monday 09-28
    starts = [p.period_start for p in report.periods]
    assert starts == [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
    assert [p.net_revenue_fen for p in report.periods] == [0, 20_000, 8_000, 0]
    assert report.last_day == date(2026, 10, 25)


async def test_members_per_month(population: tuple[Sessions, People]) -> None:
    sessions, _ = population
    async with sessions() as session:
        report = await service.members(
            session, SHANGHAI, date(2026, 10, 1), date(2026, 11, 30), "month"
        )
    rows = [(p.period_start, p.new_members, p.members, p.buyers) for p in report.periods]
    # A and B registered before October count in its total
    assert rows == [(date(2026, 10, 1), 1, 3, 2), (date(2026, 11, 1), 1, 4, 2)]


async def test_a_window_ending_before_it_starts_or_too_long_is_refused(
    population: tuple[Sessions, People],
) -> None:
    sessions, _ = population
    async with sessions() as session:
        with pytest.raises(ReportRangeInvalid) as backwards:
            await service.revenue(session, SHANGHAI, date(2026, 11, 2), date(2026, 11, 1), "day")
        with pytest.raises(ReportRangeInvalid) as long:
            await service.members(session, SHANGHAI, date(2024, 1, 1), date(2026, 11, 1), "day")
    assert (backwards.value.field, backwards.value.where) == ("to", "query")
    assert long.value.field == "from"


async def test_cohort_retention(population: tuple[Sessions, People]) -> None:
    """September's cohort is A and B: A bought in October, both in November (B's refund is
    partial). October's is C alone, who never came back. November has no new buyer (E's
    purchase was returned in full), so no row."""
    sessions, _ = population
    async with sessions() as session:
        report = await service.retention(session, SHANGHAI, date(2026, 9, 10), 3)
    assert (report.first_month, report.last_month) == (date(2026, 9, 1), date(2026, 11, 1))
    cells = {(c.cohort, c.months_since): c for c in report.cells}
    september, october = date(2026, 9, 1), date(2026, 10, 1)
    found = {
        key: (c.cohort_members, c.active, c.retention) for key, c in cells.items() if key[1] <= 2
    }
    assert found == {
        (september, 0): (2, 2, 1.0),
        (september, 1): (2, 1, 0.5),
        (september, 2): (2, 2, 1.0),
        (october, 0): (1, 1, 1.0),
        (october, 1): (1, 0, 0.0),
        (october, 2): (1, 0, 0.0),
    }
    assert {cohort for cohort, _ in cells} == {september, october}
    # no month that has not begun: the last offset is this month's
    this_month = datetime.now(SHANGHAI).date().replace(day=1)
    months = (this_month.year - 2026) * 12 + this_month.month - 9
    assert max(since for cohort, since in cells if cohort == september) == months


async def test_rfm_heatmap_sums_the_monetary_score(population: tuple[Sessions, People]) -> None:
    """Two scores, three members: ranks 1, 2, 3 score 1, 1, 2. R: C (oldest), B, A; F: C
    (1 purchase), B (2), A (3). So A is (2, 2); B and C are (1, 1)."""
    sessions, _ = population
    async with sessions() as session:
        report = await service.rfm(session, SHANGHAI, 2)
    cells = [(c.r, c.f, c.members, c.net_spend_fen) for c in report.cells]
    assert cells == [(2, 2, 1, 35_000), (2, 1, 0, 0), (1, 2, 0, 0), (1, 1, 2, 44_000)]
    assert report.members == 3


async def test_pareto_and_quadrants(population: tuple[Sessions, People]) -> None:
    """Net spend B 36,000, A 35,000, C 8,000 (79,000): the top 50 % (2 members) bring
    71,000. Value per purchase A 11,666.67, B 18,000, C 8,000 (median A's); purchases
    3, 2, 1 (median 2). High is strictly above: at the medians, A's value is the cut
    itself, so not high; B meteor, A brook, C burden. A cut of 12,000 and 2 gives the same."""
    sessions, people = population
    async with sessions() as session:
        pareto = await service.pareto(session, SHANGHAI, 50, 50)
        medians = await service.quadrants(session, SHANGHAI, None, None, 10)
        scatter = await service.quadrants(session, SHANGHAI, 12_000, 2, 10)
        sample = await service.quadrants(session, SHANGHAI, 12_000, 2, 2)
    assert [(p.members_percent, p.members, p.share) for p in pareto.curve] == [
        (50, 2, round(71_000 / 79_000, 4)),
        (100, 3, 1.0),
    ]
    assert medians.value_cut_fen == pytest.approx(35_000 / 3)
    assert medians.repeat_cut == 2
    at_medians = {p.member_id: p.quadrant for p in medians.points}
    assert at_medians == {people["A"]: "brook", people["B"]: "meteor", people["C"]: "burden"}
    by_member = {p.member_id: (p.quadrant, p.purchases, p.net_spend_fen) for p in scatter.points}
    assert by_member == {
        people["A"]: ("brook", 3, 35_000),
        people["B"]: ("meteor", 2, 36_000),
        people["C"]: ("burden", 1, 8_000),
    }
    # a sample is a fixed subset
    assert len(sample.points) == 2
    assert sample.members == 3
    assert {p.member_id for p in sample.points} < set(by_member)


async def test_campaign_lift(population: tuple[Sessions, People]) -> None:
    """October (31 days): its buyers are A and C (D's sale was voided). Before (08-31 to
    09-30): A's 10,000; during: 28,000 (+180 %); after (11-01 to 12-01): A's 5,000 (−50 %)."""
    sessions, _ = population
    async with sessions() as session:
        report = await service.campaign_lift(
            session, SHANGHAI, date(2026, 10, 1), date(2026, 10, 31)
        )
        with pytest.raises(ReportRangeInvalid) as refused:
            await service.campaign_lift(session, SHANGHAI, date(2026, 10, 2), date(2026, 10, 1))
    assert report.participants == 2
    rows = [(w.window, w.first_day, w.net_sales_fen, w.sales_lift) for w in report.windows]
    assert rows == [
        ("before", date(2026, 8, 31), 10_000, None),
        ("during", date(2026, 10, 1), 28_000, 1.8),
        ("after", date(2026, 11, 1), 5_000, -0.5),
    ]
    assert refused.value.field == "to"


async def test_clv_distribution_of_a_done_fit(population: tuple[Sessions, People]) -> None:
    """No fit done: 404; a queued one: 409; a done one (CDNOW's estimates, three members):
    every member in one bin, the bins' values those ``GET /clv/fits/{id}/members/{id}``
    gives each."""
    sessions, _ = population
    async with sessions() as session:
        with pytest.raises(FitNotFound):
            await service.clv(session, None, 52, 0.1, 4)
    queued = ClvFit(
        state="queued",
        calibration_end=date(2026, 6, 30),
        time_unit="week",
        requested_at=_noon("2026-07-01"),
    )
    done = ClvFit(
        state="done",
        calibration_end=date(2026, 6, 30),
        time_unit="week",
        requested_at=_noon("2026-07-01"),
        finished_at=_noon("2026-07-02"),
        r=0.243,
        alpha=4.414,
        a=0.793,
        b=2.426,
        p=6.25,
        q=3.74,
        gamma=1544.0,
    )
    summaries = [(0, 0, 70, 0.0), (2, 140, 182, 2500.0), (6, 300, 301, 4000.0)]
    members = [uuid.uuid4() for _ in summaries]
    async with transaction(sessions) as session:
        session.add_all([queued, done])
        await session.flush()
        session.add_all(
            ClvFitMember(
                fit_id=done.id,
                member_id=member,
                frequency=x,
                recency_days=t_x,
                age_days=age,
                monetary_fen=spend,
                holdout_purchases=0,
            )
            for member, (x, t_x, age, spend) in zip(members, summaries, strict=True)
        )
    async with sessions() as session:
        with pytest.raises(FitNotReady):
            await service.clv(session, queued.id, 52, 0.1, 4)
        report = await service.clv(session, None, 52, 0.1, 4)
        one_by_one = [
            (await clv_service.member_value(session, done.id, member, 52, 0.1)).clv_fen
            for member in members
        ]
    assert report.fit_id == done.id
    assert (report.members, report.undefined) == (3, 0)
    assert report.total_clv_fen == pytest.approx(sum(one_by_one), abs=2)
    assert report.median_clv_fen == pytest.approx(sorted(one_by_one)[1], abs=1)
    assert sum(b.members for b in report.bins) == 3
    assert report.bins[0].low_fen == 0
    assert report.bins[-1].high_fen == pytest.approx(max(one_by_one), abs=1)
    # the greatest value is in the last bin, the edges contiguous
    assert report.bins[-1].members >= 1
    assert all(a.high_fen == b.low_fen for a, b in zip(report.bins, report.bins[1:], strict=False))
    # its chart: a valid Vega-Lite v5 spec, drawn at the size asked
    spec = charts.clv(report, charts.Size(400, 300))
    assert not list(vega_lite_schema().iter_errors(spec))
    assert png_size(await render.png(spec)) == (400, 300)
