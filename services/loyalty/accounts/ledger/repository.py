"""Reads of the ledger: an account's entries, and entries with a shortfall."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import literal_column, select

from services.loyalty.accounts.domain import SourceType
from services.loyalty.accounts.models import OWNER, AccountHolder, LedgerEntry
from shared.db import AsyncSession

_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EntryRow:
    id: uuid.UUID
    seq: int
    source_type: SourceType
    source_id: uuid.UUID
    points: int
    balance_after: int
    shortfall: int
    reason: str | None
    created_at: datetime


_ENTRY_COLUMNS = [_ledger.c[field.name] for field in fields(EntryRow)]


async def entries(
    session: AsyncSession, account_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[EntryRow]:
    """The account's entries, newest first."""
    query = (
        select(*_ENTRY_COLUMNS)
        .where(_ledger.c.account_id == account_id)
        .order_by(_ledger.c.seq.desc())
        .limit(limit)
    )
    if before_seq is not None:
        query = query.where(_ledger.c.seq < before_seq)
    return [EntryRow(*row) for row in await session.execute(query)]


@dataclass(frozen=True)
class ShortfallRow:
    entry_id: uuid.UUID
    seq: int
    account_id: uuid.UUID
    member_id: uuid.UUID | None
    source_type: SourceType
    source_id: uuid.UUID
    shortfall: int
    created_at: datetime


async def shortfall_entries(session: AsyncSession, account_id: uuid.UUID) -> list[ShortfallRow]:
    """The account's entries with a shortfall, with its owner, oldest first."""
    query = (
        select(
            _ledger.c.id,
            _ledger.c.seq,
            _ledger.c.account_id,
            _holders.c.member_id,
            _ledger.c.source_type,
            _ledger.c.source_id,
            _ledger.c.shortfall,
            _ledger.c.created_at,
        )
        .select_from(_ledger)
        .outerjoin(
            _holders,
            (_holders.c.account_id == _ledger.c.account_id)
            & (_holders.c.role == literal_column(f"'{OWNER}'")),
        )
        .where(_ledger.c.shortfall > literal_column("0"), _ledger.c.account_id == account_id)
        .order_by(_ledger.c.seq)
    )
    return [ShortfallRow(*row) for row in await session.execute(query)]
