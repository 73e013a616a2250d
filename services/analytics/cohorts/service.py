"""Seed 003's KPIs of a cohort: the tallies through the formulas. Reads only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CTE

from services.analytics.cohorts import domain, repository
from services.analytics.cohorts.errors import CampaignPeriodInvalid
from services.analytics.cohorts.schemas import (
    CampaignParticipants,
    Cohort,
    CohortKpis,
    CohortKpisIn,
    CohortWindow,
    ListedMembers,
)
from services.analytics.reads import begin_report
from services.analytics.referrals import service as referrals
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.events.loyalty import PointsEarned


async def cohort_kpis(session: AsyncSession, request: CohortKpisIn, zone: ZoneInfo) -> CohortKpis:
    """The KPIs of ``request.cohort`` for the campaign ``first_day..last_day`` (business
    days in ``zone``). Raises :class:`CampaignPeriodInvalid` (422, field ``last_day``)
    when the period ends before it starts or is longer than 366 days."""
    if request.last_day < request.first_day:
        raise CampaignPeriodInvalid(
            f"last_day ({request.last_day}) is before first_day ({request.first_day})",
            field="last_day",
        )
    if (request.last_day - request.first_day).days + 1 > domain.MAX_CAMPAIGN_DAYS:
        raise CampaignPeriodInvalid(
            f"a campaign is at most {domain.MAX_CAMPAIGN_DAYS} days long", field="last_day"
        )
    w = domain.windows(request.first_day, request.last_day, request.churn_days, zone)
    await begin_report(session)
    cohort = _cohort(request.cohort, w)
    sales = await repository.purchase_tallies(session, cohort, w)
    surveys = await repository.survey_tallies(session, cohort, w)
    referrers, referred = await referrals.cohort_referrals(
        session, cohort, (w.during_start, w.after_end), repository.bounds(w)
    )
    n = sales.participants
    starts = {"before": w.before_start, "during": w.during_start, "after": w.after_start}

    def window(name: str) -> CohortWindow:
        interactions = sales.purchases[name] + surveys.answers[name] + referred[name]
        first = starts[name].date()
        return CohortWindow(
            first_day=first,
            last_day=first + timedelta(days=w.days - 1),
            purchases=sales.purchases[name],
            net_sales_fen=sales.net_sales_fen[name],
            interactions=interactions,
            interaction_frequency=domain.interaction_frequency(interactions, n, w.days),
        )

    now = datetime.now(UTC)
    before = sales.net_sales_fen["before"]
    return CohortKpis(
        participants=n,
        surveyed=surveys.surveyed,
        satisfied=surveys.satisfied,
        satisfaction=domain.satisfaction(surveys.satisfied, n),
        repeat_buyers=sales.repeat_buyers,
        repeat_purchase_rate=domain.repeat_purchase_rate(sales.repeat_buyers, n),
        churn_days=request.churn_days or w.days,
        churned=sales.churned,
        churn_rate=domain.churn_rate(sales.churned, n),
        referrers=referrers,
        referral_rate=domain.referral_rate(referrers, n),
        before=window("before"),
        during=window("during"),
        after=window("after"),
        sales_lift_during=domain.sales_lift(before, sales.net_sales_fen["during"]),
        sales_lift_after=domain.sales_lift(before, sales.net_sales_fen["after"]),
        complete=max(w.after_end, w.churn_end) <= now,
        as_of=now,
    )


def _cohort(cohort: Cohort, w: domain.Windows) -> CTE:
    if isinstance(cohort, ListedMembers):
        return repository.listed_members(cohort.members)
    if isinstance(cohort, CampaignParticipants):
        return repository.campaign_participants(cohort.campaign_id)
    return repository.campaign_buyers(w)


async def record_reached(session: AsyncSession, earned: Iterable[PointsEarned]) -> None:
    """Keeps which loyalty campaigns reached each sale (nothing for a sale none reached),
    in one statement for all of ``earned``."""
    await repository.record_reached(
        session,
        [(c, e.purchase_id, e.member_id) for e in earned for c in e.campaign_ids],
    )


WINDOWS = ("before", "during", "after")


def kpis_csv(kpis: CohortKpis) -> str:
    """The KPIs as one CSV row: the cohort's figures, then each window's prefixed with its
    name (``before_first_day`` … ``after_interaction_frequency``), dates and times in ISO
    8601, a missing lift empty."""
    flat = kpis.model_dump(mode="json", exclude=set(WINDOWS))
    for name in WINDOWS:
        window = getattr(kpis, name).model_dump(mode="json")
        flat |= {f"{name}_{field}": value for field, value in window.items()}
    return csv_text(flat, [flat.values()])
