"""Journeys through messaging's handlers and the worker's use case, on the real database:
a first purchase schedules one welcome, every purchase moves the win-back, a birthday on
file schedules its greeting (and a change reschedules it), a birthday coupon waits for
its greeting and any other coupon is told at once, a holiday greets every member with
marketing consent, and a run past its expiry is not sent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from services.messaging.config import Settings
from services.messaging.journeys import domain, service
from services.messaging.journeys.jobs import HOLIDAY_JOB, daily_jobs
from services.messaging.journeys.models import JourneyRun
from services.messaging.notifications.models import Notification
from services.messaging.templates.domain import OPT_OUT
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import BoundRuns, Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events as member_events
from tests.messaging.journeys import events
from tests.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
CIPHER = PiiCipher(DEV_PII_KEY)
BATCH = 500


async def _apply(sessions: Sessions, handlers: Handlers, *published: CloudEvent) -> None:
    for event in published:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


async def _runs(
    sessions: Sessions, member_id: uuid.UUID, journey: str | None = None
) -> list[JourneyRun]:
    """The member's runs (of ``journey``), in the order they were scheduled."""
    async with sessions() as session:
        query = (
            select(JourneyRun)
            .where(col(JourneyRun.member_id) == member_id)
            .order_by(col(JourneyRun.created_at))
        )
        if journey is not None:
            query = query.where(col(JourneyRun.journey) == journey)
        return list(await session.scalars(query))


