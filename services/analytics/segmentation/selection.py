"""The statement of a saved segment's members: the segmentation's scoring with every part of
the criterion as a condition, one ``SELECT`` (for an ``INSERT … SELECT``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, Uuid, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import ColumnElement

from services.analytics.facts.models import MemberTag
from services.analytics.segmentation import repository
from services.analytics.segmentation.kinds.base import ChurnCriterion
from services.analytics.segmentation.repository import ScoreCuts

_tags: Table = MemberTag.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Selection:
    """A saved segment's criterion, resolved: every part given narrows the population
    (AND); ``None`` leaves it open (``tags``: any of them). Scores are sets of allowed
    scores; ranges are inclusive (fen, purchases) or half-open (``[from, until)`` times);
    ``sides`` are the quadrants' (high value, high repeat) at ``value_cut``/``repeat_cut``."""

    now: datetime
    zone: str
    cuts: ScoreCuts
    """The population's RFM cut points (:func:`score_cuts`); none when no score is asked."""
    scores: dict[str, list[int]]
    sides: list[tuple[bool, bool]] | None
    value_cut: float
    repeat_cut: float
    sleeping_since: datetime | None
    criterion: ChurnCriterion | None
    criterion_value: float
    tiers: list[str] | None
    tags: list[uuid.UUID] | None
    net_spend_fen: tuple[int | None, int | None]
    purchases: tuple[int | None, int | None]
    last_purchase: tuple[datetime | None, datetime | None]
    among: list[uuid.UUID] | None = None
    """Only these members (a CLV band's, valued in Python from the fit); None: anyone."""


def _between(column: ColumnElement[Any], low: object, high: object) -> list[ColumnElement[bool]]:
    return [
        *([column >= low] if low is not None else []),
        *([column <= high] if high is not None else []),
    ]


def member_ids(q: Selection) -> Select[tuple[uuid.UUID]]:
    """The member ids ``q`` selects from the scored population, as one statement (for an
    ``INSERT … SELECT``: no id passes through Python)."""
    s = repository.scored(q.now, q.zone, q.cuts)
    conditions: list[ColumnElement[bool]] = [
        s.c[name].in_(allowed) for name, allowed in q.scores.items()
    ]
    if q.sides is not None:
        high_value, high_repeat = repository.quadrant_sides(s, q.value_cut, q.repeat_cut)
        conditions.append(or_(*(and_(high_value.is_(v), high_repeat.is_(r)) for v, r in q.sides)))
    if q.sleeping_since is not None:
        conditions.append(s.c.last_purchase_at < q.sleeping_since)
    if q.criterion is not None:
        at_risk = q.criterion.at_risk(dict(s.c.items()), q.criterion_value)
        conditions.append(func.coalesce(at_risk, False))
    if q.tiers is not None:
        conditions.append(s.c.tier_code.in_(q.tiers))
    if q.tags is not None:
        tagged = select(_tags.c.member_id).where(_tags.c.tag_id.in_(q.tags))
        conditions.append(s.c.member_id.in_(tagged))
    if q.among is not None:
        chosen = bindparam("among", q.among, type_=ARRAY(Uuid))
        conditions.append(s.c.member_id == any_(chosen))
    conditions += _between(s.c.monetary_fen, *q.net_spend_fen)
    conditions += _between(s.c.frequency, *q.purchases)
    low, high = q.last_purchase
    if low is not None:
        conditions.append(s.c.last_purchase_at >= low)
    if high is not None:
        conditions.append(s.c.last_purchase_at < high)
    return select(s.c.member_id).where(and_(True, *conditions))
