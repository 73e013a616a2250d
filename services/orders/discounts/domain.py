"""Pure rules of a sale's discounts (优惠): how each is shared over its lines, and how a
line's discount is shared over its units when some come back. Integer fen; no I/O.

A sale may carry discounts, each from a source (a coupon's code, or ``manual`` for one the
till gave) applying to some of its lines (all when it names none). A coupon the till held
at loyalty comes with its shares per line as loyalty priced them (``shares``): they are
recorded as they are, since loyalty's pricing used the same allocation rule on the same
basket, and its commit refuses a sale that is not that basket.

**Per line** (:func:`apply`): each discount is shared over its lines in proportion to their
amounts (quantity × unit price), each share rounded down, the fen left over going to the
largest line (the lowest line number of equal ones): :func:`shared.allocation.allocate`,
the rule loyalty shares vouchers with. A line's discount is the sum of its shares and never
exceeds its amount; a line pays its amount less its discount, and the sale's total is what
its lines pay.

**Per unit** (:func:`paid_for_units`): a line's discount is shared evenly over its units,
rounded down, the remainder carried by the last units to come back: the first ``n`` units
returned of a line of ``q`` units with discount ``d`` paid ``n × price − ⌊d × n / q⌋``. A
return refunds what its units paid, the difference of that sum before and after it, so
returns in any sequence refund exactly what the line paid once all of it is back, never
more, and never less than zero for any return.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.orders.discounts.errors import DiscountExceedsLines, InvalidDiscount
from shared.allocation import allocate

MAX_DISCOUNTS = 20
"""Discounts of one sale."""
MAX_SOURCE = 64
"""Longest source of a discount (a coupon's code), in characters."""
MANUAL = "manual"
"""The source of a discount the till gave without a coupon."""


@dataclass(frozen=True)
class Discount:
    """A discount as the till sends it: where it came from, its fen, and the numbers of
    the lines it applies to (``None``: every line)."""

    source: str
    amount_fen: int
    lines: tuple[int, ...] | None = None
    shares: tuple[tuple[int, int], ...] | None = None
    """``(line_no, fen)`` as loyalty priced a held coupon; None: shared here."""
    reservation_id: uuid.UUID | None = None
    """The coupon reservation at loyalty it came from."""


@dataclass(frozen=True)
class HeldCoupon:
    """A coupon held for a sale at loyalty, as loyalty priced it: its (masked) code, what
    it takes off, and its share of each line ``(line_no, fen)``."""

    reservation_id: uuid.UUID
    code: str
    amount_fen: int
    shares: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Applied:
    """A discount of a recorded sale, with what it took off each of its lines:
    ``shares`` pairs ``(line_no, fen)``, in line order, adding up to ``amount_fen``."""

    source: str
    amount_fen: int
    shares: tuple[tuple[int, int], ...]
    reservation_id: uuid.UUID | None = None

    def to_json(self) -> dict[str, object]:
        """As the sale's ``discounts`` column keeps it (JSONB); a held coupon's with its
        reservation, which names the coupon to loyalty."""
        kept: dict[str, object] = {
            "source": self.source,
            "amount_fen": self.amount_fen,
            "lines": [{"line_no": no, "discount_fen": fen} for no, fen in self.shares],
        }
        if self.reservation_id is not None:
            kept["reservation_id"] = str(self.reservation_id)
        return kept


def apply(amounts: Sequence[int], discounts: Sequence[Discount]) -> tuple[list[int], list[Applied]]:
    """The discount of each line (aligned with ``amounts``, the lines' amounts in fen,
    numbered from 1) and each discount as shared over its lines.

    Raises :class:`InvalidDiscount` for a line number the sale does not have or named twice
    (``discounts.<i>.lines.<j>``), and :class:`DiscountExceedsLines` for a discount above
    the amount of its lines (``discounts.<i>.amount_fen``) or one that takes a line's
    discounts past its amount (``discounts.<i>``).
    """
    per_line = [0] * len(amounts)
    applied: list[Applied] = []
    for index, discount in enumerate(discounts):
        where = f"discounts.{index}"
        numbers, shares = _shares_of(discount, amounts, index)
        for no, share in zip(numbers, shares, strict=True):
            per_line[no - 1] += share
            if per_line[no - 1] > amounts[no - 1]:
                raise DiscountExceedsLines(
                    f"with discount {index} ({discount.source}) line {no} would be discounted "
                    f"{per_line[no - 1]} fen, more than its {amounts[no - 1]} fen",
                    field=where,
                )
        applied.append(
            Applied(
                discount.source,
                discount.amount_fen,
                tuple(zip(numbers, shares, strict=True)),
                discount.reservation_id,
            )
        )
    return per_line, applied


def _shares_of(
    discount: Discount, amounts: Sequence[int], index: int
) -> tuple[list[int], list[int]]:
    """The ``index``-th discount's line numbers and its share of each."""
    where = f"discounts.{index}"
    if discount.shares is not None:
        for no, _ in discount.shares:
            if not 1 <= no <= len(amounts):
                raise InvalidDiscount(
                    f"coupon {discount.source} was priced on line {no}, which this sale "
                    f"does not have (it has {len(amounts)}): hold it again for this basket",
                    field=where,
                )
        return [no for no, _ in discount.shares], [fen for _, fen in discount.shares]
    numbers = _lines_of(discount, len(amounts), where)
    base = [amounts[no - 1] for no in numbers]
    if discount.amount_fen > sum(base):
        raise DiscountExceedsLines(
            f"discount {index} ({discount.source}) of {discount.amount_fen} fen is "
            f"more than the {sum(base)} fen of the lines it applies to",
            field=f"{where}.amount_fen",
        )
    return numbers, allocate(base, discount.amount_fen)


def _lines_of(discount: Discount, count: int, where: str) -> list[int]:
    if discount.lines is None:
        return list(range(1, count + 1))
    seen: set[int] = set()
    for position, no in enumerate(discount.lines):
        if not 1 <= no <= count:
            raise InvalidDiscount(
                f"line {no} is not a line of this sale (it has {count})",
                field=f"{where}.lines.{position}",
            )
        if no in seen:
            raise InvalidDiscount(
                f"line {no} appears more than once", field=f"{where}.lines.{position}"
            )
        seen.add(no)
    return sorted(seen)


def paid_for_units(quantity: int, unit_price_fen: int, discount_fen: int, units: int) -> int:
    """What the first ``units`` units to come back of a line of ``quantity`` units paid:
    their price less their share of the line's ``discount_fen``, rounded down per the
    module's rule, so all ``quantity`` units paid exactly the line's amount less its
    discount. (``0 ≤ units ≤ quantity``.)"""
    return units * unit_price_fen - discount_fen * units // quantity


def refund_fen(
    quantity: int, unit_price_fen: int, discount_fen: int, returned: int, units: int
) -> int:
    """What a return of ``units`` more units of a line refunds, ``returned`` having come
    back before: never below zero, and all the returns of a line add up to what it paid."""
    before = paid_for_units(quantity, unit_price_fen, discount_fen, returned)
    return paid_for_units(quantity, unit_price_fen, discount_fen, returned + units) - before
