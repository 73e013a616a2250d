"""Stored-value events (``loyalty.wallet.*``), emitted in the transaction of the ledger
entry they announce."""

from __future__ import annotations

import uuid
from typing import Any

from services.loyalty.base import emit
from services.loyalty.wallets.domain import Split
from services.loyalty.wallets.models import Wallet, WalletLot
from shared.db import AsyncSession
from shared.events.wallet import WalletDeposited, WalletDepositRefunded


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
