"""The fitting use case on the real database, with the real fitting process."""

from __future__ import annotations

import uuid
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from services.analytics.clv import domain, repository, service
from services.analytics.clv.errors import FitHasFailed, FitNotReady, ValueUndefined
from services.analytics.clv.jobs import estimate_in_process
from services.analytics.clv.models import ClvFit, ClvFitMember
from services.analytics.clv.schemas import FitRequest
from shared.db import Sessions, transaction
from tests.analytics import events
from tests.analytics.clv import history
from tests.analytics.conftest import Feed, apply

ZONE = "Asia/Shanghai"
TODAY = date(2026, 12, 1)
PERIODS = history.Periods(date(1991, 1, 1))


async def _queue(sessions: Sessions, calibration_end: date, holdout_end: date | None) -> uuid.UUID:
    """Queues a fit as the only one queued: ``fit_next`` takes the oldest, and another
    module of this worker may have left one queued (an API test of a queued fit)."""
    body = FitRequest(calibration_end=calibration_end, time_unit="week", holdout_end=holdout_end)
    async with transaction(sessions) as session:
        await session.execute(
            text(
                "UPDATE analytics.clv_fits SET state = 'failed', failure = 'left by a test' "
                "WHERE state = 'queued'"
            )
        )
        return (await service.request_fit(session, body, TODAY, datetime.now(UTC))).id


async def _fit_next(sessions: Sessions, fitter: service.Fitter = estimate_in_process) -> bool:
    async with transaction(sessions) as session:
        return await service.fit_next(session, fitter, ZONE, lambda: datetime.now(UTC))


async def _died(*_: object) -> domain.Estimates:
    raise BrokenProcessPool("the fitting process was killed")


