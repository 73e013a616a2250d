"""Pure rules of the points kernel: which movements are allowed, and which lots a debit uses.

All arithmetic is on integers (points); nothing here does I/O. Times are aware UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.loyalty.accounts.errors import BalanceLimitReached, InsufficientPoints
from shared.inputs import MAX_BALANCE

SourceType = Literal[
    "purchase", "return", "void", "redemption", "adjustment", "reward_order", "reward_refund"
]
"""What moved points, the kind of a ledger entry: a purchase earns, a return reverses, a
void (its id is the voided purchase's) reverses all the purchase kept, a redemption
spends, staff adjust, a reward order spends on the rewards catalog and its refund (its id
is the order's) gives the points of a cancelled order back. A new kind of movement (lot
expiry, a coupon, a transfer between accounts) is a new source type, never a new column."""


@dataclass(frozen=True)
class PointsRange:
    """The points an entry of one source type may carry (``None``: unbounded that side)."""

    lowest: int | None
    highest: int | None

    def admits(self, points: int) -> bool:
        return (self.lowest is None or points >= self.lowest) and (
            self.highest is None or points <= self.highest
        )

    def sql(self) -> str:
        """The same rule as a condition on the ``points`` column."""
        bounds = [f"points >= {self.lowest}"] if self.lowest is not None else []
        bounds += [f"points <= {self.highest}"] if self.highest is not None else []
        return " AND ".join(bounds) or "true"


SOURCE_POINTS: Mapping[SourceType, PointsRange] = {
    "purchase": PointsRange(0, None),  # a purchase under a yuan earns 0
    "return": PointsRange(None, 0),  # 0 when the points were already spent (all shortfall)
    "void": PointsRange(None, 0),
    "redemption": PointsRange(None, -1),
    "adjustment": PointsRange(None, None),
    "reward_order": PointsRange(None, -1),
    "reward_refund": PointsRange(1, None),
}
"""Each source type with the sign of the points its entries carry; the ledger's CHECK
``ck_ledger_entries_source`` is built from it."""


@dataclass(frozen=True)
class Source:
    """What moved the points: one reference per entry, unique per source type."""

    type: SourceType
    id: uuid.UUID


def balance_after(balance: int, points: int) -> int:
    """The balance once ``points`` (signed) moved.

    Raises :class:`InsufficientPoints` below zero, :class:`BalanceLimitReached` above
    ``MAX_BALANCE``.
    """
    after = balance + points
    if after < 0:
        raise InsufficientPoints(
            f"insufficient points: balance {balance}, requested {-points}",
            balance=balance,
            requested=-points,
        )
    if after > MAX_BALANCE:
        raise BalanceLimitReached(
            f"the balance {balance} cannot take {points} more points: an account holds at "
            f"most {MAX_BALANCE}",
            balance=balance,
            maximum=MAX_BALANCE,
        )
    return after


@dataclass(frozen=True)
class OpenLot:
    """A lot with points left."""

    lot_id: uuid.UUID
    remaining: int
    earned_at: datetime
    expires_at: datetime | None


def consumption_order(lot: OpenLot) -> tuple[bool, datetime, datetime, uuid.UUID]:
    """Nearest expiry first, then lots that never expire; oldest first among equals."""
    never = lot.expires_at is None
    return (never, lot.expires_at or lot.earned_at, lot.earned_at, lot.lot_id)


def consume(lots: Sequence[OpenLot], points: int) -> list[tuple[uuid.UUID, int]]:
    """The lots a debit of ``points`` (positive) takes from, each with what it keeps.

    Lots are used in :func:`consumption_order`. The lots hold the whole balance, so they
    always cover a debit the balance allows; if they do not, the ledger is corrupt and
    this raises ``ValueError`` rather than leave the lots out of step with the balance.
    """
    used: list[tuple[uuid.UUID, int]] = []
    left = points
    for lot in sorted(lots, key=consumption_order):
        if left == 0:
            break
        taken = min(lot.remaining, left)
        used.append((lot.lot_id, lot.remaining - taken))
        left -= taken
    if left:
        raise ValueError(f"the account's lots hold {points - left} points, {points} are due")
    return used
