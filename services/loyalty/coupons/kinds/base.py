"""What every coupon kind is: a strategy that prices the lines a coupon's scope admits.

A kind sees only the lines in scope, each at what is left of it after the coupons applied
before (see :mod:`services.loyalty.coupons.domain`), and answers either the discount in fen
per line or why it does not apply (a reason code). It never sees the member, the code or the
validity: those are checked before a kind is asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.loyalty.rules.domain import Line


@dataclass(frozen=True)
class Refusal:
    """Why a coupon does not apply to a basket: a stable reason code and its plain words."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Discount:
    """Fen off per line number (lines left out get nothing); the total is their sum."""

    per_line: Mapping[int, int]

    @property
    def total_fen(self) -> int:
        return sum(self.per_line.values())


class Kind(Protocol):
    """One coupon kind. ``terms`` are the definition's kind-specific terms as stored (JSON)."""

    def price(self, terms: Mapping[str, Any], lines: Sequence[Line]) -> Discount | Refusal:
        """The discount on ``lines`` (the lines in scope, amounts after earlier coupons,
        each above zero), or why there is none."""
        ...
