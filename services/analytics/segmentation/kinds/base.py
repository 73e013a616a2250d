"""What a churn warning criterion is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement
from sqlalchemy.sql.elements import KeyedColumnElement

ChurnKind = Literal["overdue", "p_alive"]

Scored = dict[str, KeyedColumnElement[Any]]
"""A member's scored columns by name: ``member_id``, ``recency_days``, ``frequency``,
``monetary_fen``, ``first_purchase_at``, ``last_purchase_at`` (see the repository)."""


@dataclass(frozen=True)
class ChurnCriterion:
    """A churn criterion: its one parameter (name, default, bounds) and the SQL condition
    a member is at risk under, given the parameter's value."""

    description: str
    parameter: str
    default: float
    low: float
    high: float
    at_risk: Callable[[Scored, float], ColumnElement[bool]]
