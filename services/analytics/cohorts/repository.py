"""The cohort's tallies: set-based aggregates over the purchase, survey and referral facts,
one statement each, whatever the cohort's size."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import CTE, ColumnElement, Table, Uuid, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on, insert

from services.analytics.cohorts.domain import SATISFIED_SCORES, Windows
from services.analytics.cohorts.models import CampaignPurchase
from services.analytics.facts.models import Purchase, SurveyAnswer
from shared.db import AsyncSession

_purchases: Table = Purchase.__table__  # type: ignore[attr-defined]
_surveys: Table = SurveyAnswer.__table__  # type: ignore[attr-defined]
_campaign_purchases: Table = CampaignPurchase.__table__  # type: ignore[attr-defined]

WINDOW_NAMES = ("before", "during", "after")


def listed_members(members: list[uuid.UUID]) -> CTE:
    """The cohort of the members named (each once)."""
    ids = bindparam("cohort_ids", members, type_=ARRAY(Uuid))
    return select(func.unnest(ids).label("member_id")).distinct().cte("cohort")


def campaign_participants(campaign_id: uuid.UUID) -> CTE:
    """The cohort of the members with a counted sale the loyalty campaign reached."""
    reached = _campaign_purchases
    return (
        select(reached.c.member_id)
        .join(_purchases, _purchases.c.purchase_id == reached.c.purchase_id)
        .where(reached.c.campaign_id == campaign_id, _counted())
        .distinct()
        .cte("cohort")
    )


def _record_reached() -> sa.Executable:
    rows = select(
        func.unnest(bindparam("campaigns", type_=ARRAY(Uuid))).label("campaign_id"),
        func.unnest(bindparam("purchases", type_=ARRAY(Uuid))).label("purchase_id"),
        func.unnest(bindparam("members", type_=ARRAY(Uuid))).label("member_id"),
    )
    return (
        insert(_campaign_purchases)
        .from_select(["campaign_id", "purchase_id", "member_id"], rows)
        .on_conflict_do_nothing()
    )


_RECORD_REACHED = _record_reached()


async def record_reached(
    session: AsyncSession, reached: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]
) -> None:
    """Keeps that each campaign reached each sale, given as ``(campaign_id, purchase_id,
    member_id)``, in one statement (arrays: compiled once, whatever the count); a
    redelivered event adds nothing."""
    if not reached:
        return
    await session.execute(
        _RECORD_REACHED,
        {
            "campaigns": [campaign for campaign, _, _ in reached],
            "purchases": [purchase for _, purchase, _ in reached],
            "members": [member for _, _, member in reached],
        },
    )


def campaign_buyers(w: Windows) -> CTE:
    """The cohort of the members with a counted purchase during the campaign."""
    return (
        select(_purchases.c.member_id)
        .where(_counted(), _between(_purchases.c.purchased_at, w.during_start, w.after_start))
        .distinct()
        .cte("cohort")
    )


def _counted() -> ColumnElement[bool]:
    return and_(_purchases.c.voided_at.is_(None), _purchases.c.fully_returned.is_(False))


def _between(
    column: ColumnElement[datetime], start: datetime, end: datetime
) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def bounds(w: Windows) -> dict[str, tuple[datetime, datetime]]:
    """Each window's ``[start, end)``, by name."""
    return {
        "before": (w.before_start, w.during_start),
        "during": (w.during_start, w.after_start),
        "after": (w.after_start, w.after_end),
    }


@dataclass(frozen=True)
class PurchaseTallies:
    participants: int
    repeat_buyers: int
    churned: int
    purchases: dict[str, int]
    net_sales_fen: dict[str, int]


