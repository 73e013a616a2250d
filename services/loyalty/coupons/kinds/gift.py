"""The free gift: one unit of a SKU free of charge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.loyalty.coupons.kinds.base import Discount, Refusal
from services.loyalty.rules.domain import Line


class FreeGift:
    """The basket's line of ``sku`` (the lowest line number if several) is discounted by one
    unit's price, ``unit_value_fen``, at most the line's amount: the gift must be on the
    sale, so returns and stock see it like any line. Terms: ``{"sku": str,
    "unit_value_fen": int}``."""

    def price(self, terms: Mapping[str, Any], lines: Sequence[Line]) -> Discount | Refusal:
        sku = str(terms["sku"])
        line = next((line for line in lines if line.sku == sku), None)
        if line is None:
            return Refusal("gift_not_in_basket", f"the basket has no line of the gift {sku}")
        return Discount({line.line_no: min(int(terms["unit_value_fen"]), line.amount_fen)})
