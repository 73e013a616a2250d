"""Pure rules of coupons at the till: whether a sale is the basket a coupon was priced on,
what of that basket a sale keeps after its returns, and whether a return gives the coupon
back. Integers (fen, units); no I/O.

A reservation prices the coupon on the basket the till sends (each line's number, SKU,
units and amount before any discount); the sale must be exactly that basket, line by
line, or its commit is refused: a coupon priced on one basket never discounts another.

**Restore on return** (the definition's ``restore_on_return``):

- ``never``: a redeemed coupon stays redeemed whatever comes back;
- ``when_below_threshold`` (the default): the coupon comes back once what the sale keeps
  would not earn its discount any more: the coupon's own pricing refuses the kept basket
  (below its threshold, no line in its scope left, its gift returned), or everything is
  back;
- ``on_full_return``: only once every unit of every line is back.

A void gives it back under either of the last two. What the sale keeps of a line is its
amount × kept units / units (exact: an amount is units × unit price). The coupon comes back
with its validity unchanged: one already past it stays unusable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from services.loyalty.coupons.domain import Basket, Coupon, priced_together
from services.loyalty.coupons.kinds import Refusal
from services.loyalty.rules.domain import Line

Status = Literal["held", "committed", "confirmed", "released", "restored"]
"""``held``: the coupon is reserved for a sale in progress; ``committed``: orders' sale
names it, waiting for the sale's event; ``confirmed``: the sale is recorded and the
coupon redeemed; ``released``: it came back before any recorded sale used it (void at the
till, the sale failed, or it timed out); ``restored``: a return or void of the recorded
sale gave it back."""
STATUSES: tuple[Status, ...] = ("held", "committed", "confirmed", "released", "restored")
IN_USE: tuple[Status, ...] = ("held", "committed", "confirmed")
"""At most one redemption of a coupon is in one of these (a unique partial index)."""

ReleaseReason = Literal["void", "sale_failed", "timeout", "returned", "voided"]
"""Why a coupon came back: the first three before a recorded sale used it (as points at
the till), ``returned`` or ``voided`` from a recorded sale."""
RELEASE_REASONS: tuple[ReleaseReason, ...] = (
    "void",
    "sale_failed",
    "timeout",
    "returned",
    "voided",
)

RestorePolicy = Literal["never", "when_below_threshold", "on_full_return"]


@dataclass(frozen=True)
class BasketLine:
    """A line of the basket a coupon was priced on: ``amount_fen`` is units × unit price,
    before any discount; ``categories`` the line's category then its ancestors."""

    line_no: int
    sku: str
    quantity: int
    amount_fen: int
    categories: tuple[str, ...] = ()
    discount_fen: int = 0
    """The coupon's share of the line."""

    def to_json(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "quantity": self.quantity,
            "amount_fen": self.amount_fen,
            "categories": list(self.categories),
            "discount_fen": self.discount_fen,
        }

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> BasketLine:
        return cls(
            line_no=int(row["line_no"]),
            sku=str(row["sku"]),
            quantity=int(row["quantity"]),
            amount_fen=int(row["amount_fen"]),
            categories=tuple(row["categories"]),
            discount_fen=int(row["discount_fen"]),
        )


@dataclass(frozen=True)
class SoldLine:
    """A line of the sale as orders records it: number, SKU, units, amount before
    discounts."""

    line_no: int
    sku: str
    quantity: int
    amount_fen: int


def mismatch(priced: Sequence[BasketLine], sold: Sequence[SoldLine]) -> str | None:
    """Why the sale is not the basket the coupon was priced on, or None if it is."""
    if len(priced) != len(sold):
        return f"the coupon was priced on {len(priced)} lines, the sale has {len(sold)}"
    by_no = {line.line_no: line for line in sold}
    for line in priced:
        other = by_no.get(line.line_no)
        if other is None:
            return f"the sale has no line {line.line_no}"
        was = (line.sku, line.quantity, line.amount_fen)
        now = (other.sku, other.quantity, other.amount_fen)
        if was != now:
            return (
                f"line {line.line_no} is {now[0]} × {now[1]} for {now[2]} fen in the sale, "
                f"{was[0]} × {was[1]} for {was[2]} fen in the basket the coupon was priced on"
            )
    return None


def kept(priced: Sequence[BasketLine], returned: Mapping[int, int]) -> tuple[Line, ...]:
    """The basket the sale keeps after ``returned`` units per line number came back, each
    line's amount in proportion to its kept units."""
    return tuple(
        Line(
            line.line_no,
            line.sku,
            line.categories,
            line.amount_fen * (line.quantity - returned.get(line.line_no, 0)) // line.quantity,
        )
        for line in priced
    )


def all_back(priced: Sequence[BasketLine], returned: Mapping[int, int]) -> bool:
    return all(returned.get(line.line_no, 0) >= line.quantity for line in priced)


def restore_due(
    stack: Sequence[tuple[RestorePolicy, Coupon]],
    basket: Basket,
    priced: Sequence[BasketLine],
    returned: Mapping[int, int],
) -> list[bool]:
    """Whether each coupon the sale still uses (``stack``: each with its definition's
    policy) comes back after ``returned`` units per line of the sale came back
    (``basket``: that sale as priced, its store and time); see the module. Stacked coupons
    are priced together on the kept basket, so a coupon comes back when, in the stack, it
    would take nothing off what the sale keeps."""
    if all_back(priced, returned):
        return [policy != "never" for policy, _ in stack]
    outcomes = priced_together(
        [coupon for _, coupon in stack], replace(basket, lines=kept(priced, returned))
    )
    return [
        policy == "when_below_threshold" and isinstance(outcome, Refusal)
        for (policy, _), outcome in zip(stack, outcomes, strict=True)
    ]
