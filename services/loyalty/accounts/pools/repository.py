"""Queries of pooled accounts: an account no one owns, and the members who hold it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Uuid, bindparam, func, insert, select, update

from services.loyalty.accounts.models import HOUSEHOLD, Account, AccountHolder, Pooling
from services.loyalty.accounts.repository.accounts import forget_held
from shared.db import AsyncSession

_accounts = Account.__table__  # type: ignore[attr-defined]
_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_poolings = Pooling.__table__  # type: ignore[attr-defined]

_LEDGER_SEQ = func.nextval(func.pg_get_serial_sequence("loyalty.ledger_entries", "seq"))
"""The next position in the ledger's order: a pooling's ends are drawn from it."""


async def open_pool(session: AsyncSession) -> uuid.UUID:
    """Opens an account no one owns (a household's), empty; its holders join it."""
    account_id = uuid.uuid4()
    await session.execute(
        insert(_accounts).values(
            account_id=account_id,
            balance=0,
            version=1,
            created_at=func.now(),
            updated_at=func.now(),
        )
    )
    return account_id


async def pool(
    session: AsyncSession, member_id: uuid.UUID, own: uuid.UUID, pool_id: uuid.UUID
) -> None:
    """The member holds the pool, and their own account (whose row the caller holds) points
    to it from this position in the ledger's order on."""
    await session.execute(
        insert(_poolings).values(account_id=own, from_seq=_LEDGER_SEQ, pooled_into=pool_id)
    )
    await session.execute(
        insert(_holders).values(
            account_id=pool_id, member_id=member_id, role=HOUSEHOLD, since=func.now()
        )
    )
    forget_held(session, own)
    await session.execute(
        update(_accounts).where(_accounts.c.account_id == own).values(pooled_into=pool_id)
    )


async def unpool(
    session: AsyncSession, member_id: uuid.UUID, own: uuid.UUID, pool_id: uuid.UUID
) -> None:
    """The member no longer holds the pool; their own account (whose row the caller holds)
    is its own again from this position in the ledger's order on."""
    await session.execute(
        _holders.delete().where(
            _holders.c.account_id == pool_id,
            _holders.c.member_id == member_id,
            _holders.c.role == HOUSEHOLD,
        )
    )
    forget_held(session, own)
    await session.execute(
        update(_accounts).where(_accounts.c.account_id == own).values(pooled_into=None)
    )
    await session.execute(
        update(_poolings)
        .where(_poolings.c.account_id == own, _poolings.c.until_seq.is_(None))
        .values(until_seq=_LEDGER_SEQ)
    )


@dataclass(frozen=True)
class HolderRow:
    member_id: uuid.UUID
    since: datetime


_HOLDERS = (
    select(_holders.c.member_id, _holders.c.since)
    .where(_holders.c.account_id == bindparam("account_id", type_=Uuid))
    .order_by(_holders.c.since, _holders.c.member_id)
)
_HOUSEHOLD_HOLDERS = _HOLDERS.where(_holders.c.role == HOUSEHOLD)
"""Built once: constructing a statement costs more CPU than running it (a household's
purchase sends it)."""


async def holders(
    session: AsyncSession, account_id: uuid.UUID, *, household: bool = False
) -> list[HolderRow]:
    """Who holds the account, the longest-standing first; with ``household``, only its
    household members (none for an account someone owns)."""
    query = _HOUSEHOLD_HOLDERS if household else _HOLDERS
    return [HolderRow(*row) for row in await session.execute(query, {"account_id": account_id})]
