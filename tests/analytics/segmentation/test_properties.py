"""Properties of the segmentation over random populations, in a database of their own:
whatever the members, every one is scored once within 1..bins, exactly as the rank
definition says, a member who did better on a dimension never scores lower, equal members
score alike, the quadrants and the Pareto curve account for everyone and the curve's sums
are the top members' spend. (Hand-counted figures: ``test_service.py``.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.facts.models import MemberStats
from services.analytics.segmentation import service
from services.analytics.segmentation.schemas import SegmentMember
from shared.db import Sessions, create_sessions, transaction
from tests.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
_members = MemberStats.__table__  # type: ignore[attr-defined]

# (days since the last purchase, purchases, net spend in fen): few distinct values, so ties
MEMBER = st.tuples(st.integers(0, 60), st.integers(1, 6), st.integers(0, 40).map(lambda k: k * 500))
# many distinct values: the cut points fall between members
SPREAD = st.tuples(st.integers(0, 900), st.integers(1, 60), st.integers(0, 10**9))
POPULATIONS = st.lists(MEMBER, min_size=1, max_size=40) | st.lists(SPREAD, min_size=1, max_size=40)


@pytest.fixture(scope="module")
async def scratch(stack: Stack) -> AsyncIterator[Sessions]:
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        try:
            yield create_sessions(engine)
        finally:
            await engine.dispose()


async def _load(sessions: Sessions, population: list[tuple[int, int, int]]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "member_id": uuid.uuid4(),
            "purchase_count": purchases,
            "spend_fen": spend,
            "returned_fen": 0,
            "first_purchase_at": now - timedelta(days=days + 30 * purchases),
            "last_purchase_at": now - timedelta(days=days),
        }
        for days, purchases, spend in population
    ]
    async with transaction(sessions) as session:
        await session.execute(delete(_members))
        await session.execute(insert(_members), rows)


async def _check(sessions: Sessions, population: list[tuple[int, int, int]], bins: int) -> None:
    await _load(sessions, population)
    filters = service.MemberFilters(
        bins=bins,
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
    async with sessions() as session:
        page = await service.member_page(session, SHANGHAI, filters, None, 200)
        rfm = await service.rfm_report(session, SHANGHAI, bins)
        quadrants = await service.quadrant_report(session, SHANGHAI, None, None)
        pareto = await service.pareto_report(session, SHANGHAI, 20, 10)
    members = page.items
    assert len(members) == len(population) == rfm.members == quadrants.members
    assert sum(cell.members for cell in rfm.cells) == len(population)
    for name, value in (("r", "recency"), ("f", "frequency"), ("m", "monetary_fen")):
        _monotone(members, name, value, bins)
    assert sum(q.members for q in quadrants.quadrants) == len(population)
    shares = [point.share for point in pareto.curve]
    assert shares == sorted(shares)
    assert pareto.curve[-1].net_spend_fen == sum(spend for _, _, spend in population)
    _scores_by_rank(members, bins)
    spends = sorted((spend for _, _, spend in population), reverse=True)
    for point in pareto.curve:
        assert point.net_spend_fen == sum(spends[: point.members])
    assert pareto.top_net_spend_fen == sum(spends[: pareto.top_members])


def _scores_by_rank(members: list[SegmentMember], bins: int) -> None:
    """Every score is the definition's ``1 + bins × (rank − 1) // n``, ``rank − 1`` being
    how many members did strictly worse (the cut points must give exactly that)."""
    n = len(members)
    for score, value in (("r", "recency"), ("f", "frequency"), ("m", "monetary_fen")):

        def measure(member: SegmentMember, value: str = value) -> int:
            # recency: fewer days is better
            return -member.recency_days if value == "recency" else int(getattr(member, value))

        for a in members:
            below = sum(1 for b in members if measure(b) < measure(a))
            assert getattr(a, score) == 1 + bins * below // n


def _monotone(members: list[SegmentMember], score: str, value: str, bins: int) -> None:
    def measure(member: SegmentMember) -> int:
        # recency: fewer days is better
        return -member.recency_days if value == "recency" else int(getattr(member, value))

    for a in members:
        assert 1 <= getattr(a, score) <= bins
        for b in members:
            if measure(a) == measure(b):
                assert getattr(a, score) == getattr(b, score)
            elif measure(a) > measure(b):
                assert getattr(a, score) >= getattr(b, score)


async def test_scores_rank_everyone_within_the_scale(scratch: Sessions) -> None:
    loop = asyncio.get_running_loop()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(population=POPULATIONS, bins=st.integers(2, 10))
    def prop(population: list[tuple[int, int, int]], bins: int) -> None:
        asyncio.run_coroutine_threadsafe(_check(scratch, population, bins), loop).result()

    await asyncio.to_thread(prop)