async def _notifications(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    """The member's notifications but the welcome of a registration."""
    async with sessions() as session:
        query = select(Notification).where(
            col(Notification.member_id) == member_id, col(Notification.template) != "welcome"
        )
        return sorted(await session.scalars(query), key=lambda n: (n.template, n.channel))


async def _member(
    sessions: Sessions,
    handlers: Handlers,
    *,
    birthday: date | None = None,
    locale: str = "zh-CN",
    marketing: bool = True,
    source: str = "import",
) -> uuid.UUID:
    """A member of their own; imported unless ``source`` says ``registration``."""
    member_id = uuid.uuid4()
    registered = await events.registered(
        member_id,
        member_events.phone(),
        birthday=birthday,
        locale=locale,
        marketing=marketing,
        source=source,
    )
    await _apply(sessions, handlers, registered)
    return member_id


async def test_the_first_purchase_schedules_one_welcome_and_each_purchase_moves_the_win_back(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers, source="registration")
    first_at = datetime(2027, 3, 1, 4, tzinfo=UTC)
    first, second = (
        events.purchased(member_id, first_at),
        events.purchased(member_id, first_at + timedelta(days=20)),
    )
    await _apply(messaging_sessions, handlers, first)
    runs = await _runs(messaging_sessions, member_id)
    assert sorted((r.journey, r.occurrence) for r in runs) == [
        ("first_purchase_welcome", "first-purchase"),
        ("win_back", str(first.data["purchase_id"])),
    ]
    welcome = next(r for r in runs if r.journey == "first_purchase_welcome")
    assert welcome.due_at == datetime(2027, 3, 8, 10, tzinfo=SHANGHAI)
    assert welcome.expires_at == datetime(2027, 3, 17, tzinfo=SHANGHAI)

    await _apply(messaging_sessions, handlers, second)
    # an older purchase consumed late moves nothing back
    await _apply(messaging_sessions, handlers, events.purchased(member_id, first_at))
    runs = await _runs(messaging_sessions, member_id)
    assert [r.journey for r in runs].count("first_purchase_welcome") == 1
    [win_back] = [r for r in runs if r.journey == "win_back"]
    assert win_back.occurrence == str(second.data["purchase_id"])
    assert win_back.due_at == datetime(2027, 6, 19, 10, tzinfo=SHANGHAI)  # 90 days later
    assert win_back.done_at is None


async def test_purchases_in_one_batch_end_as_one_by_one(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """The consumer hands a run of purchases over at once (``follow_purchases``)."""
    member_id = await _member(messaging_sessions, handlers, source="registration")
    other = await _member(messaging_sessions, handlers, source="registration")
    first_at = datetime(2027, 3, 1, 4, tzinfo=UTC)
    first, second, late = (
        events.purchased(member_id, first_at),
        events.purchased(member_id, first_at + timedelta(days=20)),
        events.purchased(member_id, first_at),
    )
    handler = handlers["orders.purchase.completed"]
    assert isinstance(handler, BoundRuns)
    async with transaction(messaging_sessions) as session:
        await handler.run(session, [first, events.purchased(other, first_at), second, late])

    runs = await _runs(messaging_sessions, member_id)
    [welcome] = [r for r in runs if r.journey == "first_purchase_welcome"]
    assert welcome.due_at == datetime(2027, 3, 8, 10, tzinfo=SHANGHAI)  # the first purchase's
    [win_back] = [r for r in runs if r.journey == "win_back"]
    assert win_back.occurrence == str(second.data["purchase_id"])
    assert win_back.due_at == datetime(2027, 6, 19, 10, tzinfo=SHANGHAI)
    assert len(await _runs(messaging_sessions, other, "win_back")) == 1

    # a purchase in a later batch still replaces the pending win-back, an older one does not
    third = events.purchased(member_id, first_at + timedelta(days=30))
    async with transaction(messaging_sessions) as session:
        await handler.run(session, [third, events.purchased(member_id, first_at)])
    [win_back] = await _runs(messaging_sessions, member_id, "win_back")
    assert win_back.occurrence == str(third.data["purchase_id"])


async def test_a_sent_win_back_stays_and_the_next_purchase_schedules_a_new_one(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    long_ago = datetime.now(UTC) - timedelta(days=95)
    await _apply(messaging_sessions, handlers, events.purchased(member_id, long_ago))
    await service.run_due(messaging_sessions, CIPHER, BATCH)
    [sent] = [r for r in await _runs(messaging_sessions, member_id) if r.journey == "win_back"]
    assert sent.outcome == "notified"
    bodies = [n.body for n in await _notifications(messaging_sessions, member_id)]
    assert any("距您上次光临已有 90 天" in (b or "") for b in bodies)

    await _apply(messaging_sessions, handlers, events.purchased(member_id, datetime.now(UTC)))
    win_backs = [r for r in await _runs(messaging_sessions, member_id) if r.journey == "win_back"]
    assert [(r.id == sent.id, r.outcome) for r in win_backs] == [(True, "notified"), (False, None)]


async def test_a_birthday_on_file_is_greeted_with_the_birthday_coupon_and_next_year_follows(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    today = datetime.now(SHANGHAI).date()
    member_id = await _member(messaging_sessions, handlers, birthday=date(1992, today.month, 1))
    [run] = await _runs(messaging_sessions, member_id, "birthday")
    expected = domain.next_birthday(today.month, 1, datetime.now(UTC), SHANGHAI)
    assert (run.journey, run.occurrence) == ("birthday", str(expected.year))
    assert run.due_at == datetime.combine(expected, datetime.min.time(), SHANGHAI) + timedelta(
        hours=10
    )

    # staff move the birthday to today: the pending greeting is rescheduled
    born = date(1992, today.month, today.day)  # a leap year: any day is a birthday
    await _apply(messaging_sessions, handlers, await events.birthday_changed(member_id, born))
    [run] = await _runs(messaging_sessions, member_id, "birthday")
    assert run.due_at.astimezone(SHANGHAI).date() == today

    # loyalty grants the birthday coupon at the start of the brand's day
    granted_at = datetime.combine(today, datetime.min.time(), SHANGHAI) + timedelta(minutes=1)
    coupon = events.coupon_granted(
        member_id,
        granted_at=granted_at,
        occasion="birthday",
        valid_until=datetime.combine(today + timedelta(days=31), datetime.min.time(), SHANGHAI),
    )
    await _apply(messaging_sessions, handlers, coupon)
    assert await _notifications(messaging_sessions, member_id) == []  # it waits
    async with transaction(messaging_sessions) as session:
        await service.make_due(session, run.id)
    assert await service.run_due(messaging_sessions, CIPHER, BATCH) >= 1

    runs = await _runs(messaging_sessions, member_id, "birthday")
    assert [(r.occurrence, r.outcome) for r in runs] == [
        (str(today.year), "notified"),
        (str(today.year + 1), None),
    ]
    (sms,) = [n for n in await _notifications(messaging_sessions, member_id) if n.channel == "sms"]
    assert sms.template == "birthday_greeting"
    assert sms.trigger_event_id == f"journey:{run.id}"
    last = today + timedelta(days=30)
    assert (
        f"祝您生日快乐！我们为您准备了生日礼券（20.50元），有效期至{last.year}年{last.month}月{last.day}日。"
        in (sms.body or "")
    )


async def test_a_coupon_is_told_at_once_unless_it_waits_for_a_birthday_greeting(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers, locale="en")
    now = datetime.now(UTC)
    until = datetime(2027, 1, 1, tzinfo=SHANGHAI)
    await _apply(
        messaging_sessions,
        handlers,
        events.coupon_granted(
            member_id,
            granted_at=now,
            name="Spend 100 save 20",
            face_value_fen=2000,
            valid_until=until,
        ),
        # a birthday coupon without a greeting waiting (no birthday on file) is told too
        events.coupon_granted(member_id, granted_at=now, occasion="birthday", valid_until=until),
    )
    notices = await _notifications(messaging_sessions, member_id)
    assert [(n.template, n.channel, n.status) for n in notices] == [
        ("coupon_granted", "email", "queued"),
        ("coupon_granted", "email", "queued"),
        ("coupon_granted", "sms", "queued"),
        ("coupon_granted", "sms", "queued"),
    ]
    bodies = sorted(n.body or "" for n in notices if n.channel == "sms")
    assert bodies[0].startswith(
        "李雷, you received Spend 100 save 20 (CNY 20), valid until 31 Dec 2026."
    )
    assert not bodies[0].endswith("Reply T to opt out")  # transactional


async def test_a_referral_reward_or_a_prize_coupon_is_not_told_twice(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """Their own notices (``referral_rewarded``, ``draw_won``) tell them; the grant adds no
    ``coupon_granted`` beside it."""
    member_id = await _member(messaging_sessions, handlers, locale="en")
    now = datetime.now(UTC)
    until = datetime(2027, 1, 1, tzinfo=SHANGHAI)
    await _apply(
        messaging_sessions,
        handlers,
        events.coupon_granted(member_id, granted_at=now, occasion="referral", valid_until=until),
        events.coupon_granted(member_id, granted_at=now, occasion="draw", valid_until=until),
    )
    assert await _notifications(messaging_sessions, member_id) == []


async def test_a_holiday_greets_each_member_with_marketing_consent_once(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    keen = await _member(messaging_sessions, handlers)
    keen_en = await _member(messaging_sessions, handlers, locale="en")
    reserved = await _member(messaging_sessions, handlers, marketing=False)
    spring_festival = datetime(2027, 2, 6, 0, 5, tzinfo=SHANGHAI)
    assert await service.greet_holidays(messaging_sessions, spring_festival) >= 1
    assert await service.greet_holidays(messaging_sessions, spring_festival) == 0  # a re-run
    [run] = await _runs(messaging_sessions, keen, "holiday")
    assert (run.journey, run.occurrence) == ("holiday", "2027-02-06 spring_festival")
    assert (run.due_at, run.expires_at) == (
        datetime(2027, 2, 6, 10, tzinfo=SHANGHAI),
        datetime(2027, 2, 7, tzinfo=SHANGHAI),
    )
    assert run.context == {"holiday": "spring_festival"}
    assert await _runs(messaging_sessions, reserved, "holiday") == []
    # the festival's second day begins no holiday
    assert (
        await service.greet_holidays(messaging_sessions, spring_festival + timedelta(days=1)) == 0
    )

    # made due now (the other members' greetings wait for their day), the worker sends it
    [english_run] = await _runs(messaging_sessions, keen_en, "holiday")
    async with transaction(messaging_sessions) as session:
        for due in (run, english_run):
            await service.make_due(session, due.id)
    await service.run_due(messaging_sessions, CIPHER, BATCH)
    sms = [n for n in await _notifications(messaging_sessions, keen) if n.channel == "sms"]
    assert [(n.template, n.body) for n in sms] == [
        (
            "holiday_greeting",
            f"李雷，春节快乐！感谢您一直以来的支持，祝您和家人节日愉快。{OPT_OUT['zh-CN']}",
        )
    ]
    [english] = [n for n in await _notifications(messaging_sessions, keen_en) if n.channel == "sms"]
    assert (english.body or "").startswith("李雷, happy Spring Festival! Thank you")


async def test_a_run_past_its_expiry_is_marked_expired_and_sends_nothing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers, source="registration")
    await _apply(
        messaging_sessions,
        handlers,
        events.purchased(member_id, datetime.now(UTC) - timedelta(days=20)),
    )
    await service.run_due(messaging_sessions, CIPHER, BATCH)
    [welcome] = [
        r
        for r in await _runs(messaging_sessions, member_id)
        if r.journey == "first_purchase_welcome"
    ]
    assert (welcome.outcome, welcome.reason) == ("expired", "not run before it expired")
    assert await _notifications(messaging_sessions, member_id) == []


async def test_an_existing_customer_gets_no_welcome_after_the_first_purchase_seen(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    imported = await _member(messaging_sessions, handlers)  # brought in by a member import
    await _apply(messaging_sessions, handlers, events.purchased(imported, datetime.now(UTC)))
    runs = await _runs(messaging_sessions, imported)
    assert sorted((r.journey, r.outcome, r.reason) for r in runs) == [
        ("first_purchase_welcome", "skipped", domain.EXISTING_CUSTOMER),
        ("win_back", None, None),
    ]


async def test_the_daily_job_greets_a_holiday_once_per_brand_day(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = await _member(messaging_sessions, handlers)
    settings = stack.settings("messaging")
    assert isinstance(settings, Settings)
    jobs = daily_jobs(settings)
    mid_autumn = datetime(2027, 9, 15, 0, 1, tzinfo=SHANGHAI)
    ran = await jobs.run_due(messaging_sessions, mid_autumn)
    assert ran[HOLIDAY_JOB] >= 1
    assert await jobs.run_due(messaging_sessions, mid_autumn + timedelta(hours=9)) == {}
    [run] = await _runs(messaging_sessions, member_id, "holiday")
    assert (run.occurrence, run.context) == ("2027-09-15 mid_autumn", {"holiday": "mid_autumn"})
