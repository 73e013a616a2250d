"""Loyalty's stored-value (储值) events, published on ``loyalty.events``: money paid into
a wallet and paid back. Ids and fen only; keyed by the member who moved it, the account
(whose wallet it is) as subject."""

from __future__ import annotations

import uuid
from typing import ClassVar

from shared.events.envelope import EventPayload


class _WalletMoved(EventPayload):
    """What every wallet event says: whose wallet, which deposit (lot), which store took
    the money, and the wallet's principal and bonus after the movement (fen)."""

    subject_field: ClassVar[str] = "account_id"

    member_id: uuid.UUID
    account_id: uuid.UUID
    deposit_id: uuid.UUID
    store_id: uuid.UUID
    principal_balance_fen: int
    bonus_balance_fen: int


class WalletDeposited(_WalletMoved):
    """``principal_fen`` was paid in, ``bonus_fen`` given on top by rule ``rule_version``
    (None: no rules set)."""

    event_type: ClassVar[str] = "loyalty.wallet.deposited"

    principal_fen: int
    bonus_fen: int
    rule_version: int | None


class WalletDepositRefunded(_WalletMoved):
    """The deposit's unspent principal (``refunded_fen``) was paid back to the customer and
    its unspent bonus (``forfeited_bonus_fen``) forfeited."""

    event_type: ClassVar[str] = "loyalty.wallet.deposit_refunded"

    refunded_fen: int
    forfeited_bonus_fen: int
