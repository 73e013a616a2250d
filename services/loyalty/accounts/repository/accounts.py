"""Accounts and their holders: the own account, a member's account (a household's while
pooled), the locks a batch and a movement take, opening an account. Only the kernel's
service and its movements call them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Uuid,
    any_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.loyalty.accounts.models import (
    OWNER,
    Account,
    AccountHolder,
)
from services.loyalty.base import transaction_kept
from shared.db import AsyncSession, Prepared

_accounts = Account.__table__  # type: ignore[attr-defined]
_holders = AccountHolder.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AccountRow:
    account_id: uuid.UUID
    balance: int
    pooled_into: uuid.UUID | None = None


_OWNER: ColumnElement[str] = literal_column(f"'{OWNER}'")
"""Conditions of partial indexes are written into the statement, not bound: only then can
PostgreSQL use the index (owners, open lots) in a prepared statement's generic plan."""


def _owned_by(member_id: ColumnElement[uuid.UUID]) -> Select[Any]:
    return (
        select(_accounts.c.account_id, _accounts.c.balance, _accounts.c.pooled_into)
        .join(_holders, _holders.c.account_id == _accounts.c.account_id)
        .where(_holders.c.member_id == member_id, _holders.c.role == _OWNER)
    )


_OWN = _owned_by(bindparam("member_id", type_=Uuid))
_LOCKED_OWN = Prepared(_OWN.with_for_update(of=_accounts))
"""Built once (constructing a statement costs more CPU than running it), the lock prepared."""


async def own_account(
    session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False
) -> AccountRow | None:
    """The account the member owns, pooled or not; with ``lock``, its row held until the
    transaction ends (every movement takes it, so movements of one account queue up).

    With ``lock``, a row :func:`lock_in_order` locked and read in this transaction, and
    nothing wrote since, is answered from that read (once: the caller is about to move
    points on it), without a statement."""
    if lock:
        if (held := _held(session).pop(member_id, None)) is not None:
            return held
        rows = await _LOCKED_OWN.fetch(session, member_id=member_id)
        return AccountRow(*rows[0]) if rows else None
    row = (await session.execute(_OWN, {"member_id": member_id})).first()
    return AccountRow(*row) if row is not None else None


_pool = _accounts.alias("pool")


def _account_of(member_id: ColumnElement[uuid.UUID], *columns: str) -> Select[Any]:
    """The member's account's ``columns``: their household's while their own is pooled
    into it, else their own."""
    return (
        select(*(func.coalesce(_pool.c[name], _accounts.c[name]) for name in columns))
        .join(_holders, _holders.c.account_id == _accounts.c.account_id)
        .outerjoin(_pool, _pool.c.account_id == _accounts.c.pooled_into)
        .where(_holders.c.member_id == member_id, _holders.c.role == _OWNER)
    )


_ACCOUNT_OF = _account_of(bindparam("member_id", type_=Uuid), "account_id", "balance")
"""Built once: constructing the statement costs more CPU than running it."""


async def account_of(session: AsyncSession, member_id: uuid.UUID) -> AccountRow | None:
    """The account the member's points are on, unlocked: their household's while their
    own is pooled into it, else their own."""
    row = (await session.execute(_ACCOUNT_OF, {"member_id": member_id})).first()
    return AccountRow(*row) if row is not None else None


def account_id_of(member_id: ColumnElement[uuid.UUID]) -> ScalarSelect[uuid.UUID]:
    """The id of the account :func:`account_of` finds, as a scalar subquery (NULL when the
    member holds none), for another capability's statement to read in the same round trip;
    ``member_id`` is typically a bind parameter, so the statement is built once."""
    return _account_of(member_id, "account_id").scalar_subquery()


_LOCK_ACCOUNT = Prepared(
    select(_accounts.c.account_id, _accounts.c.balance, _accounts.c.pooled_into)
    .where(_accounts.c.account_id == bindparam("account_id", type_=Uuid))
    .with_for_update()
)


async def lock_account(session: AsyncSession, account_id: uuid.UUID) -> AccountRow | None:
    rows = await _LOCK_ACCOUNT.fetch(session, account_id=account_id)
    return AccountRow(*rows[0]) if rows else None


