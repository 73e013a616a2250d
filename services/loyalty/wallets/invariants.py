"""The invariants of stored value, checked against the database.

- ``wallet_balance``: a wallet's principal and bonus are the sums of its ledger entries
  (and never negative: a CHECK backs it);
- ``wallet_lots``: each lot's principal and bonus left (from its ``remaining_fen``, see
  :func:`services.loyalty.wallets.domain.left_in`) are the sums of the entries on it, so
  the wallet's lots hold exactly its balance, split as the ledger says;
- ``wallet_holds``: every stored-value reservation at a till took exactly its amount
  (``payment`` entries), gave it all back exactly when released (``payment_release``; a
  late sale's ``payment_retake`` then re-takes it), and its refunds
  (``payment_refund``) add up to what it records as refunded.

It reads the tables directly: an audit over one snapshot, not a use case. The
fault-injection checker and the tests expect no violations.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, case, column, func, or_, select, table

from services.loyalty.accounts.invariants import Invariant, Scope, Violation
from services.loyalty.wallets.domain import left_in
from services.loyalty.wallets.models import Wallet, WalletEntry, WalletLot
from shared.db import AsyncSession

_wallets = Wallet.__table__  # type: ignore[attr-defined]
_lots = WalletLot.__table__  # type: ignore[attr-defined]
_entries = WalletEntry.__table__  # type: ignore[attr-defined]
_reservations = table(
    "till_reservations",
    column("reservation_id"),
    column("account_id"),
    column("tender"),
    column("status"),
    column("amount_fen"),
    column("refunded_fen"),
    schema="loyalty",
)


async def wallet_violations(
    session: AsyncSession, members: Collection[uuid.UUID] | None = None
) -> list[Violation]:
    """Every violation of the invariants (see the module), over the wallets of the
    accounts ``members`` hold (all when None)."""
    scope = Scope(members)
    w, lots, e = _wallets.c, _lots.c, _entries.c
    per_account = (
        select(
            e.account_id,
            func.sum(e.principal_fen).label("principal"),
            func.sum(e.bonus_fen).label("bonus"),
        )
        .group_by(e.account_id)
        .subquery()
    )
    sums = per_account.c
    principal = func.coalesce(sums.principal, 0)
    bonus = func.coalesce(sums.bonus, 0)
    balances = (
        select(w.account_id, w.principal_fen, w.bonus_fen, principal, bonus)
        .select_from(_wallets.outerjoin(per_account, sums.account_id == w.account_id))
        .where(scope(w.account_id), (w.principal_fen != principal) | (w.bonus_fen != bonus))
    )
    violations = [
        Violation(
            Invariant.WALLET_BALANCE,
            row[0],
            f"wallet {row[0]} holds {row[1]} + {row[2]} fen, its ledger sums to "
            f"{row[3]} + {row[4]}",
        )
        for row in await session.execute(balances)
    ]
    per_lot = (
        select(
            lots.lot_id,
            lots.principal_fen,
            lots.bonus_fen,
            lots.remaining_fen,
            func.sum(e.principal_fen),
            func.sum(e.bonus_fen),
        )
        .select_from(_lots.join(_entries, e.lot_id == lots.lot_id))
        .where(scope(lots.account_id))
        .group_by(lots.lot_id)
    )
    for (
        lot_id,
        lot_principal,
        lot_bonus,
        remaining,
        in_principal,
        in_bonus,
    ) in await session.execute(per_lot):
        left = left_in(lot_principal, lot_bonus, remaining)
        if (left.principal, left.bonus) != (in_principal, in_bonus):
            violations.append(
                Violation(
                    Invariant.WALLET_LOTS,
                    lot_id,
                    f"lot {lot_id} has {left.principal} + {left.bonus} fen left, its entries "
                    f"sum to {in_principal} + {in_bonus}",
                )
            )
    return violations + await _holds(session, scope)


async def _holds(session: AsyncSession, scope: Scope) -> list[Violation]:
    r, e = _reservations.c, _entries.c

    def moved(*kinds: str) -> ColumnElement[int]:
        fen = case((e.kind.in_(kinds), e.principal_fen + e.bonus_fen), else_=0)
        return func.coalesce(func.sum(fen), 0)

    paid, released, refunded = moved("payment"), moved("payment_release"), moved("payment_refund")
    query = (
        select(r.reservation_id, r.status, r.amount_fen, paid, released, refunded)
        .select_from(_reservations.outerjoin(_entries, e.reservation_id == r.reservation_id))
        .where(r.tender == "stored_value", scope(r.account_id))
        .group_by(r.reservation_id, r.status, r.amount_fen, r.refunded_fen)
        .having(
            or_(
                paid != -r.amount_fen,
                released != case((r.status == "released", r.amount_fen), else_=released),
                and_(r.status.in_(("held", "committed")), released != 0),
                refunded != r.refunded_fen,
            )
        )
    )
    return [
        Violation(
            Invariant.WALLET_HOLDS,
            reservation_id,
            f"stored-value reservation {reservation_id} ({status}, {amount} fen) paid "
            f"{-taken}, was given back {given} and refunded {back} fen",
        )
        for reservation_id, status, amount, taken, given, back in await session.execute(query)
    ]
