"""Pure rules of voids: when a sale may still be voided. Times are aware; no I/O.

A store voids a sale it rang up by mistake (作废), on the sale's business day by default:
until midnight in the business timezone after the sale's time (``purchased_at``, as the
till sent it), or, with the ``void_window_minutes`` setting, until that many minutes after
it. A void undoes the whole sale, so it is refused once any of it was returned (the rest
is then returned too) and for a sale voided already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.orders.purchases.domain import Sold
from services.orders.purchases.errors import PurchaseVoided
from services.orders.voids.errors import PurchaseHasReturns, VoidWindowClosed


def void_deadline(purchased_at: datetime, timezone: str, minutes: int | None) -> datetime:
    """The moment after which a sale made at ``purchased_at`` can no longer be voided: the
    end of its business day in ``timezone``, or ``minutes`` after it."""
    if minutes is not None:
        return purchased_at + timedelta(minutes=minutes)
    local = purchased_at.astimezone(ZoneInfo(timezone))
    next_day = (local + timedelta(days=1)).date()
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=local.tzinfo)


def check_voidable(sold: Sold, now: datetime, timezone: str, minutes: int | None) -> None:
    """Passes if ``sold`` may be voided at ``now``.

    Raises :class:`PurchaseVoided` (voided already), :class:`PurchaseHasReturns` (part of
    it came back) and :class:`VoidWindowClosed` (too late), all 409.
    """
    if sold.voided_at is not None:
        raise PurchaseVoided(
            f"Purchase {sold.purchase_id} was voided already, at {sold.voided_at.isoformat()}"
        )
    if sold.returned_fen > 0 or any(line.returned_quantity for line in sold.lines.values()):
        left = sold.total_fen - sold.returned_fen
        raise PurchaseHasReturns(
            f"Purchase {sold.purchase_id} has returns ({sold.returned_fen} fen of "
            f"{sold.total_fen} fen), so it cannot be voided; "
            + (f"return the {left} fen left instead" if left else "nothing of it is left")
        )
    deadline = void_deadline(sold.purchased_at, timezone, minutes)
    if now >= deadline:
        window = "its business day" if minutes is None else f"{minutes} minutes after the sale"
        raise VoidWindowClosed(
            f"Purchase {sold.purchase_id} could be voided until {deadline.isoformat()} "
            f"({window}); return it instead"
        )
