"""Staff reminders: follow-up calls due and members' birthdays coming up, per staff user.

Staff users are known by their token's subject (a login); a ticket's ``assignee`` is one.
There is no staff-to-store table yet, so birthdays are those of the members whose tickets
the user holds, not of a store's members.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.customer.desk import repository
from services.customer.desk.schemas import BirthdayReminder, Reminders
from services.customer.desk.service import to_list_item
from shared.db import AsyncSession

LIMIT = 100


def coming_days(today: date, days: int) -> list[date]:
    """``today`` and the ``days - 1`` days after it."""
    return [today + timedelta(days=n) for n in range(days)]


def next_birthday(month: int, day: int, days: list[date]) -> date:
    """The day of ``days`` that is the birthday (29 February is kept on 28 February in a
    common year, so a leap-day birthday is remembered every year)."""
    for candidate in days:
        if (candidate.month, candidate.day) == (month, day):
            return candidate
    return next(d for d in days if (d.month, d.day) == (2, 28))


def _wanted(days: list[date]) -> list[date]:
    """The birthdays to look for: a common year's 28 February also asks for 29 February."""
    extra = [
        date(2000, 2, 29)
        for d in days
        if (d.month, d.day) == (2, 28) and (d + timedelta(days=1)).day != 29
    ]
    return days + extra


async def reminders(
    session: AsyncSession, staff: str, zone: ZoneInfo, days: int, now: datetime | None = None
) -> Reminders:
    """The reminders of the staff login ``staff`` for the next ``days`` days of ``zone``
    (today included): follow-ups due by the end of the last day, birthdays on one of them."""
    now = now or datetime.now(UTC)
    window = coming_days(now.astimezone(zone).date(), days)
    end = datetime.combine(window[-1] + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    follow_ups = await repository.follow_ups_due(session, staff, end, LIMIT)
    found = await repository.birthdays_of_holders(session, staff, _wanted(window), LIMIT)
    birthdays = sorted(
        (
            BirthdayReminder(
                member_id=member.id,
                card_number=member.card_number,
                name=member.name,
                birthday=next_birthday(month_day // 100, month_day % 100, window),
            )
            for member, month_day in found
        ),
        key=lambda b: (b.birthday, b.member_id),
    )
    return Reminders(follow_ups=[to_list_item(t, now) for t in follow_ups], birthdays=birthdays)
