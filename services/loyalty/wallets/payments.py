"""Stored value as a till tender: the wallet kernel's debits and credits for a
reservation (points at the till's flow, :mod:`services.loyalty.reservations`).

A payment takes its fen off the wallet at once, from the oldest lots, each lot's
principal and bonus in proportion (:func:`services.loyalty.wallets.domain.draws`), one
``payment`` entry per lot, source the reservation. Giving back (a release, a sale's
refund) puts fen into the lots the payment drew on, the last drawn first, never more into
a lot than it gave (:func:`~services.loyalty.wallets.domain.restorations`), so a
payment's releases and refunds add up to exactly what it took, split as it was taken. A
lot refunded to the customer since is credited too: that value is spendable again, not
refundable as cash a second time (its deposit's refund is once).

Every movement locks the wallet row first, then its lots. Use cases flush, never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from services.loyalty.wallets import domain, events, repository
from services.loyalty.wallets.domain import Draw, Drawn, Lot, Split, TillPayment
from services.loyalty.wallets.errors import InsufficientStoredValue
from services.loyalty.wallets.models import Wallet, WalletEntry, WalletLot
from shared.db import AsyncSession


def _lot(row: WalletLot) -> Lot:
    return Lot(row.lot_id, row.store_id, row.principal_fen, row.bonus_fen, row.remaining_fen)


async def _record(
    session: AsyncSession,
    wallet: Wallet,
    lots: dict[uuid.UUID, WalletLot],
    moves: list[Draw],
    *,
    kind: str,
    source_id: uuid.UUID,
    payment: TillPayment,
    sign: int,
    now: datetime,
) -> Split:
    """Applies ``moves`` (taken when ``sign`` is -1, given when 1) to the lots, the ledger
    and the wallet's sums; their total split."""
    entries = []
    for move in moves:
        lot = lots[move.lot_id]
        lot.remaining_fen += sign * move.taken.total
        entries.append(
            WalletEntry(
                account_id=wallet.account_id,
                lot_id=lot.lot_id,
                store_id=lot.store_id,
                kind=kind,
                source_id=source_id,
                reservation_id=payment.reservation_id,
                principal_fen=sign * move.taken.principal,
                bonus_fen=sign * move.taken.bonus,
                created_at=now,
            )
        )
    total = Split(
        sum(move.taken.principal for move in moves), sum(move.taken.bonus for move in moves)
    )
    wallet.principal_fen += sign * total.principal
    wallet.bonus_fen += sign * total.bonus
    wallet.updated_at = now
    await repository.add(session, *entries)
    return total


async def pay(
    session: AsyncSession, payment: TillPayment, amount_fen: int, now: datetime, *, field: str
) -> None:
    """Takes ``amount_fen`` off the wallet for a till's hold and announces it
    (``loyalty.wallet.held``). Raises :class:`InsufficientStoredValue` (422, ``field``)."""
    wallet = await repository.locked_wallet(session, payment.account_id)
    balance = wallet.principal_fen + wallet.bonus_fen
    if balance < amount_fen:
        raise InsufficientStoredValue(
            f"the wallet holds {balance} fen, not the {amount_fen} fen asked", field=field
        )
    rows = await repository.open_lots(session, payment.account_id)
    moves = domain.draws([_lot(row) for row in rows], amount_fen)
    taken = await _record(
        session,
        wallet,
        {row.lot_id: row for row in rows},
        moves,
        kind="payment",
        source_id=payment.reservation_id,
        payment=payment,
        sign=-1,
        now=now,
    )
    await events.held(session, payment, wallet, taken)


async def release(
    session: AsyncSession,
    payment: TillPayment,
    amount_fen: int,
    now: datetime,
    *,
    reason: str,
    purchase_id: uuid.UUID | None,
) -> bool:
    """Gives a released hold's ``amount_fen`` back (``payment_release``, source the
    reservation) and announces it (``loyalty.wallet.released``); False, changing nothing,
    if it was given back already."""
    moved = await _give_back(
        session, payment, amount_fen, now, kind="payment_release", source_id=payment.reservation_id
    )
    if moved is not None:
        await events.released(session, payment, *moved, reason=reason, purchase_id=purchase_id)
    return moved is not None


async def refund(
    session: AsyncSession,
    payment: TillPayment,
    amount_fen: int,
    now: datetime,
    *,
    purchase_id: uuid.UUID,
    return_id: uuid.UUID | None,
) -> bool:
    """Credits what a return (``return_id``) or a void (None) refunds of the sale's stored
    value tender (``payment_refund``, source the return's or the purchase's id) and
    announces it (``loyalty.wallet.refunded``); False, changing nothing, if that return or
    void was credited already."""
    source_id = return_id or purchase_id
    moved = await _give_back(
        session, payment, amount_fen, now, kind="payment_refund", source_id=source_id
    )
    if moved is not None:
        await events.refunded(
            session, payment, *moved, purchase_id=purchase_id, return_id=return_id
        )
    return moved is not None


async def _give_back(
    session: AsyncSession,
    payment: TillPayment,
    amount_fen: int,
    now: datetime,
    *,
    kind: str,
    source_id: uuid.UUID,
) -> tuple[Wallet, Split] | None:
    """Credits ``amount_fen`` of the payment back to the lots it drew on; None, changing
    nothing, if ``source_id`` gave back already."""
    wallet = await repository.locked_wallet(session, payment.account_id)
    if await repository.recorded(session, kind, source_id):
        return None
    rows = await repository.drawn_by(session, payment.reservation_id)
    drawn = [Drawn(_lot(row), drawn, restored) for row, drawn, restored in rows]
    given = await _record(
        session,
        wallet,
        {row.lot_id: row for row, _, _ in rows},
        domain.restorations(drawn, amount_fen),
        kind=kind,
        source_id=source_id,
        payment=payment,
        sign=1,
        now=now,
    )
    return wallet, given


async def retake(
    session: AsyncSession,
    payment: TillPayment,
    amount_fen: int,
    now: datetime,
    *,
    purchase_id: uuid.UUID,
) -> int:
    """Takes a released payment's ``amount_fen`` again, as far as the wallet has it (a
    sale whose event came after the sweep released its hold), and announces it
    (``loyalty.wallet.retaken``); the shortfall, never a negative wallet."""
    wallet = await repository.locked_wallet(session, payment.account_id)
    take = min(amount_fen, wallet.principal_fen + wallet.bonus_fen)
    rows = await repository.open_lots(session, payment.account_id)
    taken = await _record(
        session,
        wallet,
        {row.lot_id: row for row in rows},
        domain.draws([_lot(row) for row in rows], take),
        kind="payment_retake",
        source_id=payment.reservation_id,
        payment=payment,
        sign=-1,
        now=now,
    )
    shortfall = amount_fen - take
    await events.retaken(
        session, payment, wallet, taken, purchase_id=purchase_id, shortfall_fen=shortfall
    )
    return shortfall
