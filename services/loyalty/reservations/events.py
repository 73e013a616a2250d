"""The till's points events (``loyalty.points.held``, ``released``, ``refunded``,
``retaken``), emitted by the use cases in the transaction of the ledger entry they
announce, so that analytics and messaging can follow a member's points at the till."""

from __future__ import annotations

import uuid
from typing import Any

from services.loyalty.accounts.service import Account, Moved
from services.loyalty.base import emit
from services.loyalty.reservations.domain import ReleaseReason
from services.loyalty.reservations.models import Reservation
from shared.db import AsyncSession
from shared.events.loyalty import PointsHeld, PointsRefunded, PointsReleased, PointsRetaken


def _about(reservation: Reservation, account: Account, moved: Moved, points: int) -> dict[str, Any]:
    """What every till event says: whose points, on which account, by which entry."""
    return {
        "member_id": reservation.member_id,
        "account_id": account.account_id,
        "reservation_id": reservation.reservation_id,
        "store_id": reservation.store_id,
        "entry_id": moved.entry_id,
        "points": points,
        "balance": moved.balance,
    }


async def held(
    session: AsyncSession, reservation: Reservation, account: Account, moved: Moved
) -> None:
    await emit(
        session,
        PointsHeld(
            **_about(reservation, account, moved, reservation.points),
            amount_fen=reservation.amount_fen,
            expires_at=reservation.expires_at,
        ),
    )


async def released(
    session: AsyncSession,
    reservation: Reservation,
    account: Account,
    moved: Moved,
    reason: ReleaseReason,
) -> None:
    await emit(
        session,
        PointsReleased(
            **_about(reservation, account, moved, reservation.points),
            reason=reason,
            purchase_id=reservation.purchase_id,
        ),
    )


async def refunded(
    session: AsyncSession,
    reservation: Reservation,
    account: Account,
    moved: Moved,
    points: int,
    refund_fen: int,
    return_id: uuid.UUID | None,
) -> None:
    """``points`` came back for ``refund_fen`` of the points tender; ``return_id`` None:
    the sale was voided."""
    assert reservation.purchase_id is not None  # only a committed sale's points are refunded
    await emit(
        session,
        PointsRefunded(
            **_about(reservation, account, moved, points),
            purchase_id=reservation.purchase_id,
            return_id=return_id,
            amount_fen=refund_fen,
        ),
    )


async def retaken(
    session: AsyncSession,
    reservation: Reservation,
    account: Account,
    moved: Moved,
    *,
    points: int,
) -> None:
    assert reservation.purchase_id is not None  # a retake is for the sale that committed it
    await emit(
        session,
        PointsRetaken(
            **_about(reservation, account, moved, points),
            purchase_id=reservation.purchase_id,
            shortfall=reservation.points - points,
        ),
    )
