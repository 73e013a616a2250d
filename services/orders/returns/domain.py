"""Pure rules of returns: what can still come back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.orders.purchases.domain import SoldLine
from services.orders.returns.errors import InvalidReturn, PurchaseFullyReturned, ReturnExceedsSold


def plan_return(
    sold: Mapping[int, SoldLine], requested: Sequence[tuple[int, int]] | None
) -> list[tuple[int, int]]:
    """The ``(line_no, quantity)`` pairs to return; ``requested=None`` returns all that is left.

    Raises :class:`PurchaseFullyReturned` when nothing is left for ``None``,
    :class:`InvalidReturn` for no lines, unknown or repeated line numbers and quantities
    below 1, and :class:`ReturnExceedsSold` for more than is still returnable, naming the
    offending line (``lines.<i>``).
    """
    if requested is None:
        plan = [(no, line.returnable) for no, line in sorted(sold.items()) if line.returnable > 0]
        if not plan:
            raise PurchaseFullyReturned("This purchase has already been returned in full")
        return plan
    if not requested:
        raise InvalidReturn("A return needs at least one line", field="lines")
    seen: set[int] = set()
    for index, (line_no, quantity) in enumerate(requested):
        where = f"lines.{index}"
        line = sold.get(line_no)
        if line is None:
            raise InvalidReturn(
                f"line_no {line_no} is not a line of this purchase", field=f"{where}.line_no"
            )
        if line_no in seen:
            raise InvalidReturn(
                f"line_no {line_no} appears more than once", field=f"{where}.line_no"
            )
        seen.add(line_no)
        if quantity <= 0:
            raise InvalidReturn(
                f"quantity for line {line_no} must be greater than 0", field=f"{where}.quantity"
            )
        if quantity > line.returnable:
            raise ReturnExceedsSold(
                f"line {line_no}: {quantity} requested but only {line.returnable} of "
                f"{line.quantity} can still be returned",
                field=f"{where}.quantity",
            )
    return list(requested)
