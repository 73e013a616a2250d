"""Pure rules of points at the till (积分抵现): what a reservation holds and what a refund
of a sale paid with points gives back. Integers only (points, fen); nothing here does I/O.

The till policy's ``points_per_yuan`` is the rate: ``R`` points pay one yuan (100 fen).

- Reserving ``amount_fen`` holds ``ceil(amount_fen × R / 100)`` points: a fraction of a
  point is charged whole, so points never pay more than they are worth.
- Reserving ``points`` pays ``floor(points × 100 / R)`` fen and holds just the points that
  amount costs (never more than asked): 150 points at 100 per yuan pay 150 fen; 150 points
  at 200 per yuan pay 75 fen and hold 150; 3 points at 200 per yuan pay 1 fen and hold 2.
- The amount may be at most ``floor(sale_total_fen × max_share_percent / 100)`` of the sale.
- A refund of ``refund_fen`` of the points tender gives back points in proportion to the
  tender refunded so far, rounded down, and all that is left once the tender is refunded in
  full: the refunds of one reservation add up to exactly the points it took.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from services.loyalty.accounts.domain import Source
from services.loyalty.reservations.errors import PointsShareExceeded, TooFewPoints
from shared.events.loyalty import TillRelease

Status = Literal["held", "committed", "confirmed", "released"]
"""``held``: points taken from the balance for a sale in progress; ``committed``: a sale
names it (orders' synchronous call), waiting for the sale's event; ``confirmed``: the sale
is recorded (``orders.purchase.completed`` arrived); ``released``: the points came back
(void at the till, the sale failed, or it timed out)."""
STATUSES: tuple[Status, ...] = ("held", "committed", "confirmed", "released")

Tender = Literal["points", "stored_value"]
"""What a reservation holds: points (积分抵现) or stored value (储值), one flow for both."""
TENDERS: tuple[Tender, ...] = ("points", "stored_value")

ReleaseReason = TillRelease
"""Why held points came back; the events' contract names the reasons."""
RELEASE_REASONS: tuple[ReleaseReason, ...] = ("void", "sale_failed", "timeout")

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class TillRate:
    """The till policy as a reservation applies it."""

    points_per_yuan: int
    max_share_percent: int


@dataclass(frozen=True)
class Priced:
    """What a reservation holds: ``points`` paying ``amount_fen`` of the sale."""

    points: int
    amount_fen: int


def points_for_amount(amount_fen: int, points_per_yuan: int) -> int:
    """Points that pay ``amount_fen`` at the rate, a fraction of a point charged whole."""
    return -(-amount_fen * points_per_yuan // FEN_PER_YUAN)


def amount_for_points(points: int, points_per_yuan: int) -> int:
    """Fen that ``points`` pay at the rate, rounded down."""
    return points * FEN_PER_YUAN // points_per_yuan


def max_amount(sale_total_fen: int, max_share_percent: int) -> int:
    """The most points may pay of a sale of ``sale_total_fen``."""
    return sale_total_fen * max_share_percent // 100


def price(
    rate: TillRate, sale_total_fen: int, *, points: int | None = None, amount_fen: int | None = None
) -> Priced:
    """The points and amount of a reservation asked for by ``points`` or by ``amount_fen``
    (exactly one). Raises :class:`TooFewPoints` (``points``) when the points pay less than
    one fen, :class:`PointsShareExceeded` (``amount_fen`` or ``points``) past the policy's
    share of the sale."""
    if (points is None) == (amount_fen is None):
        raise ValueError("a reservation asks for points or for an amount, not both")
    field = "points" if points is not None else "amount_fen"
    if points is not None:
        amount_fen = amount_for_points(points, rate.points_per_yuan)
        if amount_fen == 0:
            raise TooFewPoints(
                f"{points} points pay less than 1 fen at {rate.points_per_yuan} points per yuan",
                field="points",
            )
    assert amount_fen is not None
    check_share(rate, sale_total_fen, amount_fen, field=field)
    return Priced(points_for_amount(amount_fen, rate.points_per_yuan), amount_fen)


def check_share(rate: TillRate, sale_total_fen: int, amount_fen: int, *, field: str) -> None:
    """Raises :class:`PointsShareExceeded` if points paying ``amount_fen`` of a sale of
    ``sale_total_fen`` exceed the policy's share."""
    most = max_amount(sale_total_fen, rate.max_share_percent)
    if amount_fen > most:
        raise PointsShareExceeded(
            f"points may pay at most {rate.max_share_percent}% of the sale: {most} fen of "
            f"{sale_total_fen} fen, not {amount_fen} fen",
            field=field,
        )


def refund_points(
    *, points: int, amount_fen: int, refunded_fen: int, refunded_points: int, refund_fen: int
) -> int:
    """The points a refund of ``refund_fen`` of the tender gives back, when ``refunded_fen``
    of its ``amount_fen`` and ``refunded_points`` of its ``points`` came back before.
    Raises ``ValueError`` for a refund beyond the tender's amount."""
    after = refunded_fen + refund_fen
    if refund_fen < 0 or after > amount_fen:
        raise ValueError(f"a refund of {refund_fen} fen exceeds the tender's {amount_fen} fen")
    due = points if after == amount_fen else points * after // amount_fen
    return due - refunded_points


def spent_by(reservation_id: uuid.UUID) -> tuple[Source, ...]:
    """The debits that spent a reservation's points, the latest first, for a refund to
    give back on their lots' terms: a retake (the sale's event came after the sweep had
    released them), else the hold."""
    return (Source("till_retake", reservation_id), Source("till_hold", reservation_id))
