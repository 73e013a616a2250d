"""Sharing an amount of fen out over amounts in proportion: one rule for every service
(loyalty shares vouchers over a sale's lines to rate them, orders shares a sale's
discounts over the lines they apply to), so the two never disagree by a fen."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(amounts: Sequence[int], total: int) -> list[int]:
    """Shares ``total`` fen out over ``amounts`` in proportion, rounding each share down;
    the fen left over go to the largest amount (the first of equal ones). ``total`` is
    capped at the amounts' sum; with no amount above zero nothing is shared."""
    whole = sum(amounts)
    total = min(total, whole)
    if whole <= 0 or total <= 0:
        return [0] * len(amounts)
    shares = [amount * total // whole for amount in amounts]
    largest = max(range(len(amounts)), key=lambda index: (amounts[index], -index))
    shares[largest] += total - sum(shares)
    return shares
