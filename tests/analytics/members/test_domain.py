from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.analytics.facts.domain import business_day
from services.analytics.members import domain


def test_days_since_counts_calendar_days_in_the_business_timezone() -> None:
    # 23:30 UTC on 31 May is already 1 June in Shanghai
    last = datetime(2025, 5, 31, 23, 30, tzinfo=UTC)
    now = datetime(2025, 6, 1, 15, 0, tzinfo=UTC)  # 23:00 on 1 June in Shanghai
    assert domain.days_since(last, now, "Asia/Shanghai") == 0
    assert domain.days_since(last, now, "UTC") == 1
    assert domain.days_since(None, now, "Asia/Shanghai") is None
    assert business_day(last, "Asia/Shanghai").isoformat() == "2025-06-01"


def test_a_purchase_dated_past_midnight_by_a_fast_till_is_zero_days_ago() -> None:
    now = datetime(2026, 11, 23, 15, 58, tzinfo=UTC)  # 23:58 in Shanghai
    ahead = now + timedelta(minutes=4)  # 00:02 the next day there
    assert domain.days_since(ahead, now, "Asia/Shanghai") == 0
