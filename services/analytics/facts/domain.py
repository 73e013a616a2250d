"""Pure rules of folding events into the facts: returns and business days. No I/O.

A purchase counts as a purchase (for purchase counts, purchasing members, the repeat
rate, active members and the average order value) unless it was fully returned; its
net amount (total minus refunds) always counts in revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ReturnEffect:
    """What one return changes on its purchase and on the member."""

    returned_fen: int  # the purchase's refunded total after this return
    refunded_fen: int  # what this return adds to the member's refunds
    fully_returned: bool
    purchase_count_delta: int  # -1 when this return makes the purchase fully returned


def is_fully_returned(total_fen: int, returned_fen: int) -> bool:
    return returned_fen > 0 and returned_fen >= total_fen


def apply_return(total_fen: int, returned_fen: int, amount_fen: int) -> ReturnEffect:
    """Refunds never exceed the purchase total; crossing it removes the purchase once."""
    after = min(total_fen, returned_fen + max(amount_fen, 0))
    was_full = is_fully_returned(total_fen, returned_fen)
    now_full = is_fully_returned(total_fen, after)
    return ReturnEffect(
        returned_fen=after,
        refunded_fen=after - returned_fen,
        fully_returned=now_full,
        purchase_count_delta=-1 if now_full and not was_full else 0,
    )


def business_day(moment: datetime, timezone: str) -> date:
    """The calendar date of ``moment`` in the brand's business timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()
