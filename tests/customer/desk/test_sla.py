"""The SLA's due time in business hours, computed by hand: 09:00-18:00 in Shanghai on
China's working days (weekends and public holidays off, make-up Saturdays and Sundays on)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.customer.config import Settings
from services.customer.desk.sla.domain import BusinessHours, country_calendar, sla_budget

SHANGHAI = ZoneInfo("Asia/Shanghai")
DESK = BusinessHours(SHANGHAI, time(9), time(18), country_calendar("CN"))


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # within one day
        (local(2026, 12, 1, 10), 4, local(2026, 12, 1, 14)),
        # ends exactly at closing: due at 18:00, not the next morning
        (local(2026, 12, 1, 10), 8, local(2026, 12, 1, 18)),
        # before opening: the clock starts at 09:00
        (local(2026, 12, 1, 7, 30), 2, local(2026, 12, 1, 11)),
        # Friday 17:00 + 16 h: 1 h on Friday, 9 h on Monday, 6 h on Tuesday
        (local(2026, 11, 27, 17), 16, local(2026, 12, 1, 15)),
        # recorded on Saturday: starts on Monday 09:00
        (local(2026, 11, 28, 11), 4, local(2026, 11, 30, 13)),
        # after closing on Friday: Monday morning
        (local(2026, 11, 27, 19), 1, local(2026, 11, 30, 10)),
        # Golden Week: Wed 30 Sep 16:00 + 16 h = 2 h, then 1-7 Oct off, 9 h on Thu 8 Oct,
        # 5 h on Fri 9 Oct
        (local(2026, 9, 30, 16), 16, local(2026, 10, 9, 14)),
        # Fri 9 Oct 17:00 + 4 h: Saturday 10 Oct is a make-up working day (调休)
        (local(2026, 10, 9, 17), 4, local(2026, 10, 10, 12)),
        # Saturday 19 Sep: Sunday 20 Sep is a make-up working day
        (local(2026, 9, 19, 10), 2, local(2026, 9, 20, 11)),
    ],
)
def test_due_at(start: datetime, hours: int, due: datetime) -> None:
    assert DESK.due_at(start, timedelta(hours=hours)) == due.astimezone(UTC)


def test_an_instant_in_utc_is_read_in_the_brands_zone() -> None:
    # 2026-12-01 00:30 UTC is 08:30 in Shanghai: the desk opens half an hour later
    start = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert DESK.due_at(start, timedelta(hours=1)) == local(2026, 12, 1, 10).astimezone(UTC)


def test_budgets_by_kind_and_priority() -> None:
    assert sla_budget("complaint", "urgent") == timedelta(hours=4)
    assert sla_budget("complaint", "normal") < sla_budget("feedback", "normal")
    assert sla_budget("suggestion", "low") == timedelta(hours=80)


def test_refusals() -> None:
    with pytest.raises(ValueError, match="aware"):
        DESK.due_at(datetime(2026, 12, 1, 10), timedelta(hours=1))
    with pytest.raises(ValueError, match="positive"):
        DESK.due_at(local(2026, 12, 1, 10), timedelta(0))
    with pytest.raises(ValueError, match="open before"):
        BusinessHours(SHANGHAI, time(18), time(9), country_calendar("CN"))
    never = BusinessHours(SHANGHAI, time(9), time(18), lambda day: False)
    with pytest.raises(ValueError, match="no working day"):
        never.due_at(local(2026, 12, 1, 10), timedelta(hours=1))


def test_settings_refuse_a_desk_that_cannot_work() -> None:
    with pytest.raises(ValidationError, match="earlier than desk_closes"):
        Settings(desk_opens=time(18), desk_closes=time(9))
    with pytest.raises(ValidationError, match="no calendar"):
        Settings(desk_holiday_country="XX")
    assert Settings(desk_holiday_country="HK").desk_holiday_country == "HK"
