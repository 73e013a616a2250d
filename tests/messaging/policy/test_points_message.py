"""The per-sale points message in each of the brand's modes, and the daily digest: one
message per member and brand day summing its points, once across a re-run of the job."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlmodel import col

from services.messaging.base import job_runs
from services.messaging.config import Settings
from services.messaging.digests import jobs
from services.messaging.digests import service as digests
from services.messaging.digests.models import PointsDigest
from services.messaging.notifications.models import Notification
from services.messaging.policy import domain
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events
from tests.messaging.policy.conftest import set_policy
from tests.stack import Stack

SHANGHAI = events.SHANGHAI


async def _feed(sessions: Sessions, handlers: Handlers, *fed: CloudEvent) -> None:
    for event in fed:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


async def _member(sessions: Sessions, handlers: Handlers) -> uuid.UUID:
    member_id = uuid.uuid4()
    registered = await events.registered(member_id, phone_number=events.phone(), source="import")
    await _feed(sessions, handlers, registered)
    return member_id


async def _rows(sessions: Sessions, member_id: uuid.UUID, template: str) -> list[Notification]:
    async with sessions() as session:
        query = (
            select(Notification)
            .where(col(Notification.member_id) == member_id, col(Notification.template) == template)
            .order_by(col(Notification.created_at), col(Notification.channel))
        )
        return list(await session.scalars(query))


def _earned(member_id: uuid.UUID, points: int, balance: int, at: datetime) -> CloudEvent:
    event = events.points_earned(member_id, points=points, balance=balance)
    return event.model_copy(update={"time": at})


@pytest.mark.parametrize(
    ("mode", "points", "email", "sms"),
    [
        ("each_sale", 80, ("queued", None), ("queued", None)),
        ("off", 800, ("suppressed", domain.POINTS_OFF), ("suppressed", domain.POINTS_OFF)),
        ("email_only", 800, ("queued", None), ("suppressed", domain.POINTS_EMAIL_ONLY)),
        ("above:500", 500, ("queued", None), ("queued", None)),
        (
            "above:500",
            499,
            ("suppressed", domain.POINTS_BELOW),
            ("suppressed", domain.POINTS_BELOW),
        ),
    ],
)
async def test_each_mode_sends_the_sales_points_message_as_it_says(
    messaging_sessions: Sessions,
    handlers: Handlers,
    mode: str,
    points: int,
    email: tuple[str, str | None],
    sms: tuple[str, str | None],
) -> None:
    await set_policy(messaging_sessions, points_message=mode)
    member_id = await _member(messaging_sessions, handlers)
    await _feed(messaging_sessions, handlers, events.points_earned(member_id, points=points))
    rows = {
        r.channel: (r.status, r.reason)
        for r in await _rows(messaging_sessions, member_id, "points_earned")
    }
    assert rows == {"email": email, "sms": sms}


async def _digest_job(stack: Stack, sessions: Sessions, now: datetime) -> dict[str, int]:
    settings = stack.settings("messaging")
    assert isinstance(settings, Settings)
    return await jobs.daily_jobs(settings).run_due(sessions, now)


async def test_the_daily_digest_sums_a_members_day_into_one_message_once(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    await set_policy(messaging_sessions, points_message="daily_digest")
    # the job has not run on the days below: a real clock's runs are forgotten
    async with transaction(messaging_sessions) as session:
        await session.execute(delete(job_runs.table).where(job_runs.table.c.job == jobs.JOB_NAME))
        await session.execute(delete(PointsDigest))
    member_id = await _member(messaging_sessions, handlers)
    day = datetime(2026, 11, 30, tzinfo=SHANGHAI)
    sales = [
        _earned(member_id, 100, 1100, day + timedelta(hours=10)),
        _earned(member_id, 250, 1350, day + timedelta(hours=23, minutes=59)),
        _earned(member_id, 40, 1140, day + timedelta(hours=12)),  # delivered late: older balance
        _earned(member_id, 70, 1420, day + timedelta(days=1, hours=0, minutes=1)),  # next day
    ]
    await _feed(messaging_sessions, handlers, *sales)
    await _feed(messaging_sessions, handlers, sales[0])  # redelivered: counted once

    per_sale = await _rows(messaging_sessions, member_id, "points_earned")
    assert {(r.status, r.reason) for r in per_sale} == {("suppressed", domain.POINTS_IN_DIGEST)}
    assert len(per_sale) == 8

    ran = await _digest_job(stack, messaging_sessions, day + timedelta(days=1, hours=0, minutes=5))
    assert ran == {jobs.JOB_NAME: 1}
    digest = await _rows(messaging_sessions, member_id, "points_digest")
    assert [(r.channel, r.status) for r in digest] == [("email", "queued"), ("sms", "queued")]
    sms = next(r for r in digest if r.channel == "sms")
    assert sms.body is not None
    assert "2026年11月30日" in sms.body
    assert "390 积分" in sms.body  # 100 + 250 + 40
    assert "1,350" in sms.body  # the latest sale's balance
    assert {r.trigger_event_id for r in digest} == {digests.trigger_id(member_id, day.date())}

    # the same day again (a second replica, a restart before its day was recorded)
    async with transaction(messaging_sessions) as session:
        await session.execute(delete(job_runs.table).where(job_runs.table.c.job == jobs.JOB_NAME))
    await _digest_job(stack, messaging_sessions, day + timedelta(days=1, hours=9))
    assert len(await _rows(messaging_sessions, member_id, "points_digest")) == 2

    # the next day tells the sale after midnight, alone
    await _digest_job(stack, messaging_sessions, day + timedelta(days=2, hours=0, minutes=5))
    latest = (await _rows(messaging_sessions, member_id, "points_digest"))[2:]
    assert len(latest) == 2
    assert all(r.body is not None and "70 积分" in r.body for r in latest if r.channel == "sms")


async def test_a_digest_queued_before_a_crash_is_not_queued_again(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """The job crashed after queuing a member's digest and before forgetting the day (as
    the row put back here): the next run forgets it without a second message."""
    member_id = await _member(messaging_sessions, handlers)
    day = datetime(2026, 11, 20, tzinfo=SHANGHAI)
    cipher = PiiCipher(DEV_PII_KEY)
    values: dict[str, Any] = {
        "member_id": member_id,
        "day": day.date(),
        "points": 5,
        "balance": 5,
        "earned_at": day,
    }
    async with transaction(messaging_sessions) as session:
        session.add(PointsDigest(**values))
    after = day + timedelta(days=1, hours=1)
    assert await digests.send_due(messaging_sessions, cipher, after, SHANGHAI) >= 1
    async with transaction(messaging_sessions) as session:
        session.add(PointsDigest(**values))
    await digests.send_due(messaging_sessions, cipher, after, SHANGHAI)
    assert len(await _rows(messaging_sessions, member_id, "points_digest")) == 2
    async with messaging_sessions() as session:
        left = await session.scalars(
            select(PointsDigest).where(col(PointsDigest.member_id) == member_id)
        )
        assert list(left) == []


async def test_a_digest_queued_in_the_quiet_hours_waits_for_their_end(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    local = datetime.now(SHANGHAI)
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    quiet = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    await set_policy(
        messaging_sessions, quiet_hours=quiet, frequency_cap={"messages": 1, "days": 7}
    )
    member_id = await _member(messaging_sessions, handlers)
    day = datetime(2026, 11, 10, tzinfo=SHANGHAI)
    async with transaction(messaging_sessions) as session:
        session.add(
            PointsDigest(member_id=member_id, day=day.date(), points=5, balance=5, earned_at=day)
        )
    cipher = PiiCipher(DEV_PII_KEY)
    await digests.send_due(messaging_sessions, cipher, day + timedelta(days=1), SHANGHAI)
    await _feed(messaging_sessions, handlers, events.points_earned(member_id))
    digest = await _rows(messaging_sessions, member_id, "points_digest")
    assert {(r.status, r.reason) for r in digest} == {("deferred", domain.QUIET_HOURS)}
    assert all(
        r.next_attempt_at.astimezone(SHANGHAI).strftime("%H:%M") == quiet["end"] for r in digest
    )
    per_sale = await _rows(messaging_sessions, member_id, "points_earned")
    assert {r.status for r in per_sale} == {"queued"}  # news of a moment: not deferred
