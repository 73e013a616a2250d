"""A journey fires once across a restart: the journey worker's run, its notifications and
its ``done_at`` commit together, so a worker stopped inside that transaction leaves the
run to the next start, all of it undone, and a worker started again after the commit
finds nothing to do. Each member gets one SMS and one email per occurrence, counted at
the real SMS gateway and mail catcher."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from huiyuan.embedded.provider_store import read_emails, read_sms
from services.messaging.journeys import service
from services.messaging.journeys.models import JourneyRun
from services.messaging.notifications import repository as notifications
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events as member_events
from tests.messaging.conftest import SmsEndpoint, SmtpEndpoint
from tests.messaging.journeys import events
from tests.stack import Stack, eventually, running

CIPHER = PiiCipher(DEV_PII_KEY)


async def _birthday_runs(
    sessions: Sessions, handlers: Handlers, phones: list[str]
) -> dict[uuid.UUID, JourneyRun]:
    """A member per phone number with a birthday on file, their greeting made due now."""
    runs = {}
    for phone in phones:
        member_id = uuid.uuid4()
        registered = await events.registered(member_id, phone, birthday=date(1992, 7, 9))
        async with transaction(sessions) as session:
            await handlers[registered.type](session, registered)
        async with transaction(sessions) as session:
            [run] = await session.scalars(
                select(JourneyRun).where(
                    col(JourneyRun.member_id) == member_id, col(JourneyRun.journey) == "birthday"
                )
            )
            await service.make_due(session, run.id)
        runs[member_id] = run
    return runs


async def _states(sessions: Sessions, runs: dict[uuid.UUID, JourneyRun]) -> list[str | None]:
    async with sessions() as session:
        query = select(JourneyRun).where(col(JourneyRun.id).in_([r.id for r in runs.values()]))
        return [run.outcome for run in await session.scalars(query)]


async def _notified(sessions: Sessions, members: list[uuid.UUID]) -> Counter[tuple[Any, ...]]:
    """(member, template, channel) of the members' notifications, counted."""
    async with sessions() as session:
        query = select(Notification).where(col(Notification.member_id).in_(members))
        return Counter((n.member_id, n.template, n.channel) for n in await session.scalars(query))


async def _waiting_on_a_lock(sessions: Sessions) -> bool:
    async with sessions() as session:
        found = await session.execute(
            text(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%INSERT INTO messaging.notifications%'"
            )
        )
        return found.first() is not None


async def test_a_journey_fires_once_across_a_restart(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    phones = [member_events.phone() for _ in range(3)]
    runs = await _birthday_runs(messaging_sessions, handlers, phones)
    members = list(runs)
    first = runs[members[0]]
    settings: dict[str, Any] = {
        "smtp_port": smtp_server.port,
        "sms_gateway_url": sms_gateway.url,
        "sms_api_key": sms_gateway.api_key,
        "journey_poll_seconds": 0.2,
    }

    # 1. stopped before its commit: a transaction of ours holds the first run's email slot
    # (its trigger and channel), so the worker's batch waits inside its transaction, its
    # notifications written and not committed, until the app stops under it
    async with messaging_sessions() as blocker, blocker.begin():
        now = datetime.now(UTC)
        await notifications.insert_notifications(
            blocker,
            [
                {
                    "id": uuid.uuid4(),
                    "member_id": first.member_id,
                    "channel": "email",
                    "template": "birthday_greeting",
                    "trigger_event_id": f"journey:{first.id}",
                    "status": "suppressed",
                    "reason": "held by the test",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            ],
        )
        async with running(stack.app("messaging", **settings)):
            await eventually(lambda: _waiting_on_a_lock(messaging_sessions), timeout=20)
        await blocker.rollback()
    assert await _states(messaging_sessions, runs) == [None, None, None]
    assert await _notified(messaging_sessions, members) == Counter()

    addresses = [f"m{member.hex[:8]}@example.com" for member in members]  # events.registered's

    # 2. started again: each run is notified once and both its messages are sent (the SMS
    # and the email go out independently, so wait for both before the next start)
    async with running(stack.app("messaging", **settings)):

        async def all_sent() -> bool:
            sms = Counter(s.to for s in read_sms(sms_gateway.store_dir))
            emails = Counter(to for e in read_emails(smtp_server.store_dir) for to in e.rcpt_tos)
            return sms >= Counter(phones) and emails >= Counter(addresses)

        await eventually(all_sent, timeout=30, interval=0.2)
    assert await _states(messaging_sessions, runs) == ["notified"] * 3

    # 3. started again after the commit: nothing is run or sent twice
    async with running(stack.app("messaging", **settings)):
        await asyncio.sleep(1.5)  # several polls of the worker
    once = Counter({(m, "birthday_greeting", c): 1 for m in members for c in ("sms", "email")})
    assert await _notified(messaging_sessions, members) == once
    sms = Counter(s.to for s in read_sms(sms_gateway.store_dir))
    assert {phone: sms[phone] for phone in phones} == dict.fromkeys(phones, 1)
    emails = Counter(to for e in read_emails(smtp_server.store_dir) for to in e.rcpt_tos)
    assert {to: emails[to] for to in addresses} == dict.fromkeys(addresses, 1)
