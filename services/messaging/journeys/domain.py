"""Pure rules of journeys: when each journey's run of a member falls due and expires, which
days are the Chinese holidays greeted, and the brand's journey settings.

Every time here is aware; a member's local times are read on the clocks of their timezone
(:func:`services.messaging.policy.domain.member_zone`: their phone number's, else the
brand's). Sources: seed 004 (客户营销短信) names the birthday greeting with its coupon,
holiday greetings and the new customer's greeting 7–15 days after the first purchase; the
sleeping customer's win-back is seed 003's (沉睡客户).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Literal, get_args

import holidays

Journey = Literal["first_purchase_welcome", "birthday", "holiday", "win_back"]
JOURNEYS: tuple[Journey, ...] = get_args(Journey)

RunState = Literal["scheduled", "notified", "expired", "skipped"]
"""``scheduled``: not yet run; ``notified``: the member's message was queued (each channel
then as consent and the messaging policy allow); ``expired``: not run before
``expires_at``; ``skipped``: the journey was off, or the member unknown, when it fell due."""

WELCOME_OCCURRENCE = "first-purchase"
"""A member's one welcome run: the first purchase messaging sees."""

EVENT_DRIVEN: tuple[tuple[str, str], ...] = (
    ("points_expiring", "loyalty.points.expiring: points about to expire, notice days ahead"),
    ("tier_upgrade", "loyalty.tier.changed up: the new tier"),
    ("tier_downgrade", "loyalty.tier.changed down: the new tier and how long it is kept"),
    ("ticket_survey", "customer.ticket.resolved: a satisfaction survey"),
)
"""Journeys that follow one event each and are sent when it is consumed (template, when):
listed for staff beside the scheduled ones, set by templates and the messaging policy."""

KEPT_PURCHASE_DAYS = 35
"""How long every purchase journeys keep stays (``journey_purchases``): a sale is voided on
its business day, and this leaves room for a void consumed late (deferred, or replayed
from the dead letters). Older ones go, but for each member's latest purchase not voided
of before then: the one a win-back goes back to when every later one is voided."""

JOURNEY_OFF = "journey disabled"
EXISTING_CUSTOMER = "an existing customer: imported, or a member before journeys"
"""Why a member gets no welcome after the first purchase messaging sees: it is not theirs."""
NO_CONTACT = "member has no contact"


@dataclass(frozen=True)
class Holiday:
    """A Chinese holiday greeted: its key, its name as ``holidays.China`` spells it in
    English (how its days are found), and as a greeting names it in each language."""

    key: str
    name: str
    zh: str
    en: str

    def called(self, locale: str) -> str:
        """Its name in ``locale`` (``en``; anything else reads Chinese)."""
        return self.en if locale == "en" else self.zh


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("new_year", "New Year's Day", "元旦", "New Year"),
    Holiday("new_years_eve", "Chinese New Year's Eve", "除夕", "Chinese New Year's Eve"),
    Holiday("spring_festival", "Chinese New Year (Spring Festival)", "春节", "Spring Festival"),
    Holiday("tomb_sweeping", "Tomb-Sweeping Day", "清明节", "Qingming Festival"),
    Holiday("labour_day", "Labor Day", "劳动节", "Labour Day"),
    Holiday("dragon_boat", "Dragon Boat Festival", "端午节", "Dragon Boat Festival"),
    Holiday("mid_autumn", "Mid-Autumn Festival", "中秋节", "Mid-Autumn Festival"),
    Holiday("national_day", "National Day", "国庆节", "National Day"),
)
HOLIDAY_BY_KEY = {h.key: h for h in HOLIDAYS}
HOLIDAY_KEYS: tuple[str, ...] = tuple(h.key for h in HOLIDAYS)


