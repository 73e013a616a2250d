"""Queries of point lots: open lots of an account, lots expiring, a movement's lot, what
lots keep after a debit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, literal_column, select, tuple_, update

from services.loyalty.accounts.domain import OpenLot, Source
from services.loyalty.accounts.models import LedgerEntry, PointLot
from shared.db import AsyncSession

_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_lots = PointLot.__table__  # type: ignore[attr-defined]


async def open_lots(session: AsyncSession, account_id: uuid.UUID) -> list[OpenLot]:
    query = select(
        _lots.c.lot_id,
        _lots.c.remaining,
        _lots.c.earned_at,
        _lots.c.expires_at,
        _lots.c.available_at,
    ).where(_lots.c.account_id == account_id, _lots.c.remaining > literal_column("0"))
    return [OpenLot(*row) for row in await session.execute(query)]


@dataclass(frozen=True)
class ExpiringLot:
    account_id: uuid.UUID
    lot_id: uuid.UUID
    remaining: int
    expires_at: datetime


async def expiring_lots(
    session: AsyncSession,
    *,
    after: datetime | None,
    until: datetime,
    following: tuple[uuid.UUID, uuid.UUID] | None,
    limit: int,
) -> list[ExpiringLot]:
    query = (
        select(_lots.c.account_id, _lots.c.lot_id, _lots.c.remaining, _lots.c.expires_at)
        .where(
            _lots.c.remaining > literal_column("0"),
            _lots.c.expires_at.is_not(None),
            _lots.c.expires_at <= until,
        )
        .order_by(_lots.c.account_id, _lots.c.lot_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(_lots.c.expires_at > after)
    if following is not None:
        query = query.where(tuple_(_lots.c.account_id, _lots.c.lot_id) > tuple_(*following))
    return [ExpiringLot(*row) for row in await session.execute(query)]


async def lot_of(session: AsyncSession, source: Source) -> uuid.UUID | None:
    query = (
        select(_lots.c.lot_id)
        .join(_ledger, _ledger.c.id == _lots.c.entry_id)
        .where(_ledger.c.source_type == source.type, _ledger.c.source_id == source.id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def consume_lots(session: AsyncSession, kept: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Sets what each lot keeps after a debit."""
    if not kept:
        return
    await session.execute(
        update(_lots)
        .where(_lots.c.lot_id == bindparam("lot"))
        .values(remaining=bindparam("keeps")),
        [{"lot": lot_id, "keeps": remaining} for lot_id, remaining in kept],
    )
