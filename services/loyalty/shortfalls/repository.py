"""Queries of the shortfalls' recoveries, and the listing of shortfalls with them.

The listing reads the kernel's ledger and holders (never writes them): whether a
shortfall is outstanding is its entry's ``shortfall`` against its recoveries, and a page
filtered by it must be chosen by the database, not after reading.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, insert, literal_column, select, true

from services.loyalty.accounts.domain import SourceType
from services.loyalty.accounts.models import OWNER, AccountHolder, LedgerEntry
from services.loyalty.shortfalls.domain import ShortfallStatus
from services.loyalty.shortfalls.models import Recovery
from shared.db import AsyncSession

_recoveries: Table = Recovery.__table__  # type: ignore[attr-defined]
_ledger: Table = LedgerEntry.__table__  # type: ignore[attr-defined]
_holders: Table = AccountHolder.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Listed:
    """A reversal entry with a shortfall, its account's owner (None for a household's),
    and the points paid back of it so far."""

    entry_id: uuid.UUID
    seq: int
    account_id: uuid.UUID
    member_id: uuid.UUID | None
    source_type: SourceType
    source_id: uuid.UUID
    shortfall: int
    recovered: int
    created_at: datetime


async def listed(
    session: AsyncSession,
    *,
    status: ShortfallStatus | None,
    member_id: uuid.UUID | None,
    limit: int,
    before_seq: int | None,
) -> list[Listed]:
    """Entries with a shortfall, newest first: outstanding or settled ones (all if
    ``status`` is None), on the accounts ``member_id`` holds now (all if None)."""
    owner = _holders.alias("owner")
    paid = (
        select(func.coalesce(func.sum(_recoveries.c.points), 0).label("points"))
        .where(_recoveries.c.entry_id == _ledger.c.id)
        .lateral("paid")
    )
    query = (
        select(
            _ledger.c.id,
            _ledger.c.seq,
            _ledger.c.account_id,
            owner.c.member_id,
            _ledger.c.source_type,
            _ledger.c.source_id,
            _ledger.c.shortfall,
            paid.c.points,
            _ledger.c.created_at,
        )
        .select_from(_ledger)
        .outerjoin(
            owner,
            (owner.c.account_id == _ledger.c.account_id)
            & (owner.c.role == literal_column(f"'{OWNER}'")),
        )
        .join(paid, true())
        .where(_ledger.c.shortfall > literal_column("0"))
        .order_by(_ledger.c.seq.desc())
        .limit(limit)
    )
    if status == "outstanding":
        query = query.where(_ledger.c.shortfall > paid.c.points)
    elif status == "settled":
        query = query.where(_ledger.c.shortfall <= paid.c.points)
    if member_id is not None:
        held = select(_holders.c.account_id).where(_holders.c.member_id == member_id)
        query = query.where(_ledger.c.account_id.in_(held))
    if before_seq is not None:
        query = query.where(_ledger.c.seq < before_seq)
    return [Listed(*row) for row in await session.execute(query)]


async def recovered(
    session: AsyncSession, entry_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Points paid back so far of each of these reversal entries' shortfalls."""
    if not entry_ids:
        return {}
    query = (
        select(_recoveries.c.entry_id, func.sum(_recoveries.c.points))
        .where(_recoveries.c.entry_id.in_(entry_ids))
        .group_by(_recoveries.c.entry_id)
    )
    return {entry_id: int(points) for entry_id, points in await session.execute(query)}


async def record(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    account_id: uuid.UUID,
    paid: Sequence[tuple[uuid.UUID, int]],
) -> None:
    await session.execute(
        insert(_recoveries).values(
            [
                {
                    "purchase_id": purchase_id,
                    "entry_id": entry_id,
                    "account_id": account_id,
                    "points": points,
                    "created_at": func.now(),
                }
                for entry_id, points in paid
            ]
        )
    )
