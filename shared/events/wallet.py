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


class _WalletPaid(EventPayload):
    """What every event of stored value at a till says: whose wallet, which reservation,
    at which store's till, the fen moved (positive) in its principal and bonus parts, and
    the wallet's principal and bonus after."""

    subject_field: ClassVar[str] = "account_id"

    member_id: uuid.UUID
    account_id: uuid.UUID
    reservation_id: uuid.UUID
    store_id: uuid.UUID
    amount_fen: int
    principal_fen: int
    bonus_fen: int
    principal_balance_fen: int
    bonus_balance_fen: int


class WalletHeld(_WalletPaid):
    """A till's hold took ``amount_fen`` off the wallet for a sale in progress."""

    event_type: ClassVar[str] = "loyalty.wallet.held"


class WalletReleased(_WalletPaid):
    """A hold came back: ``void`` (the till), ``sale_failed`` or ``timeout`` (the sweep)."""

    event_type: ClassVar[str] = "loyalty.wallet.released"

    reason: str
    purchase_id: uuid.UUID | None


class WalletRefunded(_WalletPaid):
    """A return (``return_id``) or a void (``return_id`` None) of a sale paid from the
    wallet credited its share back."""

    event_type: ClassVar[str] = "loyalty.wallet.refunded"

    purchase_id: uuid.UUID
    return_id: uuid.UUID | None


class WalletRetaken(_WalletPaid):
    """A sale's event came after the sweep had released its hold: the sale did use the
    money, so it was taken again, as far as the wallet had it (``shortfall_fen`` not)."""

    event_type: ClassVar[str] = "loyalty.wallet.retaken"

    purchase_id: uuid.UUID
    shortfall_fen: int
