"""Statements of the CLV fits: the fit rows, their claim, and the members' summaries,
computed for every member at once from the purchase facts."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Date,
    Float,
    ScalarSelect,
    Uuid,
    bindparam,
    case,
    func,
    select,
    text,
    tuple_,
)
from sqlmodel import col

from services.analytics.clv.models import ClvFit, ClvFitMember
from shared.db import AsyncSession
from shared.pagination import PageKey

# A purchase counts on its brand's day unless voided or fully returned, at its net amount;
# purchases dated before the member registered are history like any other.
_SUMMARISE = text(
    """
    INSERT INTO analytics.clv_fit_members
        (fit_id, member_id, frequency, recency_days, age_days, monetary_fen, holdout_purchases)
    WITH days AS (
        SELECT member_id, (purchased_at AT TIME ZONE :zone)::date AS day,
               SUM(total_fen - returned_fen) AS fen
        FROM analytics.purchases
        WHERE voided_at IS NULL AND NOT fully_returned
          AND (purchased_at AT TIME ZONE :zone)::date <= :last
        GROUP BY 1, 2
    ), firsts AS (
        SELECT member_id, MIN(day) AS first_day
        FROM days WHERE day <= :calibration_end GROUP BY member_id
    )
    SELECT :fit_id, d.member_id,
           COUNT(*) FILTER (WHERE d.day <= :calibration_end) - 1,
           MAX(d.day) FILTER (WHERE d.day <= :calibration_end) - f.first_day,
           :calibration_end - f.first_day,
           COALESCE(AVG(d.fen) FILTER (WHERE d.day <= :calibration_end
                                       AND d.day > f.first_day), 0),
           COUNT(*) FILTER (WHERE d.day > :calibration_end)
    FROM days d JOIN firsts f USING (member_id)
    GROUP BY d.member_id, f.first_day
    """
).bindparams(
    bindparam("fit_id", type_=Uuid()),
    bindparam("calibration_end", type_=Date()),
    bindparam("last", type_=Date()),
)


@dataclass(frozen=True)
class Summaries:
    """A fit's members' summaries as columns (days), in one order."""

    member_ids: list[uuid.UUID]
    frequency: list[int]
    recency_days: list[int]
    age_days: list[int]
    monetary_fen: list[float]
    holdout_purchases: list[int]


def add(session: AsyncSession, fit: ClvFit) -> None:
    session.add(fit)


async def get(session: AsyncSession, fit_id: uuid.UUID) -> ClvFit | None:
    return await session.get(ClvFit, fit_id)


async def page(session: AsyncSession, limit: int, before: PageKey | None) -> list[ClvFit]:
    """Up to ``limit`` fits, the newest request first, older than ``before``."""
    key = tuple_(col(ClvFit.requested_at), col(ClvFit.id))
    query = select(ClvFit).order_by(key.desc()).limit(limit)
    if before is not None:
        query = query.where(key < (before.at, before.id))
    return list((await session.scalars(query)).all())


async def latest_done(session: AsyncSession) -> ClvFit | None:
    """The fit that finished last among the done ones."""
    query = (
        select(ClvFit)
        .where(col(ClvFit.state) == "done")
        .order_by(col(ClvFit.finished_at).desc().nulls_last(), col(ClvFit.id))
        .limit(1)
    )
    return (await session.scalars(query)).first()


_RUNNING = 0x434C5646
"""The advisory locks a worker holds on the fit it is fitting ("CLVF"), the fit's key
second (:func:`_running_key`): what readers look for in ``pg_locks``."""


def _running_key(fit_id: uuid.UUID) -> int:
    """31 bits of the fit's id: as PostgreSQL's ``int4`` argument and as ``pg_locks``'
    ``objid`` alike. Two fits sharing a key only mislead a reader: one queued reads as
    running while the other runs, or one running as queued (the lock is tried, never
    waited for)."""
    return fit_id.int & 0x7FFF_FFFF


async def claim_queued(session: AsyncSession) -> ClvFit | None:
    """The oldest queued fit, locked for this transaction (one another worker holds is
    skipped), and marked running for readers (:func:`running`) until the transaction
    ends: by its commit, or by a rollback or the worker's connection ending, which leave it
    queued."""
    query = (
        select(ClvFit)
        .where(col(ClvFit.state) == "queued")
        .order_by(col(ClvFit.requested_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    fit = (await session.scalars(query)).first()
    if fit is not None:
        await session.execute(
            select(func.pg_try_advisory_xact_lock(_RUNNING, _running_key(fit.id)))
        )
    return fit


async def running(session: AsyncSession, fits: Collection[ClvFit]) -> set[uuid.UUID]:
    """Those of the queued ``fits`` a worker is fitting now (it holds their advisory
    lock); no statement when none is queued."""
    queued = {_running_key(fit.id): fit.id for fit in fits if fit.state == "queued"}
    if not queued:
        return set()
    held = await session.scalars(
        text(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = :space AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"space": _RUNNING},
    )
    return {queued[key] for key in held if key in queued}


async def summarise(
    session: AsyncSession, fit_id: uuid.UUID, calibration_end: date, last: date, zone: str
) -> None:
    """Writes every member's summary for the fit in one statement: members who bought by
    ``calibration_end`` (the brand's days in ``zone``), purchase days up to ``last``."""
    await session.execute(
        _SUMMARISE,
        {"fit_id": fit_id, "calibration_end": calibration_end, "last": last, "zone": zone},
    )


async def summaries(session: AsyncSession, fit_id: uuid.UUID) -> Summaries:
    query = select(
        col(ClvFitMember.member_id),
        col(ClvFitMember.frequency),
        col(ClvFitMember.recency_days),
        col(ClvFitMember.age_days),
        col(ClvFitMember.monetary_fen),
        col(ClvFitMember.holdout_purchases),
    ).where(col(ClvFitMember.fit_id) == fit_id)
    rows = (await session.execute(query)).all()
    return Summaries(
        member_ids=[row[0] for row in rows],
        frequency=[row[1] for row in rows],
        recency_days=[row[2] for row in rows],
        age_days=[row[3] for row in rows],
        monetary_fen=[row[4] for row in rows],
        holdout_purchases=[row[5] for row in rows],
    )


async def member(
    session: AsyncSession, fit_id: uuid.UUID, member_id: uuid.UUID
) -> ClvFitMember | None:
    return await session.get(ClvFitMember, (fit_id, member_id))


def latest_done_parameters() -> dict[str, ScalarSelect[float]]:
    """The BG/NBD parameters ``r``, ``alpha``, ``a``, ``b`` of the latest finished fit
    (state ``done``, latest ``finished_at``) and ``unit_days`` (1 for days, 7 for weeks)
    as uncorrelated scalar subqueries (PostgreSQL evaluates each once); NULL when no fit
    is done."""
    fit = ClvFit.__table__.alias("latest_fit")  # type: ignore[attr-defined]
    latest = (
        select(fit.c.id)
        .where(fit.c.state == "done")
        .order_by(fit.c.finished_at.desc(), fit.c.id)
        .limit(1)
        .scalar_subquery()
    )
    columns = {
        "r": fit.c.r,
        "alpha": fit.c.alpha,
        "a": fit.c.a,
        "b": fit.c.b,
        "unit_days": case((fit.c.time_unit == "week", 7.0), else_=1.0).cast(Float),
    }
    return {
        name: select(column).where(fit.c.id == latest).scalar_subquery()
        for name, column in columns.items()
    }
