"""Use cases of the referral facts: folding the referral events in, and the report. They
flush, never commit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CTE

from services.analytics.referrals import domain, repository
from services.analytics.referrals.schemas import ReferralMonth, ReferralReport, month_label
from shared.csvtext import csv_text
from shared.db import AsyncSession
from shared.events.customer import MemberReferred
from shared.events.referrals import ReferralQualified, ReferralRewarded


async def record_referred(session: AsyncSession, referred: MemberReferred) -> None:
    await repository.record(
        session, referred.member_id, referred.referrer_id, "referred_at", referred.referred_at
    )


async def record_qualified(session: AsyncSession, qualified: ReferralQualified) -> None:
    await repository.record(
        session,
        qualified.friend_member_id,
        qualified.member_id,
        "qualified_at",
        qualified.purchased_at,
    )


async def record_rewarded(session: AsyncSession, rewarded: ReferralRewarded) -> None:
    await repository.record(
        session,
        rewarded.friend_member_id,
        rewarded.member_id,
        "rewarded_at",
        rewarded.rewarded_at,
    )


async def report(session: AsyncSession, first: date, last: date, zone: ZoneInfo) -> ReferralReport:
    """The referral rate per month of the brand from ``first``'s month to ``last``'s
    (both included; the caller checks the order and the length) and over the range.
    Friends count in the month they registered; ``qualified`` and ``rewarded`` are what
    became of them so far."""
    since, until = domain.span(first, last, zone)
    registered = await repository.registrations(session, since, until, zone.key)
    referred = await repository.referred(session, since, until, zone.key)
    rows = [
        _row(month_label(month), registered.get(month, 0), *referred.get(month, (0, 0, 0)))
        for month in domain.months(first, last)
    ]
    sums = [
        sum(getattr(row, name) for row in rows)
        for name in ("registrations", "referred", "qualified", "rewarded")
    ]
    label = f"{month_label(first)}..{month_label(last)}"
    return ReferralReport(
        from_month=month_label(first),
        to_month=month_label(last),
        months=rows,
        total=_row(label, *sums),
    )


def report_csv(report: ReferralReport) -> str:
    """The months, oldest first, then the total (``month``: ``from..to``) as CSV."""
    header = tuple(ReferralMonth.model_fields)
    rows = [*report.months, report.total]
    return csv_text(header, ([getattr(row, name) for name in header] for row in rows))


def _row(
    label: str, registrations: int, referred: int, qualified: int, rewarded: int
) -> ReferralMonth:
    return ReferralMonth(
        month=label,
        registrations=registrations,
        referred=referred,
        referral_rate=domain.rate(referred, registrations),
        qualified=qualified,
        qualification_rate=domain.rate(qualified, referred),
        rewarded=rewarded,
    )


async def cohort_referrals(
    session: AsyncSession,
    cohort: CTE,
    qualified_in: tuple[datetime, datetime],
    windows: dict[str, tuple[datetime, datetime]],
) -> tuple[int, dict[str, int]]:
    """For seed 003's referral rate of a cohort (a CTE of ``member_id``): the members who
    brought in a new paying member (a friend whose first paid purchase fell in
    ``qualified_in``, ``[start, end)`` UTC), and the friends who registered with their
    codes in each named window."""
    return await repository.cohort_referrals(session, cohort, qualified_in, windows)
