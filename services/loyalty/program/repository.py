"""Queries of the program's tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import delete, insert
from sqlmodel import col, select

from services.loyalty.program.models import EarningRule, Tier
from shared.db import AsyncSession


async def ladder(session: AsyncSession) -> list[Tier]:
    query = select(Tier).order_by(col(Tier.threshold_fen))
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())


async def replace_tiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(delete(Tier))
    await session.execute(insert(Tier), list(rows))


async def earning_rule(
    session: AsyncSession, *, lock: Literal["share", "update"] | None = None
) -> EarningRule:
    """The program's lock row; ``lock`` is ``"share"`` for point changes, ``"update"`` for
    changes of the program."""
    query = select(EarningRule).where(EarningRule.id == 1)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    return (await session.scalars(query.execution_options(populate_existing=True))).one()
