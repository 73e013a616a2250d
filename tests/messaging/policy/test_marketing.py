"""Marketing under the brand's policy, through the handlers on the real database: deferred
by the quiet hours and then sent by the real dispatcher to the real SMTP server and SMS
gateway; suppressed over the frequency cap or as a duplicate, also by two consumers at
once; transactional messages never held back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from huiyuan.embedded.provider_store import read_emails, read_sms
from services.messaging.base import outbox
from services.messaging.notifications import service as notifications
from services.messaging.notifications.models import Notification
from services.messaging.policy import domain
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import TicketResolved
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events
from tests.messaging.conftest import SmsEndpoint, SmtpEndpoint
from tests.messaging.policy.conftest import set_policy
from tests.stack import Stack, eventually, running

SHANGHAI = events.SHANGHAI


def _resolved(member_id: uuid.UUID) -> CloudEvent:
    payload = TicketResolved(
        ticket_id=uuid.uuid4(),
        member_id=member_id,
        kind="complaint",
        priority="high",
        number=4711,
        resolved_at=datetime.now(UTC),
        overdue=False,
    )
    return CloudEvent.of(payload, source="/huiyuan/customer")


async def _feed(sessions: Sessions, handlers: Handlers, *fed: CloudEvent) -> None:
    for event in fed:
        async with transaction(sessions) as session:
            await handlers[event.type](session, event)


async def _rows(sessions: Sessions, member_id: uuid.UUID, template: str) -> list[Notification]:
    async with sessions() as session:
        query = (
            select(Notification)
            .where(col(Notification.member_id) == member_id, col(Notification.template) == template)
            .order_by(col(Notification.created_at), col(Notification.channel))
        )
        return list(await session.scalars(query))


async def _registered(sessions: Sessions, handlers: Handlers, **given: Any) -> uuid.UUID:
    member_id = uuid.uuid4()
    phone = given.pop("phone_number", events.phone())
    await _feed(sessions, handlers, await events.registered(member_id, phone_number=phone, **given))
    return member_id


async def _held(sessions: Sessions, reason: str) -> int:
    """SMS suppressed for ``reason`` today, as the statistics count them."""
    today = datetime.now(SHANGHAI).date()
    async with sessions() as session:
        stats = await notifications.stats(
            session, first=today, last=today, channel="sms", timezone=SHANGHAI
        )
    return sum(r.count for r in stats.reasons if (r.status, r.reason) == ("suppressed", reason))


def _quiet_now() -> dict[str, str]:
    """Quiet hours in Shanghai from an hour ago to two hours from now."""
    local = datetime.now(SHANGHAI)
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    return {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


async def test_marketing_in_the_quiet_hours_is_deferred_to_their_end_then_sent(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    quiet = _quiet_now()
    await set_policy(messaging_sessions, quiet_hours=quiet)
    phone, email = events.phone(), f"q{uuid.uuid4().hex[:8]}@example.com"
    member_id = await _registered(messaging_sessions, handlers, phone_number=phone, email=email)
    await _feed(messaging_sessions, handlers, events.points_earned(member_id))

    welcome = await _rows(messaging_sessions, member_id, "welcome")
    local_end = datetime.strptime(quiet["end"], "%H:%M").time()
    for row in welcome:
        assert (row.status, row.reason, row.error) == ("deferred", "quiet hours", None)
        end = row.next_attempt_at.astimezone(SHANGHAI)
        assert end.time() == local_end
        assert timedelta(hours=1) < end - row.created_at <= timedelta(hours=2)
    assert [r.status for r in await _rows(messaging_sessions, member_id, "points_earned")] == [
        "queued",
        "queued",
    ]  # transactional: never deferred
    async with messaging_sessions() as session:
        deferred = await session.scalars(
            select(outbox.table.c.event_type).where(outbox.table.c.key == str(member_id))
        )
        assert sorted(deferred) == ["messaging.notification.deferred"] * 2

    settings = {
        "smtp_port": smtp_server.port,
        "sms_gateway_url": sms_gateway.url,
        "sms_api_key": sms_gateway.api_key,
    }

    async def sent(template: str) -> bool:
        rows = await _rows(messaging_sessions, member_id, template)
        return [r.status for r in rows] == ["sent", "sent"]

    async with running(stack.app("messaging", **settings)):
        await eventually(lambda: sent("points_earned"), timeout=15)
        await asyncio.sleep(1.5)  # a dispatcher poll or more: the deferred stay put
        assert {r.status for r in await _rows(messaging_sessions, member_id, "welcome")} == {
            "deferred"
        }
        # the quiet hours end: the clock moves by the row
        async with transaction(messaging_sessions) as session:
            await session.execute(
                update(Notification)
                .where(
                    col(Notification.member_id) == member_id,
                    col(Notification.template) == "welcome",
                )
                .values(next_attempt_at=datetime.now(UTC))
            )
        await eventually(lambda: sent("welcome"), timeout=15)

    welcome = await _rows(messaging_sessions, member_id, "welcome")
    assert all(r.reason == "quiet hours" and r.error is None for r in welcome)
    assert len([m for m in read_emails(smtp_server.store_dir) if email in m.rcpt_tos]) == 2
    assert len([s for s in read_sms(sms_gateway.store_dir) if s.to == phone]) == 2


async def test_a_consent_withdrawn_cancels_a_deferred_message(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    await set_policy(messaging_sessions, quiet_hours=_quiet_now())
    member_id = await _registered(messaging_sessions, handlers)
    withdrawn = events.consent_changed(member_id, sms=False, email=True)
    await _feed(messaging_sessions, handlers, withdrawn)
    by_channel = {r.channel: r for r in await _rows(messaging_sessions, member_id, "welcome")}
    assert by_channel["sms"].status == "cancelled"
    assert by_channel["sms"].reason == "member has not consented to sms"
    assert by_channel["email"].status == "deferred"


async def test_marketing_over_the_cap_is_suppressed_and_transactional_is_not_counted(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    await set_policy(messaging_sessions, frequency_cap={"messages": 2, "days": 7})
    capped_before = await _held(messaging_sessions, domain.FREQUENCY_CAP)
    member_id = await _registered(messaging_sessions, handlers, email_consent=False)
    earned = [events.points_earned(member_id) for _ in range(3)]
    await _feed(messaging_sessions, handlers, *earned, _resolved(member_id), _resolved(member_id))

    surveys = await _rows(messaging_sessions, member_id, "ticket_survey")
    sms = [r for r in surveys if r.channel == "sms"]
    assert [r.status for r in sms] == ["queued", "suppressed"]  # the welcome was the first
    assert sms[1].reason == sms[1].error == domain.FREQUENCY_CAP
    emails = [r for r in surveys if r.channel == "email"]
    assert [r.reason for r in emails] == ["member has not consented to email"] * 2
    points = await _rows(messaging_sessions, member_id, "points_earned")
    assert [r.status for r in points if r.channel == "sms"] == ["queued"] * 3

    async with messaging_sessions() as session:
        reasons = await session.scalars(
            select(outbox.table.c.envelope["data"]["reason"].astext).where(
                outbox.table.c.key == str(member_id),
                outbox.table.c.event_type == "messaging.notification.suppressed",
            )
        )
        assert sorted(reasons) == sorted(
            [domain.FREQUENCY_CAP] + ["member has not consented to email"] * 6  # 1+3+2
        )
    assert await _held(messaging_sessions, domain.FREQUENCY_CAP) == capped_before + 1


async def test_the_same_marketing_template_within_the_window_is_a_duplicate(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    await set_policy(messaging_sessions, dedupe_window_hours=24)
    member_id = await _registered(messaging_sessions, handlers)
    await _feed(messaging_sessions, handlers, _resolved(member_id), _resolved(member_id))

    surveys = await _rows(messaging_sessions, member_id, "ticket_survey")
    assert [(r.status, r.reason) for r in surveys] == [
        ("queued", None),
        ("queued", None),
        ("suppressed", "duplicate"),
        ("suppressed", "duplicate"),
    ]
    # a survey from before the window is no duplicate: the clock moves by the row
    async with transaction(messaging_sessions) as session:
        await session.execute(
            update(Notification)
            .where(col(Notification.member_id) == member_id)
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    await _feed(messaging_sessions, handlers, _resolved(member_id))
    latest = (await _rows(messaging_sessions, member_id, "ticket_survey"))[-2:]
    assert [r.status for r in latest] == ["queued", "queued"]


async def _sms_now(sessions: Sessions, member_id: uuid.UUID, status: str) -> None:
    """The member's SMS so far are in ``status``, as a lease or a receipt leaves them."""
    async with transaction(sessions) as session:
        await session.execute(
            update(Notification)
            .where(col(Notification.member_id) == member_id, col(Notification.channel) == "sms")
            .values(status=status)
        )


