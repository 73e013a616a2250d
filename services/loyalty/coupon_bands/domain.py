"""Yearly-spend bands, pure: a year's window in the brand's timezone and each member's
band."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Band:
    min_spend_fen: int
    definition_id: uuid.UUID


def year_window(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[1 January 00:00, next 1 January 00:00)`` of ``year`` in the brand's timezone."""
    return (
        datetime.combine(date(year, 1, 1), time(0), tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=zone),
    )


def band_of(bands: Sequence[Band], spend_fen: int) -> Band | None:
    """The band of the highest ``min_spend_fen`` the spend reaches (``≥``), or None."""
    reached = [band for band in bands if spend_fen >= band.min_spend_fen]
    return max(reached, key=lambda band: band.min_spend_fen, default=None)


def grant_key(rule_id: uuid.UUID, year: int) -> str:
    """The grant key of a rule's coupons of a year: one per member, rule and year."""
    return f"band:{rule_id}:{year}"
