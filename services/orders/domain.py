"""Pure rules of the orders service: totals, sale times and what can still be returned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.orders.errors import InvalidReturn, SaleTimeOutOfRange

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class PricedLine:
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass(frozen=True)
class SoldLine:
    """A purchase line as far as returns are concerned."""

    line_no: int
    quantity: int
    unit_price_fen: int
    returned_quantity: int

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned_quantity


def total_fen(lines: Iterable[PricedLine]) -> int:
    """The purchase total is always computed here, never taken from the client."""
    return sum(line.amount_fen for line in lines)


def sale_time(purchased_at: datetime | None, now: datetime) -> datetime:
    """When the sale happened: now by default; a store clock may run a little fast."""
    if purchased_at is None:
        return now
    if purchased_at > now + CLOCK_SKEW:
        raise SaleTimeOutOfRange(
            f"purchased_at {purchased_at.isoformat()} is in the future; "
            f"at most {int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead is accepted",
            field="purchased_at",
        )
    return purchased_at


def plan_return(
    sold: Mapping[int, SoldLine], requested: Sequence[tuple[int, int]] | None
) -> list[tuple[int, int]]:
    """The ``(line_no, quantity)`` pairs to return; ``requested=None`` returns all that is left.

    Refuses unknown or repeated line numbers, non-positive quantities and more than is
    still returnable, naming the offending line.
    """
    if requested is None:
        plan = [(no, line.returnable) for no, line in sorted(sold.items()) if line.returnable > 0]
        if not plan:
            raise InvalidReturn("This purchase has already been returned in full")
        return plan
    if not requested:
        raise InvalidReturn("A return needs at least one line", field="lines")
    seen: set[int] = set()
    for index, (line_no, quantity) in enumerate(requested):
        where = f"lines.{index}"
        line = sold.get(line_no)
        if line is None:
            raise _bad_line(where, f"line_no {line_no} is not a line of this purchase")
        if line_no in seen:
            raise _bad_line(where, f"line_no {line_no} appears more than once")
        seen.add(line_no)
        if quantity <= 0:
            raise _bad_line(where, f"quantity for line {line_no} must be greater than 0")
        if quantity > line.returnable:
            raise _bad_line(
                where,
                f"line {line_no}: {quantity} requested but only {line.returnable} of "
                f"{line.quantity} can still be returned",
            )
    return list(requested)


def _bad_line(field: str, message: str) -> InvalidReturn:
    return InvalidReturn(message, field=field)