_OWN_IN_ORDER = Prepared(
    select(
        _accounts.c.account_id, _accounts.c.balance, _accounts.c.pooled_into, _holders.c.member_id
    )
    .join(_holders, _holders.c.account_id == _accounts.c.account_id)
    .where(
        _holders.c.role == _OWNER,
        (_holders.c.member_id == any_(bindparam("members", type_=ARRAY(Uuid))))
        | (_holders.c.account_id == any_(bindparam("accounts", type_=ARRAY(Uuid)))),
    )
    .order_by(_accounts.c.account_id)
    .with_for_update(of=_accounts)
)
"""The own accounts of the members and those of the accounts a member owns, with their
owners, locked in id order (PostgreSQL locks the rows as the sort hands them out; an
account has one owner, so each row once)."""

_HELD = "loyalty.accounts.held"


def _held(session: AsyncSession) -> dict[uuid.UUID, AccountRow]:
    """The own accounts :func:`lock_in_order` read under their lock in this transaction, by
    owner, less those used or written since: kept in ``session.info``, so a batch's
    movements do not lock again, one statement each, the rows it locked in one."""
    return transaction_kept(session, _HELD)


def forget_held(session: AsyncSession, account_id: uuid.UUID | None = None) -> None:
    """``account_id``'s row (None: every row) is written: a later lock reads it again."""
    held = _held(session)
    if account_id is None:
        held.clear()
        return
    for owner in [owner for owner, row in held.items() if row.account_id == account_id]:
        del held[owner]


_IN_ORDER = Prepared(
    select(_accounts.c.account_id)
    .where(_accounts.c.account_id == any_(bindparam("accounts", type_=ARRAY(Uuid))))
    .order_by(_accounts.c.account_id)
    .with_for_update()
)


async def lock_in_order(
    session: AsyncSession, member_ids: Sequence[uuid.UUID], account_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Locks the members' own accounts and the own ones of ``account_ids`` in id order, then
    the household accounts those are pooled into and the rest of ``account_ids`` in id
    order: one statement, two if any is a household's. The own accounts' rows are kept for
    :func:`own_account` to answer their next lock in this transaction. Returns the owners
    of those pooled into no household's."""
    own = [
        (row["member_id"], AccountRow(row["account_id"], row["balance"], row["pooled_into"]))
        for row in await _OWN_IN_ORDER.fetch(
            session, members=list(member_ids), accounts=list(account_ids)
        )
    ]
    _held(session).update(own)
    owned = {row.account_id for _, row in own}
    households = {row.pooled_into for _, row in own if row.pooled_into is not None}
    households |= set(account_ids) - owned
    if households:
        await _IN_ORDER.fetch(session, accounts=sorted(households))
    return {member_id for member_id, row in own if row.pooled_into is None}


@dataclass(frozen=True)
class Opened:
    account_id: uuid.UUID
    opened_at: datetime


async def open_account(session: AsyncSession, member_id: uuid.UUID) -> Opened | None:
    """Opens an account the member owns, in one statement; None if they own one already.

    The holder row goes in first, so a concurrent opening for the same member waits on the
    unique owner index and then finds the account, instead of leaving an account without a
    holder (both inserts' foreign keys are checked at the end of the statement).
    """
    holder = (
        pg_insert(_holders)
        .values(account_id=uuid.uuid4(), member_id=member_id, role=OWNER, since=func.now())
        .on_conflict_do_nothing(index_elements=["member_id"], index_where=text(f"role = '{OWNER}'"))
        .returning(_holders.c.account_id)
        .cte("holder")
    )
    account = (
        insert(_accounts)
        .from_select(
            ["account_id", "balance", "version", "created_at", "updated_at"],
            select(holder.c.account_id, literal(0), literal(1), func.now(), func.now()),
        )
        .returning(_accounts.c.account_id, _accounts.c.created_at)
        .cte("account")
    )
    row = (await session.execute(select(account.c.account_id, account.c.created_at))).first()
    return Opened(*row) if row is not None else None


async def owner_of(session: AsyncSession, account_id: uuid.UUID) -> uuid.UUID | None:
    query = select(_holders.c.member_id).where(
        _holders.c.account_id == account_id, _holders.c.role == _OWNER
    )
    return (await session.execute(query)).scalar_one_or_none()
