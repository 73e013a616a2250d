"""Statements of yearly-spend band rules and their runs."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from services.loyalty.coupon_bands.models import BandRule, BandRun
from shared.db import AsyncSession

_runs = BandRun.__table__  # type: ignore[attr-defined]


async def add_rule(session: AsyncSession, rule: BandRule) -> None:
    session.add(rule)
    await session.flush()


async def rule(session: AsyncSession, rule_id: uuid.UUID) -> BandRule | None:
    return await session.get(BandRule, rule_id)


async def rules_run_on(session: AsyncSession, month: int, day: int) -> list[BandRule]:
    query = select(BandRule).where(
        col(BandRule.run_on_month) == month, col(BandRule.run_on_day) == day
    )
    return list((await session.scalars(query)).all())


async def run(session: AsyncSession, rule_id: uuid.UUID, year: int) -> BandRun | None:
    return await session.get(BandRun, (rule_id, year))


async def claim_run(session: AsyncSession, row: BandRun) -> bool:
    """Inserts the run; False when the rule already ran for the year (a concurrent run
    waits on the unique key and finds it taken)."""
    query = (
        insert(_runs)
        .values(
            rule_id=row.rule_id,
            year=row.year,
            bands=row.bands,
            created_at=row.created_at,
            created_by=row.created_by,
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "year"])
        .returning(_runs.c.rule_id)
    )
    return (await session.execute(query)).first() is not None
