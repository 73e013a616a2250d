"""The CDNOW transactions loaded as purchases give the literature's fit (issue 17 item 3).

The 2,357 customers' 6,919 transactions go through analytics' purchase handler, dated at
noon of their day in the brand's timezone, in a database of their own (a fit takes every
member who bought by its calibration end); a fit calibrated to 30 September 1997 (39 weeks
after 1 January) in weeks gives Fader, Hardie & Lee's r, α, a, b within 1 %, and the spend
model their p, q, γ (γ in fen: 1544)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from services.analytics.clv import service
from services.analytics.clv.jobs import estimate_in_process
from services.analytics.clv.models import ClvFit
from services.analytics.clv.schemas import FitRequest
from shared.db import Sessions, create_sessions, transaction
from tests.analytics import events
from tests.stack import Stack

DATA = Path(__file__).parent / "data" / "cdnow_sample.txt"
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74}


@pytest.fixture
async def own_database(stack: Stack) -> AsyncIterator[Sessions]:
    async with stack.scratch_database("analytics", "head") as url:
        engine = create_async_engine(url)
        try:
            yield create_sessions(engine)
        finally:
            await engine.dispose()


async def test_cdnows_transactions_give_the_published_fit(
    stack: Stack, own_database: Sessions
) -> None:
    handle = stack.handlers("analytics")
    members: dict[str, uuid.UUID] = {}
    feed = []
    for line in DATA.read_text().splitlines():
        customer, _, day, _, dollars = line.split()
        member = members.setdefault(customer, uuid.uuid4())
        at = datetime.strptime(day, "%Y%m%d").replace(hour=4, tzinfo=UTC)
        feed.append(events.purchase(member, round(float(dollars) * 100), at))
    async with transaction(own_database) as session:
        for event in feed:
            await handle[event.type](session, event)

    body = FitRequest(calibration_end=date(1997, 9, 30), time_unit="week")
    async with transaction(own_database) as session:
        fit_id = (await service.request_fit(session, body, date(2026, 12, 1), datetime.now(UTC))).id
    async with transaction(own_database) as session:
        assert await service.fit_next(
            session, estimate_in_process, "Asia/Shanghai", lambda: datetime.now(UTC)
        )
    async with own_database() as session:
        fit = await session.get(ClvFit, fit_id)
    assert fit is not None
    assert fit.state == "done", fit.failure
    assert (fit.members, len(members)) == (2357, 2357)
    for name, published in PUBLISHED.items():
        assert getattr(fit, name) == pytest.approx(published, rel=0.01), name
    assert (fit.gamma or 0) / 100 == pytest.approx(15.44, rel=0.01)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=2.0)
