"""Churn warning criteria (流失预警), pluggable: each kind turns a member's scored row into
a SQL condition "at risk". ``overdue`` is the first; a criterion on P(alive) from a CLV
fit (issue 17 item 3) joins the map when that lands."""

from __future__ import annotations

from services.analytics.segmentation.kinds.base import ChurnCriterion, ChurnKind
from services.analytics.segmentation.kinds.overdue import OVERDUE

CHURN_CRITERIA: dict[ChurnKind, ChurnCriterion] = {"overdue": OVERDUE}
DEFAULT_CHURN: ChurnKind = "overdue"
