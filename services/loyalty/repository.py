"""Queries of the loyalty schema."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, text, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select

from services.loyalty.models import Account, EarningRule, LedgerEntry, Purchase, Tier
from shared.db import AsyncSession


async def ladder(session: AsyncSession) -> list[Tier]:
    query = select(Tier).order_by(col(Tier.threshold_fen))
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())


async def replace_tiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(delete(Tier))
    await session.execute(insert(Tier), list(rows))


async def earning_rule(session: AsyncSession, *, lock: str | None = None) -> EarningRule:
    """The program row; ``lock`` is ``"share"`` for point changes, ``"update"`` for config."""
    query = select(EarningRule).where(EarningRule.id == 1)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    return (await session.scalars(query.execution_options(populate_existing=True))).one()


async def save_earning_rule(
    session: AsyncSession, points_per_yuan: int, multipliers: dict[str, int]
) -> None:
    await session.execute(
        update(EarningRule)
        .where(col(EarningRule.id) == 1)
        .values(
            points_per_yuan=points_per_yuan,
            tier_multipliers_percent=multipliers,
            updated_at=func.now(),
        )
    )


async def open_account(session: AsyncSession, member_id: uuid.UUID, tier_code: str) -> None:
    await session.execute(
        pg_insert(Account)
        .values(
            member_id=member_id,
            tier_code=tier_code,
            balance=0,
            qualifying_spend_fen=0,
            version=1,
            created_at=func.now(),
            updated_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id"])
    )


async def account(
    session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False
) -> Account | None:
    query = select(Account).where(Account.member_id == member_id)
    if lock:  # every balance change holds the account row until its transaction ends
        query = query.with_for_update()
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


@dataclass(frozen=True)
class LockedAccount:
    """What a point change needs of an account whose row it holds ``FOR UPDATE``."""

    member_id: uuid.UUID
    tier_code: str
    balance: int
    qualifying_spend_fen: int


_accounts = Account.__table__  # type: ignore[attr-defined]
_locked_columns = (
    _accounts.c.member_id,
    _accounts.c.tier_code,
    _accounts.c.balance,
    _accounts.c.qualifying_spend_fen,
)


async def lock_account(session: AsyncSession, member_id: uuid.UUID) -> LockedAccount | None:
    """The account, its row locked until the transaction ends; every balance change takes it."""
    query = select_columns(*_locked_columns).where(_accounts.c.member_id == member_id)
    row = (await session.execute(query.with_for_update())).first()
    return LockedAccount(*row) if row is not None else None


async def open_locked_account(
    session: AsyncSession, member_id: uuid.UUID, tier_code: str
) -> LockedAccount:
    """Opens the account (a row we insert is ours until commit), or locks the one that a
    concurrent transaction opened first."""
    opened = await session.execute(
        pg_insert(_accounts)
        .values(
            member_id=member_id,
            tier_code=tier_code,
            balance=0,
            qualifying_spend_fen=0,
            version=1,
            created_at=func.now(),
            updated_at=func.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(*_locked_columns)
    )
    row = opened.first()
    if row is not None:
        return LockedAccount(*row)
    account = await lock_account(session, member_id)
    assert account is not None
    return account


async def accounts_off_ladder(session: AsyncSession, codes: Sequence[str]) -> list[Account]:
    query = (
        select(Account)
        .where(col(Account.tier_code).not_in(codes))
        .order_by(col(Account.member_id))
        .with_for_update()
    )
    return list((await session.scalars(query.execution_options(populate_existing=True))).all())


async def save_account(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    balance: int,
    qualifying_spend_fen: int,
    tier_code: str,
) -> None:
    """A plain UPDATE of the table: no loaded ``Account`` is kept in step with it."""
    await session.execute(
        update(_accounts)
        .where(_accounts.c.member_id == member_id)
        .values(
            balance=balance,
            qualifying_spend_fen=qualifying_spend_fen,
            tier_code=tier_code,
            version=_accounts.c.version + 1,
            updated_at=func.now(),
        )
    )


async def move_tiers(session: AsyncSession, moves: Sequence[tuple[uuid.UUID, str]]) -> None:
    if not moves:
        return
    await session.execute(
        text(
            "UPDATE loyalty.accounts SET tier_code = :tier_code, version = version + 1, "
            "updated_at = now() WHERE member_id = :member_id"
        ),
        [{"member_id": member_id, "tier_code": code} for member_id, code in moves],
    )


async def append_entry(session: AsyncSession, entry: LedgerEntry) -> None:
    session.add(entry)
    await session.flush()


async def entries(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[LedgerEntry]:
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.member_id == member_id)
        .order_by(col(LedgerEntry.seq).desc())
        .limit(limit)
    )
    if before_seq is not None:
        query = query.where(col(LedgerEntry.seq) < before_seq)
    return list((await session.scalars(query)).all())


async def reversal_of(session: AsyncSession, return_id: uuid.UUID) -> LedgerEntry | None:
    query = select(LedgerEntry).where(LedgerEntry.return_id == return_id)
    return (await session.scalars(query)).first()


async def purchase(session: AsyncSession, purchase_id: uuid.UUID) -> Purchase | None:
    query = select(Purchase).where(Purchase.purchase_id == purchase_id)
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


_RECORD_EARN = text(
    """
    WITH purchase AS (
        INSERT INTO loyalty.purchases (purchase_id, member_id, total_fen, tier_code,
                                       points_earned, points_reversed, returned_fen, created_at)
        VALUES (:purchase_id, :member_id, :total_fen, :tier_before, :points, 0, 0, now())
        ON CONFLICT (purchase_id) DO NOTHING
        RETURNING purchase_id
    ), entry AS (
        INSERT INTO loyalty.ledger_entries (id, member_id, kind, points, balance_after,
                                            shortfall, purchase_id, event_id, created_at)
        SELECT CAST(:entry_id AS uuid), CAST(:member_id AS uuid), 'earn',
               CAST(:points AS bigint), CAST(:balance AS bigint), 0, purchase_id,
               CAST(:event_id AS varchar), clock_timestamp()
        FROM purchase
    ), account AS (
        UPDATE loyalty.accounts
        SET balance = :balance, qualifying_spend_fen = :spend, tier_code = :tier_after,
            version = version + 1, updated_at = now()
        WHERE member_id = :member_id AND EXISTS (SELECT FROM purchase)
    )
    SELECT count(*) FROM purchase
    """
)


async def record_earn(
    session: AsyncSession,
    *,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    total_fen: int,
    tier_before: str,
    points: int,
    entry_id: uuid.UUID,
    event_id: str | None,
    balance: int,
    spend: int,
    tier_after: str,
) -> bool:
    """Records the purchase, its earn entry and the account's new figures in one round trip.

    Returns False, having written nothing, if the purchase was recorded before. The caller
    holds the account row, so the balance it computed is still the account's.
    """
    recorded: int | None = await session.scalar(
        _RECORD_EARN,
        {
            "purchase_id": purchase_id,
            "member_id": member_id,
            "total_fen": total_fen,
            "tier_before": tier_before,
            "points": points,
            "entry_id": entry_id,
            "event_id": event_id,
            "balance": balance,
            "spend": spend,
            "tier_after": tier_after,
        },
    )
    return recorded == 1


async def record_reversal(
    session: AsyncSession, purchase_id: uuid.UUID, points: int, returned_fen: int
) -> None:
    await session.execute(
        update(Purchase)
        .where(col(Purchase.purchase_id) == purchase_id)
        .values(
            points_reversed=col(Purchase.points_reversed) + points,
            returned_fen=col(Purchase.returned_fen) + returned_fen,
        )
    )
