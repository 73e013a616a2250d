"""Queries of stored value. The wallet row is the lock every movement takes first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from services.loyalty.wallets.models import (
    PAYMENT_CREDITS,
    PAYMENT_DEBITS,
    BonusRules,
    Wallet,
    WalletEntry,
    WalletLot,
)
from shared.db import AsyncSession


async def locked_wallet(session: AsyncSession, account_id: uuid.UUID) -> Wallet:
    """The account's wallet, opened empty if it has none, its row locked."""
    await session.execute(
        insert(Wallet)
        .values(account_id=account_id, principal_fen=0, bonus_fen=0, updated_at=func.now())
        .on_conflict_do_nothing()
    )
    wallet = await session.scalar(
        select(Wallet)
        .where(Wallet.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert wallet is not None
    return wallet


async def wallet(session: AsyncSession, account_id: uuid.UUID) -> Wallet | None:
    return await session.get(Wallet, account_id)


async def lot(session: AsyncSession, lot_id: uuid.UUID, *, lock: bool = False) -> WalletLot | None:
    query = select(WalletLot).where(WalletLot.lot_id == lot_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def add(session: AsyncSession, *rows: WalletLot | WalletEntry) -> None:
    session.add_all(rows)
    await session.flush()


async def entries(
    session: AsyncSession, account_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[WalletEntry]:
    """``limit`` of the account's ledger entries, the latest first (by ``seq``), those
    before position ``before_seq`` when given."""
    query = select(WalletEntry).where(WalletEntry.account_id == account_id)
    if before_seq is not None:
        query = query.where(col(WalletEntry.seq) < before_seq)
    query = query.order_by(col(WalletEntry.seq).desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def rules(session: AsyncSession) -> BonusRules | None:
    """The deposit-bonus rules in force (the highest version), if any were set."""
    query = select(BonusRules).order_by(col(BonusRules.version).desc()).limit(1)
    return await session.scalar(query)


async def add_rules(session: AsyncSession, tiers: list[dict[str, Any]], by: str) -> BonusRules:
    """A new version after the highest; racing changes take their turns on a transaction
    lock, so each gets a version of its own."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('loyalty.wallet_bonus_rules'))")
    )
    latest = await session.scalar(select(func.coalesce(func.max(BonusRules.version), 0)))
    row = BonusRules(version=int(latest or 0) + 1, tiers=tiers, set_by=by)
    session.add(row)
    await session.flush()
    return row


async def liability(session: AsyncSession, until: datetime) -> list[tuple[uuid.UUID, int, int]]:
    """``(store, principal, bonus)`` summed over the ledger's entries made before ``until``,
    per issuing store, stores in id order; stores whose sums are both 0 are left out."""
    principal = func.sum(WalletEntry.principal_fen)
    bonus = func.sum(WalletEntry.bonus_fen)
    query = (
        select(WalletEntry.store_id, principal, bonus)
        .where(col(WalletEntry.created_at) < until)
        .group_by(col(WalletEntry.store_id))
        .having((principal != 0) | (bonus != 0))
        .order_by(col(WalletEntry.store_id))
    )
    return [(row[0], int(row[1]), int(row[2])) for row in await session.execute(query)]


async def open_lots(session: AsyncSession, account_id: uuid.UUID) -> list[WalletLot]:
    """The account's lots with value left, oldest first, locked (the wallet row is locked
    already, so no other movement waits on them)."""
    query = (
        select(WalletLot)
        .where(WalletLot.account_id == account_id, col(WalletLot.remaining_fen) > 0)
        .order_by(col(WalletLot.created_at), col(WalletLot.lot_id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())


async def drawn_by(
    session: AsyncSession, reservation_id: uuid.UUID
) -> list[tuple[WalletLot, int, int]]:
    """``(lot, drawn, restored)`` for each lot a reservation's payment drew on, in the
    order it drew them, the lots locked: fen its debits took and its credits gave back."""
    entries = (
        select(
            WalletEntry.lot_id,
            func.min(WalletEntry.seq).label("first"),
            func.sum(WalletEntry.principal_fen + WalletEntry.bonus_fen)
            .filter(col(WalletEntry.kind).in_(PAYMENT_DEBITS))
            .label("drawn"),
            func.sum(WalletEntry.principal_fen + WalletEntry.bonus_fen)
            .filter(col(WalletEntry.kind).in_(PAYMENT_CREDITS))
            .label("restored"),
        )
        .where(WalletEntry.reservation_id == reservation_id)
        .group_by(col(WalletEntry.lot_id))
    )
    rows = (await session.execute(entries)).all()
    order = sorted(rows, key=lambda row: row.first)
    lots = {
        lot.lot_id: lot
        for lot in await session.scalars(
            select(WalletLot)
            .where(col(WalletLot.lot_id).in_([row.lot_id for row in rows]))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    return [(lots[row.lot_id], -int(row.drawn or 0), int(row.restored or 0)) for row in order]


async def recorded(session: AsyncSession, kind: str, source_id: uuid.UUID) -> bool:
    """Whether a movement of ``kind`` by ``source_id`` is in the ledger already."""
    query = select(WalletEntry.id).where(
        WalletEntry.kind == kind, WalletEntry.source_id == source_id
    )
    return (await session.scalar(query.limit(1))) is not None