@dataclass(frozen=True)
class JourneySettings:
    """The brand's journeys. ``send_at``: the local time of day a run falls due in the
    member's timezone; the welcome falls due ``welcome_after_days`` after the first
    purchase's local day and expires at the end of its ``welcome_until_days``-th day (seed
    004: 7–15); the win-back falls due ``win_back_days`` after the member's last purchase
    and expires ``win_back_expires_days`` later; ``holidays``: the keys of
    :data:`HOLIDAYS` greeted on their first day. ``version`` 0: never set."""

    enabled: frozenset[Journey] = frozenset(JOURNEYS)
    send_at: time = time(10)
    welcome_after_days: int = 7
    welcome_until_days: int = 15
    holidays: tuple[str, ...] = (
        "new_year",
        "spring_festival",
        "dragon_boat",
        "mid_autumn",
        "national_day",
    )
    win_back_days: int = 90
    win_back_expires_days: int = 30
    version: int = field(default=0, compare=False)


DEFAULT = JourneySettings()


@dataclass(frozen=True)
class Window:
    """When a run falls due and when it expires (exclusive)."""

    due_at: datetime
    expires_at: datetime


def _at(day: date, at: time, zone: tzinfo) -> datetime:
    """``at`` on ``day`` on the clocks of ``zone`` (a skipped time as read after the change)."""
    return datetime.combine(day, at, zone)


def _midnight_after(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), zone)


def welcome_window(purchased_at: datetime, zone: tzinfo, settings: JourneySettings) -> Window:
    """The welcome of a first purchase at ``purchased_at``: due ``welcome_after_days``
    after its local day at ``send_at``, expiring at the end of the ``welcome_until_days``-th
    day (seed 004: 7–15 days after the first purchase)."""
    day = purchased_at.astimezone(zone).date()
    return Window(
        _at(day + timedelta(days=settings.welcome_after_days), settings.send_at, zone),
        _midnight_after(day + timedelta(days=settings.welcome_until_days), zone),
    )


def birthday_in(year: int, month: int, day: int) -> date:
    """The day ``year`` celebrates a birthday: 29 February is 28 February in a common year
    (within the birthday month, as loyalty grants its coupon)."""
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_birthday(month: int, day: int, now: datetime, zone: tzinfo) -> date:
    """The next day celebrating the birthday in ``zone``: today (local) included."""
    today = now.astimezone(zone).date()
    this_year = birthday_in(today.year, month, day)
    return this_year if this_year >= today else birthday_in(today.year + 1, month, day)


def day_window(day: date, zone: tzinfo, settings: JourneySettings) -> Window:
    """A greeting of ``day`` (a birthday, a holiday): due at ``send_at`` on it, expiring at
    its end, both on the clocks of ``zone``."""
    return Window(_at(day, settings.send_at, zone), _midnight_after(day, zone))


def win_back_window(purchased_at: datetime, zone: tzinfo, settings: JourneySettings) -> Window:
    """The win-back of a member whose last purchase was at ``purchased_at``: due at
    ``send_at`` ``win_back_days`` after its local day, expiring ``win_back_expires_days``
    later."""
    day = purchased_at.astimezone(zone).date() + timedelta(days=settings.win_back_days)
    due = _at(day, settings.send_at, zone)
    return Window(due, due + timedelta(days=settings.win_back_expires_days))


@lru_cache(maxsize=8)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year, language="en_US")


def _names(day: date) -> set[str]:
    return set(_china(day.year).get_list(day))


def holidays_beginning(day: date) -> tuple[Holiday, ...]:
    """The holidays of :data:`HOLIDAYS` whose first day ``day`` is, by ``holidays.China``
    (lunar ones included: the Spring Festival of 2027 begins on 6 February): a day with
    the holiday's name whose day before has not. Days off in lieu (``(observed)``) are not
    the holiday."""
    begun = _names(day) - _names(day - timedelta(days=1))
    return tuple(h for h in HOLIDAYS if h.name in begun)


def holiday_occurrence(day: date, holiday: Holiday) -> str:
    """One greeting per member for a holiday's day, whatever re-runs."""
    return f"{day.isoformat()} {holiday.key}"


def trigger_id(run_id: object) -> str:
    """The notifications' trigger of a run: its id, so a run notifies each channel once."""
    return f"journey:{run_id}"


def birthday_year(granted_at: datetime, zone: tzinfo) -> str:
    """The occurrence of the birthday a birthday coupon granted at ``granted_at`` belongs
    to: the brand's year of its grant (loyalty grants on the brand's day of the birthday)."""
    return str(granted_at.astimezone(zone).year)
