"""Use cases of the CLV fits: request one, fit the next queued one, read a fit and value a
member with it. They flush, never commit: the request or the worker owns the transaction.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import ScalarSelect

from services.analytics.clv import domain, repository
from services.analytics.clv.errors import (
    FitHasFailed,
    FitNotFound,
    FitNotReady,
    FitWindowInvalid,
    MemberNotInFit,
    ValueUndefined,
)
from services.analytics.clv.models import ClvFit
from services.analytics.clv.schemas import (
    FIT_HEADER,
    BgNbdParameters,
    FitOut,
    FitPage,
    FitRequest,
    FitState,
    Holdout,
    MemberValue,
    SpendParameters,
    fit_row,
)
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.pagination import PageKey, encode_cursor

Fitter = Callable[[list[int], list[float], list[float], list[float]], Awaitable[domain.Estimates]]
"""``(frequency, recency, age, monetary_fen) -> estimates``, off the event loop."""


async def request_fit(
    session: AsyncSession, body: FitRequest, today: date, now: datetime
) -> FitOut:
    """Queues a fit (the worker does it). ``today`` is the brand's. Raises
    :class:`FitWindowInvalid` naming ``calibration_end`` or ``holdout_end``."""
    problem = domain.window_problem(body.calibration_end, body.holdout_end, today)
    if problem is not None:
        field, _, detail = problem.partition(": ")
        raise FitWindowInvalid(detail, field=field)
    fit = ClvFit(
        state="queued",
        calibration_end=body.calibration_end,
        holdout_end=body.holdout_end,
        time_unit=body.time_unit,
        requested_at=now,
    )
    repository.add(session, fit)
    await session.flush()
    return _out(fit)


async def get_fit(session: AsyncSession, fit_id: uuid.UUID) -> FitOut:
    """Raises :class:`FitNotFound`."""
    fit = await _fit(session, fit_id)
    return _out(fit, await repository.running(session, [fit]))


async def fit_next(
    session: AsyncSession, fitter: Fitter, zone: str, clock: Callable[[], datetime]
) -> bool:
    """Claims the oldest queued fit, summarises its members, fits both models with
    ``fitter`` and records the outcome, ``done`` or ``failed`` (too little data, the
    fitter's :class:`~.domain.FitFailed`, or spend with no finite mean); False when none
    was queued; ``clock`` gives the finishing time (UTC). A fitter that raises anything
    else (its process died) leaves the transaction to roll back and the fit queued for
    the next try."""
    fit = await repository.claim_queued(session)
    if fit is None:
        return False
    unit = _unit(fit.time_unit)
    await repository.summarise(
        session, fit.id, fit.calibration_end, fit.holdout_end or fit.calibration_end, zone
    )
    sample = await repository.summaries(session, fit.id)
    fit.members = len(sample.frequency)
    fit.repeat_members = sum(1 for x in sample.frequency if x > 0)
    x = np.array(sample.frequency, dtype=np.float64)
    t_x = np.array([domain.in_units(d, unit) for d in sample.recency_days])
    age = np.array([domain.in_units(d, unit) for d in sample.age_days])
    spend = np.array(sample.monetary_fen, dtype=np.float64)
    try:
        domain.check_sample(fit.members, fit.repeat_members)
        estimates = await fitter(sample.frequency, t_x.tolist(), age.tolist(), spend.tolist())
        domain.check_estimates(estimates)
    except domain.FitFailed as refused:
        fit.state, fit.failure, fit.finished_at = "failed", str(refused), clock()
        return True
    fit.finished_at = clock()
    _record(fit, estimates, x, t_x, age, spend)
    if fit.holdout_end is not None:
        span = domain.in_units((fit.holdout_end - fit.calibration_end).days, unit)
        fit.holdout_predicted = float(
            np.sum(estimates.purchases.expected_purchases(span, x, t_x, age))
        )
        fit.holdout_actual = sum(sample.holdout_purchases)
    if estimates.spend.q <= 1:
        fit.state, fit.failure = "failed", "spend has no finite mean (q <= 1)"
    else:
        fit.state = "done"
    return True


def _record(
    fit: ClvFit,
    estimates: domain.Estimates,
    x: domain.Floats,
    t_x: domain.Floats,
    age: domain.Floats,
    spend: domain.Floats,
) -> None:
    bg, gg = estimates.purchases, estimates.spend
    fit.r, fit.alpha, fit.a, fit.b = bg.r, bg.alpha, bg.a, bg.b
    fit.p, fit.q, fit.gamma = gg.p, gg.q, gg.gamma
    fit.log_likelihood = bg.log_likelihood(x, t_x, age)
    repeat = x > 0
    fit.spend_log_likelihood = gg.log_likelihood(x[repeat], spend[repeat])


async def member_value(
    session: AsyncSession,
    fit_id: uuid.UUID,
    member_id: uuid.UUID,
    horizon: int,
    annual_discount_rate: float,
) -> MemberValue:
    """The member's expectations under a done fit over ``horizon`` time units. Raises
    :class:`FitNotFound`, :class:`FitNotReady` (queued or running), :class:`FitHasFailed`,
    :class:`MemberNotInFit`,
    :class:`ValueUndefined`."""
    fit = await _fit(session, fit_id)
    purchases, spend = await _ready(session, fit)
    summary = await repository.member(session, fit_id, member_id)
    if summary is None:
        raise MemberNotInFit(
            f"member {member_id} had not bought by {fit.calibration_end}", field="member_id"
        )
    unit = _unit(fit.time_unit)
    t_x = domain.in_units(summary.recency_days, unit)
    age = domain.in_units(summary.age_days, unit)
    x = float(summary.frequency)
    arrays = (np.array([x]), np.array([t_x]), np.array([age]))
    expected_spend = float(spend.expected_spend(arrays[0], np.array([summary.monetary_fen]))[0])
    rate = domain.discount_per_unit(annual_discount_rate, unit)
    expected = float(purchases.expected_purchases(horizon, *arrays)[0])
    alive = float(purchases.p_alive(*arrays)[0])
    value = domain.lifetime_value(purchases, expected_spend, (x, t_x, age), horizon, rate)
    if not all(math.isfinite(number) for number in (expected, alive, expected_spend, value)):
        raise ValueUndefined(
            f"fit {fit_id} gives no finite expectation for member {member_id} over "
            f"{horizon} {unit}s",
            field="horizon",
            where="query",
        )
    return MemberValue(
        fit_id=fit.id,
        member_id=member_id,
        time_unit=unit,
        frequency=summary.frequency,
        recency=round(t_x, 4),
        age=round(age, 4),
        average_spend_fen=round(summary.monetary_fen),
        holdout_purchases=summary.holdout_purchases if fit.holdout_end else None,
        horizon=horizon,
        expected_purchases=round(expected, 4),
        p_alive=round(alive, 4),
        expected_average_spend_fen=round(expected_spend),
        annual_discount_rate=annual_discount_rate,
        clv_fen=round(value),
    )


@dataclass(frozen=True)
class FitValues:
    """Every member of a done fit valued over ``horizon`` time units: CLV in fen and
    P(alive), side by side; members whose estimates are not finite are left out and
    counted in ``undefined``."""

    fit: FitOut
    horizon: int
    annual_discount_rate: float
    clv_fen: domain.Floats
    p_alive: domain.Floats
    undefined: int


async def fit_values(
    session: AsyncSession, fit_id: uuid.UUID | None, horizon: int, annual_discount_rate: float
) -> FitValues:
    """The CLV and P(alive) of every member of the fit ``fit_id``, or of the last fit done
    when ``None``, as in :func:`member_value` but computed over all of them at once. Raises
    :class:`FitNotFound` (no such fit, or no fit done yet), :class:`FitNotReady` (queued)
    or :class:`FitHasFailed`."""
    if fit_id is None:
        found = await repository.latest_done(session)
        if found is None:
            raise FitNotFound(
                "no CLV fit is done yet: POST /clv/fits", field="fit_id", where="query"
            )
        fit = found
    else:
        fit = await _fit(session, fit_id, where="query")
    _, values, alive = await _valued(session, fit, horizon, annual_discount_rate)
    finite = np.isfinite(values) & np.isfinite(alive)
    return FitValues(
        fit=_out(fit),
        horizon=horizon,
        annual_discount_rate=annual_discount_rate,
        clv_fen=values[finite],
        p_alive=alive[finite],
        undefined=int(np.count_nonzero(~finite)),
    )


async def members_valued_between(
    session: AsyncSession,
    low_fen: int | None,
    high_fen: int | None,
    horizon: int,
    annual_discount_rate: float,
) -> list[uuid.UUID]:
    """The members of the last fit done whose CLV over ``horizon`` time units (the fit's)
    at ``annual_discount_rate`` is within ``[low_fen, high_fen]`` (fen, either bound
    open); none when no fit is done yet, or for a member whose value is not finite."""
    fit = await repository.latest_done(session)
    if fit is None:
        return []
    ids, values, _ = await _valued(session, fit, horizon, annual_discount_rate)
    inside = np.isfinite(values)
    if low_fen is not None:
        inside &= values >= low_fen
    if high_fen is not None:
        inside &= values <= high_fen
    return [member for member, kept in zip(ids, inside, strict=True) if kept]


async def _valued(
    session: AsyncSession, fit: ClvFit, horizon: int, annual_discount_rate: float
) -> tuple[list[uuid.UUID], domain.Floats, domain.Floats]:
    """Every member of the done ``fit``: their ids, CLV (fen) and P(alive), side by side.
    The valuation runs in a thread: thousands of members over years of days are seconds
    of CPU the event loop would otherwise stop for (numpy's and scipy's ufuncs let go of
    the GIL while they compute)."""
    models = await _ready(session, fit)
    sample = await repository.summaries(session, fit.id)
    values, alive = await asyncio.to_thread(
        _value_all, models, sample, _unit(fit.time_unit), horizon, annual_discount_rate
    )
    return sample.member_ids, values, alive


def _value_all(
    models: tuple[domain.BgNbd, domain.GammaGamma],
    sample: repository.Summaries,
    unit: domain.TimeUnit,
    horizon: int,
    annual_discount_rate: float,
) -> tuple[domain.Floats, domain.Floats]:
    purchases, spend = models
    x = np.array(sample.frequency, dtype=np.float64)
    t_x = np.array(sample.recency_days, dtype=np.float64) / domain.DAYS_PER_UNIT[unit]
    age = np.array(sample.age_days, dtype=np.float64) / domain.DAYS_PER_UNIT[unit]
    expected_spend = spend.expected_spend(x, np.array(sample.monetary_fen, dtype=np.float64))
    rate = domain.discount_per_unit(annual_discount_rate, unit)
    with np.errstate(all="ignore"):
        values = domain.lifetime_values(purchases, expected_spend, (x, t_x, age), horizon, rate)
        alive = purchases.p_alive(x, t_x, age)
    return values, alive


async def list_fits(session: AsyncSession, limit: int, before: PageKey | None) -> FitPage:
    """Up to ``limit`` (1 to 200) fits, the newest request first, after the page that
    ended at ``before``."""
    fits = await repository.page(session, limit + 1, before)
    last = fits[limit - 1] if len(fits) > limit else None
    running = await repository.running(session, fits[:limit])
    return FitPage(
        items=[_out(fit, running) for fit in fits[:limit]],
        next_cursor=encode_cursor(last.requested_at, last.id) if last else None,
    )


def fits_csv(page: FitPage) -> str:
    """A page of fits as CSV :data:`FIT_HEADER`, the parameters flattened."""
    return csv_text(FIT_HEADER, (fit_row(fit) for fit in page.items))


async def _ready(session: AsyncSession, fit: ClvFit) -> tuple[domain.BgNbd, domain.GammaGamma]:
    """The fit's models; raises :class:`FitHasFailed`, or :class:`FitNotReady` naming the
    state as ``GET /clv/fits/{id}`` reads it (``queued`` or ``running``)."""
    models = _models(fit)
    if models is None and fit.state == "failed":
        raise FitHasFailed(f"fit {fit.id} failed: {fit.failure}", fit_state=fit.state)
    if models is None:
        state = _state(fit, await repository.running(session, [fit]))
        raise FitNotReady(f"fit {fit.id} is {state}", fit_state=state)
    return models


async def _fit(session: AsyncSession, fit_id: uuid.UUID, where: str = "path") -> ClvFit:
    fit = await repository.get(session, fit_id)
    if fit is None:
        raise FitNotFound(f"no CLV fit with id {fit_id}", field="fit_id", where=where)
    return fit


def _state(fit: ClvFit, running: Collection[uuid.UUID]) -> FitState:
    if fit.state in ("done", "failed"):
        return "done" if fit.state == "done" else "failed"
    return "running" if fit.id in running else "queued"


def _unit(name: str) -> domain.TimeUnit:
    return "day" if name == "day" else "week"


def _models(fit: ClvFit) -> tuple[domain.BgNbd, domain.GammaGamma] | None:
    if fit.state != "done":
        return None
    values = (fit.r, fit.alpha, fit.a, fit.b, fit.p, fit.q, fit.gamma)
    if any(value is None or not math.isfinite(value) for value in values):
        return None
    r, alpha, a, b, p, q, gamma = (float(value or 0.0) for value in values)
    return domain.BgNbd(r, alpha, a, b), domain.GammaGamma(p, q, gamma)


def _out(fit: ClvFit, running: Collection[uuid.UUID] = ()) -> FitOut:
    """The fit as answered; ``running``: the queued fits a worker is fitting now."""
    models = _models(fit)
    holdout = None
    if fit.state == "done" and fit.holdout_predicted is not None:
        holdout = Holdout(predicted=round(fit.holdout_predicted, 2), actual=fit.holdout_actual or 0)
    return FitOut(
        id=fit.id,
        state=_state(fit, running),
        calibration_end=fit.calibration_end,
        holdout_end=fit.holdout_end,
        time_unit=_unit(fit.time_unit),
        requested_at=fit.requested_at,
        finished_at=fit.finished_at,
        failure=fit.failure,
        members=fit.members,
        repeat_members=fit.repeat_members,
        purchases=BgNbdParameters(**vars(models[0])) if models else None,
        spend=SpendParameters(**vars(models[1])) if models else None,
        log_likelihood=fit.log_likelihood,
        spend_log_likelihood=fit.spend_log_likelihood,
        holdout=holdout,
    )


def latest_parameters() -> dict[str, ScalarSelect[float]]:
    """The latest finished fit's BG/NBD parameters and its unit in days, as SQL scalar
    subqueries another query can use (see :func:`repository.latest_done_parameters`)."""
    return repository.latest_done_parameters()