async def purchase_tallies(session: AsyncSession, cohort: CTE, w: Windows) -> PurchaseTallies:
    """Per window the counted purchases and net sales (total − refunds of purchases not
    voided) of the cohort; who bought again after the campaign and who churned.

    Only the purchases from the before window's start are joined (an index range, not
    every member's whole history): whether a member bought by the campaign's end looks
    further back only for a member with no purchase in the windows, by the index of a
    member's purchases."""
    p = _purchases
    net = p.c.total_fen - p.c.returned_fen
    counted = _counted()
    per_member_columns: list[ColumnElement[Any]] = [cohort.c.member_id]
    for name, (start, end) in bounds(w).items():
        inside = _between(p.c.purchased_at, start, end)
        per_member_columns += [
            func.count().filter(and_(counted, inside)).label(f"n_{name}"),
            func.coalesce(func.sum(net).filter(inside), 0).label(f"fen_{name}"),
        ]
    earlier = p.alias("earlier")
    bought_earlier = (
        select(earlier.c.purchase_id)
        .where(
            earlier.c.member_id == cohort.c.member_id,
            earlier.c.voided_at.is_(None),
            earlier.c.fully_returned.is_(False),
            earlier.c.purchased_at < w.before_start,
        )
        .exists()
    )
    per_member_columns += [
        sa.or_(
            func.coalesce(func.bool_or(and_(counted, p.c.purchased_at < w.after_start)), False),
            bought_earlier,
        ).label("by_end"),
        func.coalesce(
            func.bool_or(and_(counted, _between(p.c.purchased_at, w.after_start, w.after_end))),
            False,
        ).label("after"),
        func.coalesce(
            func.bool_or(and_(counted, _between(p.c.purchased_at, w.after_start, w.churn_end))),
            False,
        ).label("kept"),
    ]
    per_member = (
        select(*per_member_columns)
        .select_from(
            cohort.outerjoin(
                p,
                and_(
                    p.c.member_id == cohort.c.member_id,
                    p.c.voided_at.is_(None),
                    _between(p.c.purchased_at, w.before_start, max(w.after_end, w.churn_end)),
                ),
            )
        )
        .group_by(cohort.c.member_id)
        .subquery()
    )
    m = per_member.c
    sums: list[ColumnElement[Any]] = [
        func.count(),
        func.count().filter(and_(m.by_end, m.after)),
        func.count().filter(and_(m.by_end, sa.not_(m.kept))),
    ]
    for name in WINDOW_NAMES:
        sums += [
            func.coalesce(func.sum(m[f"n_{name}"]), 0),
            func.coalesce(func.sum(m[f"fen_{name}"]), 0),
        ]
    row = (await session.execute(select(*sums))).one()
    return PurchaseTallies(
        participants=int(row[0]),
        repeat_buyers=int(row[1]),
        churned=int(row[2]),
        purchases={name: int(row[3 + 2 * i]) for i, name in enumerate(WINDOW_NAMES)},
        net_sales_fen={name: int(row[4 + 2 * i]) for i, name in enumerate(WINDOW_NAMES)},
    )


@dataclass(frozen=True)
class SurveyTallies:
    surveyed: int
    satisfied: int
    answers: dict[str, int]


async def survey_tallies(session: AsyncSession, cohort: CTE, w: Windows) -> SurveyTallies:
    """Participants who answered a survey from the campaign's start to the after window's
    end, those whose latest answer there was satisfied, and the answers per window."""
    s = _surveys
    in_cohort = s.c.member_id.in_(select(cohort.c.member_id))
    latest = (
        select(s.c.score)
        .where(in_cohort, _between(s.c.answered_at, w.during_start, w.after_end))
        .order_by(s.c.member_id, s.c.answered_at.desc())
        .ext(distinct_on(s.c.member_id))
        .subquery()
    )
    surveyed, satisfied = (
        await session.execute(
            select(func.count(), func.count().filter(latest.c.score.in_(SATISFIED_SCORES)))
        )
    ).one()
    answers = await _per_window(session, s.c.answered_at, in_cohort, w)
    return SurveyTallies(surveyed=int(surveyed), satisfied=int(satisfied), answers=answers)


async def _per_window(
    session: AsyncSession, at: ColumnElement[datetime], where: ColumnElement[bool], w: Windows
) -> dict[str, int]:
    counts = [func.count().filter(_between(at, *window)) for window in bounds(w).values()]
    row = (
        await session.execute(
            select(*counts).where(where, _between(at, w.before_start, w.after_end))
        )
    ).one()
    return {name: int(row[i]) for i, name in enumerate(WINDOW_NAMES)}
