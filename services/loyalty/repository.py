"""Queries of the loyalty schema."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, text, update
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
    await session.execute(
        update(Account)
        .where(col(Account.member_id) == member_id)
        .values(
            balance=balance,
            qualifying_spend_fen=qualifying_spend_fen,
            tier_code=tier_code,
            version=col(Account.version) + 1,
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


async def add_purchase(
    session: AsyncSession,
    purchase_id: uuid.UUID,
    member_id: uuid.UUID,
    total_fen: int,
    tier_code: str,
    points_earned: int,
) -> None:
    await session.execute(
        insert(Purchase).values(
            purchase_id=purchase_id,
            member_id=member_id,
            total_fen=total_fen,
            tier_code=tier_code,
            points_earned=points_earned,
            points_reversed=0,
            returned_fen=0,
            created_at=func.now(),
        )
    )


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
