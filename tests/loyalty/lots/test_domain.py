"""Pending and expiring points, by hand: dates in the brand's timezone (Asia/Shanghai)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loyalty.accounts.domain import OpenLot
from services.loyalty.lots import domain
from services.loyalty.lots.domain import Dated, Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _shanghai(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # a leap year's February
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
    ],
)
def test_months_later_is_the_same_day_or_the_month_s_last(
    day: date, months: int, expected: date
) -> None:
    assert domain.add_months(day, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(3, 120))
def test_months_later_lands_in_the_right_month(day: date, months: int) -> None:
    later = domain.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day


def test_points_expire_at_the_brand_s_midnight_ending_their_last_day() -> None:
    twelve = Policy(expiry="months_after_earning", expiry_months=12)
    # 15 March 2026 at 23:30 in Shanghai is still 15:30 UTC that day
    earned = _shanghai(2026, 3, 15, 23, 30)
    assert domain.expires_at(twelve, earned, SHANGHAI) == datetime(2027, 3, 15, 16, tzinfo=UTC)
    # 00:30 on the 16th in Shanghai is the 15th in UTC, but the brand's day is the 16th
    late = _shanghai(2026, 3, 16, 0, 30)
    assert domain.expires_at(twelve, late, SHANGHAI) == datetime(2027, 3, 16, 16, tzinfo=UTC)
    year_end = Policy(expiry="end_of_year_after_earning")
    for earned_on in (_shanghai(2026, 1, 1, 0, 0), _shanghai(2026, 12, 31, 23, 59)):
        assert domain.expires_at(year_end, earned_on, SHANGHAI) == _shanghai(2028, 1, 1, 0, 0)
    assert domain.expires_at(Policy(), earned, SHANGHAI) is None
    assert domain.last_valid_day(_shanghai(2028, 1, 1, 0, 0), SHANGHAI) == date(2027, 12, 31)


def test_a_purchase_waits_out_the_return_window_other_credits_do_not() -> None:
    policy = Policy(return_window_days=7, expiry="end_of_year_after_earning")
    now = _shanghai(2026, 5, 1, 10, 0)
    earned = domain.credit_terms(policy, now, SHANGHAI, purchase=True)
    adjusted = domain.credit_terms(policy, now, SHANGHAI, purchase=False)
    assert earned.pending == timedelta(days=7)
    assert adjusted.pending == timedelta(0)
    assert earned.expires_at == adjusted.expires_at == _shanghai(2028, 1, 1, 0, 0)


def _lot(remaining: int, available_at: datetime, expires_at: datetime | None) -> OpenLot:
    return OpenLot(
        uuid.uuid4(), remaining, available_at - timedelta(days=7), expires_at, available_at
    )


def test_the_view_splits_available_pending_and_expiring_soon_by_the_brand_s_days() -> None:
    now = _shanghai(2026, 5, 10, 12, 0)
    lots = [
        _lot(500, _shanghai(2026, 5, 1, 9, 0), _shanghai(2026, 6, 1, 0, 0)),  # expires in 22 days
        _lot(200, _shanghai(2026, 5, 2, 9, 0), None),
        _lot(300, _shanghai(2026, 5, 12, 9, 0), None),  # pending two more days
        _lot(100, _shanghai(2026, 5, 12, 18, 0), _shanghai(2026, 6, 9, 0, 0)),  # same day
        _lot(50, _shanghai(2026, 5, 14, 9, 0), _shanghai(2026, 6, 10, 0, 0)),  # 30.5 days out
    ]
    view = domain.lots_view(lots, now, 30, SHANGHAI)
    assert view.available == 700
    assert view.pending == (Dated(date(2026, 5, 12), 400), Dated(date(2026, 5, 14), 50))
    assert view.pending_points == 450
    assert view.expiring_soon == (Dated(date(2026, 5, 31), 500), Dated(date(2026, 6, 8), 100))
    assert view.expiring_soon_points == 600
