"""``overdue``: recency beyond a member's own expected time between purchases."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, and_, cast, func

from services.analytics.segmentation.kinds.base import ChurnCriterion, Scored

SECONDS_PER_DAY = 86_400


def _at_risk(member: Scored, factor: float) -> ColumnElement[bool]:
    """``frequency >= 2`` and ``recency_days > factor × gap``, where ``gap`` = (last −
    first purchase, in days) / (frequency − 1) and is more than zero."""
    span_days = (
        cast(func.extract("epoch", member["last_purchase_at"] - member["first_purchase_at"]), Float)
        / SECONDS_PER_DAY
    )
    gap = span_days / func.greatest(member["frequency"] - 1, 1)
    return and_(member["frequency"] >= 2, gap > 0, member["recency_days"] > factor * gap)


OVERDUE = ChurnCriterion(
    description=(
        "A member with two or more purchases whose days since the last exceed `factor` "
        "times their own average days between purchases ((last − first) / (purchases − 1))"
    ),
    parameter="factor",
    default=2.0,
    low=1.0,
    high=100.0,
    at_risk=_at_risk,
)
