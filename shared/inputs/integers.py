"""Bounded integers: every amount, count and rate a request can carry, and why each bound.

Money is integer fen (1/100 yuan) and points are integers. A bound is chosen so that every
value derived from inputs fits every column and message it reaches: Postgres ``integer``
(int32, up to ``INT32_MAX``), ``bigint`` (int64, up to ``INT64_MAX``), and JSON read by a
JavaScript client, exact only up to ``JSON_SAFE_INTEGER`` (2^53 - 1). The arithmetic:

* A line's amount is ``quantity × unit_price_fen``, and a sale's total the sum of at most
  ``MAX_LINES`` (200) lines; both are capped at ``MAX_SALE_TOTAL_FEN`` = 10^10 fen
  (100,000,000 yuan), checked on the whole list (:class:`TotalAtMost`). A unit price is at
  most the total; a quantity at most ``MAX_QUANTITY`` = 10^6, within int32 (``quantity``
  and ``returned_quantity`` are ``integer`` columns). Computed in Python, the product
  ``quantity × unit_price_fen`` (at most 10^16) overflows nothing before the check.
* Points for a sale are ``total_fen × points_per_yuan × multiplier_percent // 10000``,
  with ``points_per_yuan`` ≤ ``MAX_POINTS_PER_YUAN`` = 1,000 (an ``integer`` column) and
  a tier multiplier ≤ ``MAX_MULTIPLIER_PERCENT`` = 1,000 (×10): at most
  10^10 × 10^3 × 10^3 / 10^4 = 10^12 points (``MAX_POINTS_PER_SALE``), and the product
  before the division at most 10^16, within int64 should SQL ever compute it.
* One movement of points (earn, redemption, adjustment) is at most ``MAX_POINTS`` = 10^12.
* Running sums grow with every sale, so no input bound can bound them: a member's
  qualifying spend, a store's or the brand's revenue, and a tier threshold are capped at
  ``MAX_RUNNING_FEN`` = 2^53 - 1 fen (about 90 trillion yuan, 900,719 sales of the largest
  size), a points balance at ``MAX_BALANCE`` = 2^53 - 1 points (9,007 earns of the largest
  size). Both are far inside int64 (``bigint`` columns) and exact in JSON. The code that
  adds to a running sum (the loyalty account kernel, analytics' facts) must refuse a
  movement that would take it past its cap; these constants are the caps.

The types are ``Annotated[int, Strict(), Interval(...)]``: a JSON integer only (not
``5.0``, ``"5"`` or ``true``), so a body never reaches the service with a number it cannot
store, and an integer of 2^64 or more is a 422 like any other out-of-range one. The JSON
schema has ``minimum`` and ``maximum``. A query parameter (a string on the wire) uses the
non-strict :data:`shared.pagination.PageSize` style instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import GetCoreSchemaHandler, Strict
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
JSON_SAFE_INTEGER = 2**53 - 1
"""Largest integer a JavaScript client reads exactly (``Number.MAX_SAFE_INTEGER``)."""

MAX_LINES = 200
"""Lines of one sale (and of one return)."""
MAX_QUANTITY = 1_000_000
MAX_SALE_TOTAL_FEN = 10_000_000_000
"""Largest sale, and so largest line amount and unit price: 100,000,000 yuan."""
MAX_UNIT_PRICE_FEN = MAX_SALE_TOTAL_FEN
MAX_POINTS_PER_YUAN = 1_000
MAX_MULTIPLIER_PERCENT = 1_000
"""A tier earns at most ×10 the plain rate."""
MAX_POINTS_PER_SALE = MAX_SALE_TOTAL_FEN * MAX_POINTS_PER_YUAN * MAX_MULTIPLIER_PERCENT // 10_000
MAX_POINTS = MAX_POINTS_PER_SALE
"""Largest single movement of points: what the largest sale can earn."""
MAX_RUNNING_FEN = JSON_SAFE_INTEGER
"""Cap of a running sum of fen (qualifying spend, revenue) and of a tier threshold."""
MAX_BALANCE = JSON_SAFE_INTEGER
"""Cap of a points balance."""


Quantity = Annotated[int, Strict(), Interval(ge=1, le=MAX_QUANTITY)]
"""Units of an article in a sale or return line: 1 to 1,000,000."""
UnitPriceFen = Annotated[int, Strict(), Interval(ge=0, le=MAX_UNIT_PRICE_FEN)]
"""Price of one unit in fen: 0 (a gift) to 10^10."""
SpendFen = Annotated[int, Strict(), Interval(ge=0, le=MAX_RUNNING_FEN)]
"""An amount compared with a running sum of fen, e.g. a tier's qualifying threshold."""
Points = Annotated[int, Strict(), Interval(ge=1, le=MAX_POINTS)]
"""Points moved at once, e.g. redeemed: 1 to 10^12."""
PointsPerYuan = Annotated[int, Strict(), Interval(ge=0, le=MAX_POINTS_PER_YUAN)]
"""Earning rate: points per yuan (100 fen) spent, 0 to 1,000."""
MultiplierPercent = Annotated[int, Strict(), Interval(ge=0, le=MAX_MULTIPLIER_PERCENT)]
"""A multiplier in percent of the plain rate (100 = ×1): 0 to 1,000."""
TenderFen = Annotated[int, Strict(), Interval(ge=1, le=MAX_SALE_TOTAL_FEN)]
"""What one tender of a sale hands over, in fen: 1 to 10^10 (cash may exceed the total)."""
DiscountFen = Annotated[int, Strict(), Interval(ge=1, le=MAX_SALE_TOTAL_FEN)]
"""What one discount of a sale takes off, in fen: 1 to 10^10 (at most what its lines cost)."""
LineNo = Annotated[int, Strict(), Interval(ge=1, le=MAX_LINES)]
"""A line of a sale, numbered from 1."""


@dataclass(frozen=True)
class TotalAtMost:
    """A list whose items' amounts add up to at most ``maximum``.

    ``Annotated[list[LineIn], Len(1, MAX_LINES), TotalAtMost(MAX_SALE_TOTAL_FEN,
    line_amount)]``: the error names the list and says the total and the cap. ``amount``
    gets one validated item; ``unit`` names what is added up ("fen").
    """

    maximum: int
    amount: Callable[[Any], int]
    unit: str = "fen"

    def validate(self, items: list[Any]) -> list[Any]:
        total = sum(self.amount(item) for item in items)
        if total > self.maximum:
            raise PydanticCustomError(
                "total_too_large",
                "adds up to {total} {unit}, more than the {maximum} {unit} accepted at once",
                {"total": total, "maximum": self.maximum, "unit": self.unit},
            )
        return items

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.validate, handler(source))
