"""Queries of the program's tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import FromClause, Select, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from services.loyalty.program.models import KEPT_READS, EarningRule, Tier, kept_versions
from shared.db import AsyncSession


async def ladder(session: AsyncSession) -> list[Tier]:
    query = select(Tier).order_by(col(Tier.threshold_fen))
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())


async def replace_tiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(delete(Tier))
    await session.execute(insert(Tier), list(rows))


def _share_query() -> Select[Any]:
    rows = [kept_versions.alias(f"kept_{name}") for name in KEPT_READS]
    joined: FromClause = EarningRule.__table__  # type: ignore[attr-defined]
    for name, row in zip(KEPT_READS, rows, strict=True):
        joined = joined.join(row, row.c.name == name)
    tokens = [row.c.version for row in rows]
    return (
        sa_select(col(EarningRule.version), *tokens)
        .select_from(joined)
        .where(col(EarningRule.id) == 1)
        .with_for_update(read=True, of=EarningRule)
    )


_SHARE = _share_query()
"""Built once: constructing the statement costs more CPU than running it."""


async def share_program(session: AsyncSession) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """Holds the program's lock row ``FOR SHARE`` (point changes) and returns the tokens of
    the program's kept reads: the row's own, fresh even when the lock was granted after a
    change under it committed (PostgreSQL reads a row it waited for anew), and each
    ``kept_versions`` row's by name (``KEPT_READS``), as of the statement's start."""
    found = (await session.execute(_SHARE)).one()
    return found[0], dict(zip(KEPT_READS, found[1:], strict=True))


async def change_program(session: AsyncSession) -> None:
    """Takes the program's lock row for a change of the program, waiting for the point
    changes under way, and gives it a new token (in the transaction, so a point change
    waiting for the lock reads the token the change committed)."""
    query = update(EarningRule).where(col(EarningRule.id) == 1)
    await session.execute(query.values(version=func.gen_random_uuid()))
