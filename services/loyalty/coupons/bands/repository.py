"""Statements of yearly-spend band rules and their runs. A year's spend is read from
tiers' ``qualifying_purchases`` (the measure tiers qualify by)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from services.loyalty.coupons.bands.models import BandRule, BandRun
from services.loyalty.tiers.models import QualifyingPurchase
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


async def spenders(
    session: AsyncSession, start: datetime, end: datetime, at_least: int
) -> list[tuple[uuid.UUID, int]]:
    """``(member_id, spend_fen)`` of members whose own qualifying spend in ``[start, end)``
    (purchases by their sale time, net of returns and voids) is at least ``at_least``."""
    net = col(QualifyingPurchase.total_fen) - col(QualifyingPurchase.returned_fen)
    spend = func.sum(net)
    query = (
        select(col(QualifyingPurchase.member_id), spend)
        .where(
            col(QualifyingPurchase.purchased_at) >= start,
            col(QualifyingPurchase.purchased_at) < end,
        )
        .group_by(col(QualifyingPurchase.member_id))
        .having(spend >= at_least)
        .order_by(col(QualifyingPurchase.member_id))
    )
    return [(row[0], int(row[1])) for row in await session.execute(query)]
