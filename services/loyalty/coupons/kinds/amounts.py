"""Kinds that take an amount off the eligible lines together: threshold-off (满减),
percent-off with a cap, and the cash voucher (代金券).

Each computes one amount in fen for the lines in scope and shares it out over them with the
earning rules' :func:`~services.loyalty.rules.domain.allocate` (pro rata, each share rounded
down, the fen left over to the largest line, the lowest line number of equal ones), so a
line's discount never exceeds its amount and the shares add up exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.loyalty.coupons.kinds.base import Discount, Refusal
from services.loyalty.rules.domain import Line
from shared.allocation import allocate


def _shared(lines: Sequence[Line], total_fen: int) -> Discount:
    shares = allocate([line.amount_fen for line in lines], total_fen)
    return Discount({line.line_no: share for line, share in zip(lines, shares, strict=True)})


class ThresholdOff:
    """满减: eligible spend ≥ ``threshold_fen`` takes ``off_fen`` off (never more than the
    eligible spend). Terms: ``{"threshold_fen": int, "off_fen": int}``."""

    def price(self, terms: Mapping[str, Any], lines: Sequence[Line]) -> Discount | Refusal:
        eligible = sum(line.amount_fen for line in lines)
        threshold = int(terms["threshold_fen"])
        if eligible < threshold:
            return Refusal(
                "below_threshold",
                f"eligible spend {eligible} fen is below the threshold of {threshold} fen",
            )
        return _shared(lines, min(int(terms["off_fen"]), eligible))


class PercentOff:
    """``percent`` off the eligible spend, rounded down to the fen, at most ``cap_fen``.
    Terms: ``{"percent": 1..100, "cap_fen": int}``."""

    def price(self, terms: Mapping[str, Any], lines: Sequence[Line]) -> Discount | Refusal:
        eligible = sum(line.amount_fen for line in lines)
        off = min(eligible * int(terms["percent"]) // 100, int(terms["cap_fen"]))
        if off <= 0:
            return Refusal("no_discount", f"{terms['percent']}% of {eligible} fen is under 1 fen")
        return _shared(lines, off)


class CashVoucher:
    """代金券: takes ``value_fen`` off, at most the eligible spend; what is left of the value
    is forfeited (no change is given, it is never cash). Terms: ``{"value_fen": int}``."""

    def price(self, terms: Mapping[str, Any], lines: Sequence[Line]) -> Discount | Refusal:
        eligible = sum(line.amount_fen for line in lines)
        return _shared(lines, min(int(terms["value_fen"]), eligible))