async def _survey_sms(sessions: Sessions, member_id: uuid.UUID) -> list[tuple[str, str | None]]:
    rows = await _rows(sessions, member_id, "ticket_survey")
    return [(r.status, r.reason) for r in rows if r.channel == "sms"]


async def test_marketing_being_sent_or_with_its_receipt_still_counts(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    """A dispatcher's lease makes a queued SMS sending, a receipt a sent one delivered or
    undelivered: each went out, for the cap and for the dedupe window alike."""
    for status in ("sending", "delivered", "undelivered"):
        await set_policy(messaging_sessions, frequency_cap={"messages": 2, "days": 7})
        capped = await _registered(messaging_sessions, handlers, email_consent=False)
        await _sms_now(messaging_sessions, capped, status)  # the welcome: one of two
        await _feed(messaging_sessions, handlers, _resolved(capped), _resolved(capped))
        assert await _survey_sms(messaging_sessions, capped) == [
            ("queued", None),
            ("suppressed", domain.FREQUENCY_CAP),
        ], status

        await set_policy(messaging_sessions, dedupe_window_hours=24)
        repeated = await _registered(messaging_sessions, handlers, email_consent=False)
        await _feed(messaging_sessions, handlers, _resolved(repeated))
        await _sms_now(messaging_sessions, repeated, status)
        await _feed(messaging_sessions, handlers, _resolved(repeated))
        assert await _survey_sms(messaging_sessions, repeated) == [
            (status, None),
            ("suppressed", "duplicate"),
        ], status


async def test_two_consumers_at_once_do_not_both_pass_the_cap(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    await set_policy(messaging_sessions, frequency_cap={"messages": 1, "days": 7})
    member_id = await _registered(messaging_sessions, handlers, source="import")  # no welcome
    cipher = PiiCipher(DEV_PII_KEY)
    both_counting = asyncio.Barrier(2)

    async def survey(trigger: str) -> None:
        async with transaction(messaging_sessions) as session:
            await session.execute(select(1))  # the transaction has begun
            await both_counting.wait()
            await notifications.notify_member(
                session,
                cipher,
                member_id=member_id,
                template="ticket_survey",
                trigger_event_id=trigger,
                context={"number": 1, "survey_url": "https://huiyuan.local/s"},
            )
            await asyncio.sleep(0.3)  # hold the transaction open: the other counts meanwhile

    await asyncio.gather(survey(uuid.uuid4().hex), survey(uuid.uuid4().hex))
    surveys = await _rows(messaging_sessions, member_id, "ticket_survey")
    statuses = sorted(r.status for r in surveys if r.channel == "sms")
    assert statuses == ["queued", "suppressed"]
