"""Stored-value events (``loyalty.wallet.*``), emitted in the transaction of the ledger
entry they announce."""

from __future__ import annotations

import uuid
from typing import Any

from services.loyalty.base import emit
from services.loyalty.wallets.domain import Split, TillPayment
from services.loyalty.wallets.models import Wallet, WalletLot
from shared.db import AsyncSession
from shared.events.wallet import (
    WalletDeposited,
    WalletDepositRefunded,
    WalletHeld,
    WalletRefunded,
    WalletReleased,
    WalletRetaken,
)


def _about(lot: WalletLot, wallet: Wallet, member_id: uuid.UUID) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "account_id": lot.account_id,
        "deposit_id": lot.lot_id,
        "store_id": lot.store_id,
        "principal_balance_fen": wallet.principal_fen,
        "bonus_balance_fen": wallet.bonus_fen,
    }


async def deposited(session: AsyncSession, lot: WalletLot, wallet: Wallet) -> None:
    await emit(
        session,
        WalletDeposited(
            **_about(lot, wallet, lot.member_id),
            principal_fen=lot.principal_fen,
            bonus_fen=lot.bonus_fen,
            rule_version=lot.rule_version,
        ),
    )


async def deposit_refunded(
    session: AsyncSession, lot: WalletLot, wallet: Wallet, left: Split, member_id: uuid.UUID
) -> None:
    await emit(
        session,
        WalletDepositRefunded(
            **_about(lot, wallet, member_id),
            refunded_fen=left.principal,
            forfeited_bonus_fen=left.bonus,
        ),
    )


def _paid(payment: TillPayment, wallet: Wallet, moved: Split) -> dict[str, Any]:
    return {
        "member_id": payment.member_id,
        "account_id": payment.account_id,
        "reservation_id": payment.reservation_id,
        "store_id": payment.store_id,
        "amount_fen": moved.total,
        "principal_fen": moved.principal,
        "bonus_fen": moved.bonus,
        "principal_balance_fen": wallet.principal_fen,
        "bonus_balance_fen": wallet.bonus_fen,
    }


async def held(session: AsyncSession, payment: TillPayment, wallet: Wallet, taken: Split) -> None:
    await emit(session, WalletHeld(**_paid(payment, wallet, taken)))


async def released(
    session: AsyncSession,
    payment: TillPayment,
    wallet: Wallet,
    given: Split,
    *,
    reason: str,
    purchase_id: uuid.UUID | None,
) -> None:
    await emit(
        session,
        WalletReleased(**_paid(payment, wallet, given), reason=reason, purchase_id=purchase_id),
    )


async def refunded(
    session: AsyncSession,
    payment: TillPayment,
    wallet: Wallet,
    given: Split,
    *,
    purchase_id: uuid.UUID,
    return_id: uuid.UUID | None,
) -> None:
    await emit(
        session,
        WalletRefunded(
            **_paid(payment, wallet, given), purchase_id=purchase_id, return_id=return_id
        ),
    )


async def retaken(
    session: AsyncSession,
    payment: TillPayment,
    wallet: Wallet,
    taken: Split,
    *,
    purchase_id: uuid.UUID,
    shortfall_fen: int,
) -> None:
    await emit(
        session,
        WalletRetaken(
            **_paid(payment, wallet, taken), purchase_id=purchase_id, shortfall_fen=shortfall_fen
        ),
    )
