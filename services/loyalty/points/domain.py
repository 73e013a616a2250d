"""Pure rules of reversing points for a return.

All arithmetic is on integers (fen, points); nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reversal:
    points: int
    """Points taken back from the balance."""
    shortfall: int
    """Points that should have been taken back but were already spent."""
    charged: int
    """Points this return accounts for on the purchase (``points + shortfall``)."""
    returned_fen: int
    """The part of the refund that still counted against the purchase."""


def reversal_for(
    *,
    points_earned: int,
    points_reversed: int,
    total_fen: int,
    returned_fen: int,
    amount_fen: int,
    balance: int,
) -> Reversal:
    """Points to take back for a return of ``amount_fen`` of a purchase.

    The reversal is ``floor(points_earned × amount / total)``; the purchase's reversals never
    add up to more than it earned, and the return that completes the purchase takes back
    whatever remains, so rounding leaves nothing behind.

    The balance never goes below zero: if the member already spent the points, only what
    the balance holds is taken back and the rest is recorded as ``shortfall`` on the ledger
    entry (for staff to follow up), not carried as a debt. The shortfall still counts as
    reversed for the purchase, so a later return of the same purchase does not claim it again.
    """
    counted = min(amount_fen, total_fen - returned_fen)
    remaining_points = points_earned - points_reversed
    if total_fen == 0 or returned_fen + counted >= total_fen:
        wanted = remaining_points
    else:
        wanted = min(points_earned * counted // total_fen, remaining_points)
    taken = min(wanted, balance)
    return Reversal(points=taken, shortfall=wanted - taken, charged=wanted, returned_fen=counted)
