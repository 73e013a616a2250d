"""Bulk sends against the real database: the audience kinds, the pace kept by the worker,
pause, resume and cancel, a crash that resumes without resending, and the statistics per
campaign."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from services.messaging.broadcasts import jobs, service
from services.messaging.broadcasts.errors import AudienceNotFound, BroadcastStateConflict
from services.messaging.broadcasts.models import Broadcast
from services.messaging.broadcasts.schemas import BroadcastIn, BroadcastOut
from services.messaging.notifications import service as notifications
from services.messaging.notifications.models import Notification
from services.messaging.policy import service as policies
from services.messaging.policy.schemas import MessagingPolicyIn
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.fixtures import NEUTRAL_MESSAGING_POLICY
from tests.messaging.broadcasts.people import register, reissue, retag
from tests.stack import eventually

CIPHER = PiiCipher(DEV_PII_KEY)
NEUTRAL_POLICY: dict[str, Any] = {
    "quiet_hours": None,
    "frequency_cap": None,
    "dedupe_window_hours": 0,
    "points_message": "each_sale",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _body(audience: dict[str, Any], rate: int = 10) -> BroadcastIn:
    return BroadcastIn.model_validate(
        {
            "name": "双十二会员专享",
            "audience": audience,
            "channels": ["sms"],
            "rate_per_second": rate,
        }
    )


async def _started(sessions: Sessions, audience: dict[str, Any], rate: int = 10) -> uuid.UUID:
    async with transaction(sessions) as session:
        created = await service.create(session, _body(audience, rate), "test-marketing")
        await service.start(session, created.id)
    return created.id


async def _progress(sessions: Sessions, broadcast_id: uuid.UUID) -> BroadcastOut:
    async with sessions() as session:
        return await service.progress(session, broadcast_id)


async def _sms(sessions: Sessions, broadcast_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        query = select(Notification).where(
            col(Notification.broadcast_id) == broadcast_id, col(Notification.channel) == "sms"
        )
        return list(await session.scalars(query.order_by(col(Notification.created_at))))


@contextlib.asynccontextmanager
async def _worker(sessions: Sessions) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(jobs.run(sessions, CIPHER))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _completed(sessions: Sessions, broadcast_id: uuid.UUID, timeout: float = 30) -> None:
    async def done() -> bool:
        return (await _progress(sessions, broadcast_id)).state == "completed"

    await eventually(done, timeout=timeout)


async def test_each_audience_kind_takes_the_active_members_it_names(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    vip, lapsed = uuid.uuid4(), uuid.uuid4()
    tagged = await register(messaging_sessions, handlers, 3, tags=(vip,))
    await retag(messaging_sessions, handlers, tagged[2].id, added=(lapsed,), removed=(vip,))
    no_marketing = await register(messaging_sessions, handlers, 1, marketing=False)
    new_card = await reissue(messaging_sessions, handlers, tagged[1])

    async with messaging_sessions() as session:  # rolled back: no broadcast is left

        async def taken(audience: dict[str, Any]) -> set[uuid.UUID]:
            created = await service.create(session, _body(audience), "test-marketing")
            await service.start(session, created.id)
            rows = await session.execute(
                text(
                    "SELECT member_id FROM messaging.broadcast_recipients "
                    "WHERE broadcast_id = :id AND state = 'pending'"
                ),
                {"id": created.id},
            )
            return set(rows.scalars())

        ids = [m.id for m in tagged]
        assert await taken({"members": [str(i) for i in ids[:2]]}) == set(ids[:2])
        assert await taken({"cards": [tagged[0].card_number, new_card]}) == set(ids[:2])
        with pytest.raises(AudienceNotFound) as unknown:  # the replaced card names nobody
            await taken({"cards": [new_card, tagged[1].card_number]})
        assert unknown.value.field == "audience.cards.1"
        assert await taken({"tags": [str(vip)]}) == set(ids[:2])  # the third lost the tag
        assert await taken({"tags": [str(vip), str(lapsed)]}) == set(ids)
        everyone = await taken({"all": True})
        assert set(ids) <= everyone
        assert no_marketing[0].id not in everyone  # all: those with marketing consent only
        assert no_marketing[0].id in await taken({"members": [str(no_marketing[0].id)]})
        await session.rollback()


async def test_the_worker_hands_members_over_no_faster_than_the_rate(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """12 members at 5 a second (a batch of one every 0.2 s): their SMS are queued over
    about 2.2 s, never more than the rate and one batch within a second; no email, the
    broadcast being on SMS only; the daily statistics count them under the broadcast."""
    members = await register(messaging_sessions, handlers, 12)
    broadcast_id = await _started(
        messaging_sessions, {"members": [str(m.id) for m in members]}, rate=5
    )
    async with _worker(messaging_sessions):
        await _completed(messaging_sessions, broadcast_id)

    sms = await _sms(messaging_sessions, broadcast_id)
    assert sorted(n.member_id for n in sms) == sorted(m.id for m in members)
    times = [n.created_at for n in sms]
    assert times[-1] - times[0] >= timedelta(seconds=11 / 5 * 0.8)
    for start in times:
        assert sum(start <= t < start + timedelta(seconds=1) for t in times) <= 5 + 1
    progress = await _progress(messaging_sessions, broadcast_id)
    assert progress.recipients.model_dump() == {
        "total": 12,
        "pending": 0,
        "notified": 12,
        "cancelled": 0,
    }
    assert {(n.channel, n.status, n.reason, n.count) for n in progress.notifications} == {
        ("sms", "queued", "", 12)  # and no email: the broadcast is on SMS only
    }

    today = datetime.now(SHANGHAI).date()
    async with messaging_sessions() as session:
        stats = await notifications.daily_stats(
            session,
            first=today - timedelta(days=1),
            last=today,
            timezone=SHANGHAI,
            only={"broadcast_id": broadcast_id},
        )
    assert stats.total == 12
    assert {(i.channel, i.template, i.broadcast_id, i.status, i.count) for i in stats.items} == {
        ("sms", "broadcast", broadcast_id, "queued", 12)
    }


async def test_a_paused_broadcast_waits_a_resumed_one_goes_on_a_cancelled_one_stops(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await register(messaging_sessions, handlers, 10)
    broadcast_id = await _started(
        messaging_sessions, {"members": [str(m.id) for m in members]}, rate=2
    )

    async def notified_at_least(count: int) -> int:
        notified = (await _progress(messaging_sessions, broadcast_id)).recipients.notified
        return notified if notified >= count else 0

    async with _worker(messaging_sessions):
        await eventually(lambda: notified_at_least(2))
        async with transaction(messaging_sessions) as session:
            paused = await service.pause(session, broadcast_id)
            assert (await service.pause(session, broadcast_id)).state == "paused"  # a repeat
        assert paused.state == "paused"
        await asyncio.sleep(1.2)  # two batches' time
        assert (await _progress(messaging_sessions, broadcast_id)).recipients.notified == (
            paused.recipients.notified
        )
        async with transaction(messaging_sessions) as session:
            assert (await service.resume(session, broadcast_id)).state == "sending"
        await eventually(lambda: notified_at_least(paused.recipients.notified + 1))
        async with transaction(messaging_sessions) as session:
            cancelled = await service.cancel(session, broadcast_id)

    assert cancelled.state == "cancelled"
    assert cancelled.finished_at is not None
    recipients = cancelled.recipients
    assert recipients.pending == 0
    assert recipients.cancelled > 0
    assert recipients.notified + recipients.cancelled == 10
    sms = await _sms(messaging_sessions, broadcast_id)  # no dispatcher ran: none went out
    assert len(sms) == recipients.notified
    assert {(n.status, n.reason) for n in sms} == {("cancelled", "broadcast cancelled")}
    async with transaction(messaging_sessions) as session:
        with pytest.raises(BroadcastStateConflict):
            await service.resume(session, broadcast_id)


async def test_a_crash_mid_broadcast_resumes_without_sending_twice(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """The worker is killed mid-broadcast (its task cancelled, perhaps inside a batch's
    transaction) and started again; then a batch whose recipients are found pending again
    after their messages were queued (as if the mark had been lost) is redone: every
    member still has exactly one message per channel."""
    members = await register(messaging_sessions, handlers, 20)
    broadcast_id = await _started(
        messaging_sessions, {"members": [str(m.id) for m in members]}, rate=20
    )

    async def some_notified() -> bool:
        recipients = (await _progress(messaging_sessions, broadcast_id)).recipients
        return 4 <= recipients.notified < 20

    async with _worker(messaging_sessions):
        await eventually(some_notified)
    before = (await _progress(messaging_sessions, broadcast_id)).recipients.notified
    assert before < 20  # it stopped mid-way
    redone = [n.member_id for n in await _sms(messaging_sessions, broadcast_id)][:3]
    async with transaction(messaging_sessions) as session:
        await session.execute(
            text(
                "UPDATE messaging.broadcast_recipients SET state = 'pending' "
                "WHERE broadcast_id = :id AND member_id = ANY(:members)"
            ),
            {"id": broadcast_id, "members": redone},
        )

    async with _worker(messaging_sessions):
        await _completed(messaging_sessions, broadcast_id)

    sms = await _sms(messaging_sessions, broadcast_id)
    assert Counter(n.member_id for n in sms) == Counter({m.id: 1 for m in members})
    progress = await _progress(messaging_sessions, broadcast_id)
    assert progress.recipients.notified == 20
    assert sum(n.count for n in progress.notifications) == 20  # one each, on SMS only


async def test_a_scheduled_broadcast_takes_its_recipients_when_its_time_comes(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    members = await register(messaging_sessions, handlers, 2)
    body = _body({"members": [str(m.id) for m in members]}).model_copy(
        update={"scheduled_at": datetime.now(UTC) + timedelta(seconds=1)}
    )
    async with transaction(messaging_sessions) as session:
        created = await service.create(session, body, "test-marketing")
        scheduled = await service.start(session, created.id)
    assert (scheduled.state, scheduled.recipients.total, scheduled.started_at) == (
        "scheduled",
        None,
        None,
    )
    late = await register(messaging_sessions, handlers, 1)  # not in the list: not taken
    async with _worker(messaging_sessions):
        await _completed(messaging_sessions, created.id)
    done = await _progress(messaging_sessions, created.id)
    assert body.scheduled_at is not None
    assert done.started_at is not None
    assert done.started_at >= body.scheduled_at
    assert done.recipients.total == 2
    assert late[0].id not in {n.member_id for n in await _sms(messaging_sessions, created.id)}


async def test_in_the_brands_quiet_hours_the_worker_waits_for_their_end(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """Batches queued at night would all be deferred to the morning and go at once: the
    broadcast waits, its members still pending, until the quiet hours end."""
    members = await register(messaging_sessions, handlers, 2)
    local = datetime.now(SHANGHAI)
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    quiet = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    async with transaction(messaging_sessions) as session:
        await policies.set_policy(
            session,
            MessagingPolicyIn.model_validate(NEUTRAL_POLICY | {"quiet_hours": quiet}),
            by="test-admin",
        )
    try:
        broadcast_id = await _started(messaging_sessions, {"members": [str(m.id) for m in members]})

        async def waiting() -> datetime | None:
            async with messaging_sessions() as session:
                row = await session.get(Broadcast, broadcast_id)
                assert row is not None
                return row.due_at if row.due_at and row.due_at > datetime.now(UTC) else None

        async with _worker(messaging_sessions):
            due_at = await eventually(waiting)
    finally:
        async with transaction(messaging_sessions) as session:
            await session.execute(text(NEUTRAL_MESSAGING_POLICY))
    assert due_at.astimezone(SHANGHAI).strftime("%H:%M") == quiet["end"]
    progress = await _progress(messaging_sessions, broadcast_id)
    assert (progress.state, progress.recipients.pending) == ("sending", 2)
    assert progress.notifications == []
    async with transaction(messaging_sessions) as session:
        await service.cancel(session, broadcast_id)
