"""Queries of the points kernel: accounts, their holders and the ledger's movements (point
lots are :mod:`services.loyalty.accounts.lots.repository`). Only the kernel's service calls
them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    DateTime,
    Interval,
    ScalarSelect,
    Select,
    Uuid,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.accounts.domain import Source
from services.loyalty.accounts.models import (
    OWNER,
    Account,
    AccountHolder,
    LedgerEntry,
    PointLot,
)
from services.loyalty.base import transaction_kept
from shared.db import AsyncSession, Prepared

_accounts = Account.__table__  # type: ignore[attr-defined]
_holders = AccountHolder.__table__  # type: ignore[attr-defined]
_ledger = LedgerEntry.__table__  # type: ignore[attr-defined]
_lots = PointLot.__table__  # type: ignore[attr-defined]

Param = Callable[..., BindParameter[Any]]
"""``param(name, type_=None)``: a named parameter of the statement being built."""

Write = Callable[[ColumnElement[bool], Param], Insert | Update]


@dataclass(frozen=True)
class Along:
    """A write of another capability's own table that must happen exactly when a movement is
    recorded, sent in the movement's own statement (see :func:`record_movement`).

    ``write`` builds the INSERT or UPDATE from the condition "the entry was appended", which
    it holds in its WHERE, and names every value through ``param``: the statement is built
    once per shape and kept, so ``write`` must be a module-level function. ``values`` are
    this movement's, by the names ``write`` gave ``param``.
    """

    write: Write
    values: Mapping[str, Any]


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


@dataclass(frozen=True)
class Recorded:
    entry_id: uuid.UUID
    created_at: datetime


async def record_movement(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    source: Source,
    points: int,
    balance: int,
    shortfall: int,
    event_id: str | None,
    reason: str | None,
    lot_expires_at: datetime | None,
    lot_pending: timedelta,
    lot: bool,
    along: Sequence[Along],
) -> Recorded | None:
    """Appends the entry, sets the account's balance, makes the credit's lot and runs the
    ``along`` writes, in one statement; None, having written nothing, if the source was
    recorded before. Without ``lot`` a credit's lots are the caller's to open.

    The caller holds the account row, so ``balance`` (the balance after the movement) is
    still right; a debit's lots are the caller's to consume (:func:`consume_lots`).
    """
    statement = _movement_statement(lot, tuple(write.write for write in along))
    # named apart from every column: a parameter named after a column of an UPDATE's table
    # would become one more SET of that column
    values: dict[str, Any] = {
        "k_entry_id": uuid.uuid4(),
        "k_account_id": account_id,
        "k_source_type": source.type,
        "k_source_id": source.id,
        "k_points": points,
        "k_balance": balance,
        "k_shortfall": shortfall,
        "k_event_id": event_id,
        "k_reason": reason,
    }
    if lot:
        values |= {
            "k_lot_id": uuid.uuid4(),
            "k_lot_expires_at": lot_expires_at,
            "k_lot_pending": lot_pending,
        }
    for n, write in enumerate(along):
        values |= {f"w{n}_{name}": value for name, value in write.values.items()}
    forget_held(session, account_id)
    rows = await statement.fetch(session, **values)
    return Recorded(rows[0]["id"], rows[0]["created_at"]) if rows else None


_movement_statements: dict[tuple[bool, tuple[Write, ...]], Prepared] = {}


def _movement_statement(lot: bool, writes: tuple[Write, ...]) -> Prepared:
    """The movement's statement for its shape, built and compiled once, sent prepared: building
    it cost more CPU than sending it, and SQLAlchemy's execution of the one built once was
    still most of an earn's. ``along`` values convert by type (a purchase's lines are JSON)."""
    statement = _movement_statements.get((lot, writes))
    if statement is None:
        built = _build_movement(lot, writes)
        statement = _movement_statements[(lot, writes)] = Prepared(built, convert=True)
    return statement


def _build_movement(lot: bool, writes: tuple[Write, ...]) -> Select[uuid.UUID, datetime]:
    entry = (
        pg_insert(_ledger)
        .values(
            id=bindparam("k_entry_id"),
            account_id=bindparam("k_account_id"),
            source_type=bindparam("k_source_type"),
            source_id=bindparam("k_source_id"),
            points=bindparam("k_points"),
            balance_after=bindparam("k_balance"),
            shortfall=bindparam("k_shortfall"),
            event_id=bindparam("k_event_id"),
            reason=bindparam("k_reason"),
            created_at=func.clock_timestamp(),
        )
        .on_conflict_do_nothing(index_elements=["source_type", "source_id"])
        .returning(_ledger.c.id, _ledger.c.created_at)
        .cte("entry")
    )
    appended = exists(select(entry.c.id))
    parts: list[Insert | Update] = [
        update(_accounts)
        .where(_accounts.c.account_id == bindparam("k_account_id", type_=Uuid), appended)
        .values(
            balance=bindparam("k_balance", type_=BigInteger),
            version=_accounts.c.version + 1,
            updated_at=func.now(),
        )
    ]
    if lot:
        parts.append(
            insert(_lots).from_select(
                [
                    "lot_id",
                    "account_id",
                    "entry_id",
                    "points",
                    "remaining",
                    "earned_at",
                    "available_at",
                    "expires_at",
                ],
                select(
                    bindparam("k_lot_id", type_=Uuid),
                    bindparam("k_account_id", type_=Uuid),
                    entry.c.id,
                    bindparam("k_points", type_=BigInteger),
                    bindparam("k_points", type_=BigInteger),
                    entry.c.created_at,
                    entry.c.created_at + bindparam("k_lot_pending", type_=Interval),
                    bindparam("k_lot_expires_at", type_=DateTime(timezone=True)),
                ),
            )
        )
    for n, write in enumerate(writes):
        parts.append(write(appended, partial(_param, f"w{n}_")))
    return select(entry.c.id, entry.c.created_at).add_cte(
        *(part.cte(f"write_{n}") for n, part in enumerate(parts))
    )


def _param(prefix: str, name: str, type_: Any = None) -> BindParameter[Any]:
    return bindparam(prefix + name, type_=type_)
