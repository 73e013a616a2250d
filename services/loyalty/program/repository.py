"""Queries of the program's tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select

from services.loyalty.program.models import EarningRule, Tier, kept_versions
from shared.db import AsyncSession


async def ladder(session: AsyncSession) -> list[Tier]:
    query = select(Tier).order_by(col(Tier.threshold_fen))
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())


async def replace_tiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(delete(Tier))
    await session.execute(insert(Tier), list(rows))


async def share_program(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
    """Holds the program's lock row ``FOR SHARE`` (point changes) and returns the tokens of
    the program's kept reads: the row's own, fresh even when the lock was granted after a
    change under it committed (PostgreSQL reads a row it waited for anew), and the
    ``kept_versions`` row's, as of the statement's start."""
    kept = kept_versions.c
    query = (
        select(col(EarningRule.version), kept.version)
        .join_from(EarningRule, kept_versions, kept.name == "program")
        .where(col(EarningRule.id) == 1)
        .with_for_update(read=True, of=EarningRule)
    )
    row = (await session.execute(query)).one()
    return row[0], row[1]


async def change_program(session: AsyncSession) -> None:
    """Takes the program's lock row for a change of the program, waiting for the point
    changes under way, and gives it a new token (in the transaction, so a point change
    waiting for the lock reads the token the change committed)."""
    query = update(EarningRule).where(col(EarningRule.id) == 1)
    await session.execute(query.values(version=func.gen_random_uuid()))
