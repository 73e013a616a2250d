"""Churn warning criteria (流失预警), pluggable: each kind turns a member's scored row into
a SQL condition "at risk". ``overdue``: recency beyond a member's own rhythm; ``p_alive``: P(alive)
from the latest finished CLV fit below a threshold."""

from __future__ import annotations

from services.analytics.segmentation.kinds.base import ChurnCriterion, ChurnKind
from services.analytics.segmentation.kinds.overdue import OVERDUE
from services.analytics.segmentation.kinds.p_alive import P_ALIVE

CHURN_CRITERIA: dict[ChurnKind, ChurnCriterion] = {"overdue": OVERDUE, "p_alive": P_ALIVE}
DEFAULT_CHURN: ChurnKind = "overdue"
