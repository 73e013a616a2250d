"""The ledger's movement: one statement that appends the entry, sets the account's balance,
makes a credit's lot and runs the other capabilities' writes that go with it
(:class:`Along`). Only the kernel's service calls it."""

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
    Select,
    Uuid,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Insert, Update

from services.loyalty.accounts.domain import Source
from services.loyalty.accounts.models import (
    Account,
    LedgerEntry,
    PointLot,
)
from services.loyalty.accounts.repository.accounts import forget_held
from shared.db import AsyncSession, Prepared

_accounts = Account.__table__  # type: ignore[attr-defined]
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
