"""The journeys' rules of time: birthdays in the member's timezone (29 February too), the
welcome's window after a first purchase (seed 004: 7–15 days), the win-back's, and the
Chinese holidays by the holidays library, lunar ones included."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.messaging.journeys import domain
from services.messaging.journeys.domain import DEFAULT, JourneySettings
from services.messaging.templates.domain import format_yuan

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def test_the_next_birthday_is_read_on_the_members_clocks() -> None:
    # 1 March 2027 03:00 UTC: already 1 March in Shanghai, still 28 February in New York
    now = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    assert domain.next_birthday(3, 1, now, SHANGHAI) == date(2027, 3, 1)  # today
    assert domain.next_birthday(2, 28, now, SHANGHAI) == date(2028, 2, 28)  # passed
    assert domain.next_birthday(2, 28, now, NEW_YORK) == date(2027, 2, 28)  # today there


def test_29_february_is_celebrated_on_28_february_in_a_common_year() -> None:
    assert domain.birthday_in(2027, 2, 29) == date(2027, 2, 28)
    assert domain.birthday_in(2028, 2, 29) == date(2028, 2, 29)
    now = datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert domain.next_birthday(2, 29, now, SHANGHAI) == date(2027, 2, 28)
    after = datetime(2027, 3, 1, 12, tzinfo=UTC)
    assert domain.next_birthday(2, 29, after, SHANGHAI) == date(2028, 2, 29)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)),
)
def test_the_next_birthday_is_the_first_day_celebrating_it_from_today(
    moment: datetime, born: date
) -> None:
    now = moment.replace(tzinfo=UTC)
    today = now.astimezone(SHANGHAI).date()
    found = domain.next_birthday(born.month, born.day, now, SHANGHAI)
    assert today <= found < today + timedelta(days=367)
    leap_day_moved = (born.month, born.day) == (2, 29) and not calendar.isleap(found.year)
    assert (found.month, found.day) == ((2, 28) if leap_day_moved else (born.month, born.day))
    # no day between today and it celebrates the birthday
    day_before = found - timedelta(days=1)
    if day_before >= today:
        assert domain.birthday_in(day_before.year, born.month, born.day) != day_before


def test_a_greeting_is_due_at_the_send_time_of_its_day_and_expires_at_its_end() -> None:
    window = domain.day_window(date(2027, 3, 5), SHANGHAI, DEFAULT)
    assert window.due_at == datetime(2027, 3, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert window.expires_at == datetime(2027, 3, 5, 16, 0, tzinfo=UTC)  # its midnight
    there = domain.day_window(date(2027, 3, 5), NEW_YORK, DEFAULT)
    assert there.due_at == datetime(2027, 3, 5, 15, 0, tzinfo=UTC)  # 10:00 EST


def test_the_welcome_falls_in_days_7_to_15_after_the_first_purchase() -> None:
    # 23:30 on 1 March in Shanghai (15:30 UTC): its day is 1 March
    bought = datetime(2027, 3, 1, 15, 30, tzinfo=UTC)
    window = domain.welcome_window(bought, SHANGHAI, DEFAULT)
    assert window.due_at == datetime(2027, 3, 8, 10, tzinfo=SHANGHAI)
    assert window.expires_at == datetime(2027, 3, 17, 0, tzinfo=SHANGHAI)  # day 15 ends
    other = JourneySettings(welcome_after_days=3, welcome_until_days=3, send_at=time(9, 30))
    short = domain.welcome_window(bought, SHANGHAI, other)
    assert (short.due_at, short.expires_at) == (
        datetime(2027, 3, 4, 9, 30, tzinfo=SHANGHAI),
        datetime(2027, 3, 5, tzinfo=SHANGHAI),
    )


def test_the_win_back_falls_due_the_days_after_the_last_purchase() -> None:
    bought = datetime(2027, 1, 10, 4, tzinfo=UTC)
    window = domain.win_back_window(bought, SHANGHAI, DEFAULT)
    assert window.due_at == datetime(2027, 4, 10, 10, tzinfo=SHANGHAI)  # 90 days
    assert window.expires_at - window.due_at == timedelta(days=30)


@pytest.mark.parametrize(
    ("day", "keys"),
    [
        (date(2027, 2, 6), ("spring_festival",)),  # lunar: 1st of the 1st month
        (date(2027, 2, 5), ("new_years_eve",)),
        (date(2027, 6, 9), ("dragon_boat",)),  # lunar: 5th of the 5th month
        (date(2027, 9, 15), ("mid_autumn",)),  # lunar: 15th of the 8th month
        (date(2027, 10, 1), ("national_day",)),
        (date(2027, 1, 1), ("new_year",)),
        (date(2026, 2, 17), ("spring_festival",)),
        (date(2027, 2, 7), ()),  # the festival's second day
        (date(2027, 2, 9), ()),  # a day off in lieu
        (date(2027, 10, 4), ()),
        (date(2027, 3, 5), ()),
    ],
)
def test_a_holiday_is_greeted_on_its_first_day(day: date, keys: tuple[str, ...]) -> None:
    assert tuple(h.key for h in domain.holidays_beginning(day)) == keys


def test_two_holidays_beginning_on_one_day_are_both_found() -> None:
    # 2020: the Mid-Autumn Festival fell on National Day
    assert {h.key for h in domain.holidays_beginning(date(2020, 10, 1))} == {
        "mid_autumn",
        "national_day",
    }


def test_occurrences_and_triggers_are_stable() -> None:
    [spring] = domain.holidays_beginning(date(2027, 2, 6))
    assert domain.holiday_occurrence(date(2027, 2, 6), spring) == "2027-02-06 spring_festival"
    assert domain.trigger_id("0b7c9a52") == "journey:0b7c9a52"
    # loyalty's grant at 00:00:30 on 1 January in Shanghai is of that year's birthday
    assert domain.birthday_year(datetime(2026, 12, 31, 16, 0, 30, tzinfo=UTC), SHANGHAI) == "2027"


@pytest.mark.parametrize(
    ("fen", "text"), [(2000, "20"), (2050, "20.50"), (5, "0.05"), (123456, "1,234.56"), (0, "0")]
)
def test_an_amount_in_fen_reads_as_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


def test_yuan_refuses_what_is_not_fen() -> None:
    with pytest.raises(TypeError):
        format_yuan(20.5)