async def test_the_summaries_are_the_literatures_per_member(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    """Repeat days only (two purchases on a day are one), net of returns, voids and full
    returns left out, purchases before registration counted, days of the brand."""
    day = history.at
    ann, bob, cai = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = events.purchase(ann, 10_000, day(date(1993, 3, 1)))
    returned = events.purchase(ann, 8_000, day(date(1993, 3, 8)))
    voided = events.purchase(ann, 9_000, day(date(1993, 3, 9)))
    await apply(
        analytics_sessions,
        handlers,
        first,
        returned,
        events.returned(returned, 3_000),
        voided,
        events.voided(voided),
        events.purchase(ann, 2_000, day(date(1993, 3, 8), 1)),  # the same day: one day
        events.purchase(ann, 6_000, day(date(1993, 3, 22))),
        events.purchase(ann, 1_000, day(date(1993, 7, 1))),  # the holdout
        # 23:30 in Shanghai on 31 March is 15:30 UTC: the brand's 31 March
        events.purchase(bob, 5_000, datetime(1993, 3, 31, 15, 30, tzinfo=UTC)),
        events.registered(bob, day(date(1993, 6, 1))),
        events.purchase(cai, 5_000, day(date(1993, 7, 2))),  # after the calibration
    )
    body = FitRequest(calibration_end=date(1993, 3, 31), holdout_end=date(1993, 9, 30))
    async with transaction(analytics_sessions) as session:
        # queued and summarised in a transaction rolled back: no fit is left for the worker
        fit = await service.request_fit(session, body, TODAY, datetime.now(UTC))
        await repository.summarise(session, fit.id, date(1993, 3, 31), date(1993, 9, 30), ZONE)
        found = await session.scalars(
            select(ClvFitMember).where(col(ClvFitMember.fit_id) == fit.id)
        )
        rows = {row.member_id: row.model_copy() for row in found}
        await session.rollback()
    assert ann in rows
    assert bob in rows
    assert cai not in rows
    a = rows[ann]
    # days 1 Mar (10,000), 8 Mar (8,000 - 3,000 + 2,000), 22 Mar (6,000)
    assert (a.frequency, a.recency_days, a.age_days) == (2, 21, 30)
    assert a.monetary_fen == pytest.approx((7_000 + 6_000) / 2)
    assert a.holdout_purchases == 1
    b = rows[bob]
    assert (b.frequency, b.recency_days, b.age_days, b.monetary_fen) == (0, 0, 0, 0)
    expected = domain.history(
        {date(1993, 3, 1): 10_000, date(1993, 3, 8): 7_000, date(1993, 3, 22): 6_000},
        date(1993, 3, 31),
    )
    assert expected == domain.PurchaseHistory(2, 21, 30, 6_500.0)


async def test_a_fit_survives_its_process_dying_and_is_then_done_once(
    analytics_sessions: Sessions, handlers: Feed
) -> None:
    histories = history.simulated(members=150, seed=17, periods=PERIODS)
    await history.load(analytics_sessions, handlers, histories)
    fit_id = await _queue(analytics_sessions, PERIODS.calibration_end, PERIODS.holdout_end)

    with pytest.raises(BrokenProcessPool):
        await _fit_next(analytics_sessions, _died)
    async with analytics_sessions() as session:
        fit = await session.get(ClvFit, fit_id)
        assert fit is not None
        assert fit.state == "queued"
        assert await session.scalar(select(func.count()).where(ClvFitMember.fit_id == fit_id)) == 0

    assert await _fit_next(analytics_sessions)
    async with analytics_sessions() as session:
        fit = await session.get(ClvFit, fit_id)
        assert fit is not None
        summaries = await repository.summaries(session, fit_id)
    assert fit.state == "done", fit.failure
    found = await history.expected(analytics_sessions, PERIODS)
    assert found.members >= len(histories)
    assert fit.members == found.members == len(summaries.frequency)
    assert fit.repeat_members == found.repeat_members
    assert fit.holdout_actual == found.holdout_days
    # the reported log-likelihood is the model's at the reported estimates, and the best
    model = domain.BgNbd(fit.r or 0.0, fit.alpha or 0.0, fit.a or 0.0, fit.b or 0.0)
    x = np.array(summaries.frequency, dtype=np.float64)
    t_x = np.array(summaries.recency_days) / 7
    age = np.array(summaries.age_days) / 7
    assert fit.log_likelihood == pytest.approx(model.log_likelihood(x, t_x, age))
    worse = domain.BgNbd(model.r * 1.1, model.alpha, model.a, model.b)
    assert model.log_likelihood(x, t_x, age) > worse.log_likelihood(x, t_x, age)
    assert fit.holdout_predicted == pytest.approx(
        float(np.sum(model.expected_purchases(13, x, t_x, age)))
    )
    assert (fit.gamma or 0.0) > 100  # fen, not yuan
    assert not await _fit_next(analytics_sessions)  # nothing queued: done once


async def test_too_few_members_fail_the_fit_with_the_reason(analytics_sessions: Sessions) -> None:
    fit_id = await _queue(analytics_sessions, date(1900, 1, 31), None)
    assert await _fit_next(analytics_sessions)
    async with analytics_sessions() as session:
        fit = await session.get(ClvFit, fit_id)
    assert fit is not None
    assert fit.state == "failed"
    assert fit.members == 0
    assert "at least 10" in (fit.failure or "")
    # a failed fit values nobody, and says it failed (not that it is still coming)
    async with analytics_sessions() as session:
        with pytest.raises(FitHasFailed, match="at least 10"):
            await service.member_value(session, fit_id, uuid.uuid4(), 52, 0.1)


async def test_a_value_the_estimates_cannot_give_is_refused_naming_the_horizon(
    analytics_sessions: Sessions,
) -> None:
    """Estimates at the edge of their bounds overflow the expectation: a 422, not a 500."""
    member_id = uuid.uuid4()
    fit = ClvFit(
        state="done",
        calibration_end=date(1993, 1, 31),
        time_unit="week",
        requested_at=datetime.now(UTC),
        r=1e-5,
        alpha=1e-5,
        a=1e-5,
        b=1e5,
        p=6.25,
        q=3.74,
        gamma=1544.0,
    )
    async with transaction(analytics_sessions) as session:
        session.add(fit)
        await session.flush()
        session.add(
            ClvFitMember(
                fit_id=fit.id,
                member_id=member_id,
                frequency=0,
                recency_days=0,
                age_days=0,
                monetary_fen=0.0,
                holdout_purchases=0,
            )
        )
    async with transaction(analytics_sessions) as session:
        with pytest.raises(ValueUndefined) as refused:
            await service.member_value(session, fit.id, member_id, 3650, 0.1)
    assert refused.value.field == "horizon"


async def test_a_fit_reads_running_while_a_worker_holds_it_and_queued_if_it_stops(
    analytics_sessions: Sessions,
) -> None:
    fit_id = await _queue(analytics_sessions, PERIODS.calibration_end, PERIODS.holdout_end)
    async with analytics_sessions() as worker:
        await worker.begin()
        claimed = await repository.claim_queued(worker)
        assert claimed is not None
        assert claimed.id == fit_id
        async with analytics_sessions() as reader:
            assert (await service.get_fit(reader, fit_id)).state == "running"
            page = await service.list_fits(reader, 200, None)
            assert {fit.id: fit.state for fit in page.items}[fit_id] == "running"
            with pytest.raises(FitNotReady) as not_yet:  # and so says the 409 of a value
                await service.member_value(reader, fit_id, uuid.uuid4(), 12, 0.1)
            assert (not_yet.value.detail, not_yet.value.extensions) == (
                f"fit {fit_id} is running",
                {"fit_state": "running"},
            )
        await worker.rollback()  # the worker stopped mid-fit
    async with analytics_sessions() as reader:
        assert (await service.get_fit(reader, fit_id)).state == "queued"
