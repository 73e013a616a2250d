"""A crash of the dispatcher repeats only the messages in flight: each outcome is committed
as its send completes, and a lease that ran out is claimed again."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlmodel import col, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiyuan.embedded.local_providers import create_sms_gateway_app
from huiyuan.embedded.mailcatcher import MailStore
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.provider_store import (
    read_emails,
    read_repeats,
    read_sms,
    read_sms_replays,
)
from services.messaging.config import Settings
from services.messaging.notifications import outcomes
from services.messaging.notifications.domain import Delivered
from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from tests.messaging.conftest import SMS_API_KEY, SmsEndpoint, SmtpEndpoint, serving
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running


class _AnswersLate:
    """In front of the real gateway: the request carrying ``stuck`` as Idempotency-Key the
    first time reaches the gateway, but its answer is held back until ``release`` is set,
    as when the provider has taken a message and the dispatcher dies before the answer."""

    def __init__(self, gateway: ASGIApp, stuck: str) -> None:
        self.gateway = gateway
        self.stuck = stuck
        self.release = asyncio.Event()
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get("idempotency-key") if scope["type"] == "http" else None
        if key is None:
            await self.gateway(scope, receive, send)
            return
        self.requests[key] += 1
        if key != self.stuck or self.requests[key] > 1:
            await self.gateway(scope, receive, send)
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.gateway(scope, receive, keep)
        await self.release.wait()
        for message in answer:
            await send(message)


async def _rows(sessions: Sessions, ids: list[uuid.UUID]) -> dict[uuid.UUID, Notification]:
    async with sessions() as session:
        query = select(Notification).where(col(Notification.id).in_(ids))
        return {row.id: row for row in await session.scalars(query)}


async def test_a_crash_mid_batch_repeats_only_the_message_in_flight(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    queued = [
        (await insert_notification(messaging_sessions, channel="sms", to=phone, body="金卡"))["id"]
        for phone in (f"+86139{n:08d}" for n in range(6))
    ]
    stuck = queued[2]
    store_dir = tmp_path / "sms"
    gateway = _AnswersLate(create_sms_gateway_app(store_dir, SMS_API_KEY), str(stuck))
    others = [n for n in queued if n != stuck]

    async with serving(gateway) as url:
        settings: dict[str, Any] = {
            "smtp_port": smtp_server.port,
            "sms_gateway_url": url,
            "sms_api_key": SMS_API_KEY,
            "delivery_timeout_seconds": 8,
            "delivery_lease_seconds": 24,
        }
        async with running(stack.app("messaging", **settings)):

            async def the_rest_recorded() -> dict[uuid.UUID, Notification] | None:
                rows = await _rows(messaging_sessions, queued)
                done = all(rows[n].status == "sent" for n in others)
                return rows if done and gateway.requests[str(stuck)] == 1 else None

            # recorded while the stuck one is still in flight, before its 8 s timeout
            rows = await eventually(the_rest_recorded, timeout=7.5)
        # the dispatcher is gone, mid-send: its lease keeps the stuck one for 24 s
        assert (rows[stuck].status, rows[stuck].attempts) == ("sending", 0)
        gateway.release.set()
        async with running(stack.app("messaging", **settings)):

            async def stuck_sent() -> Notification | None:
                row = (await _rows(messaging_sessions, [stuck]))[stuck]
                return row if row.status == "sent" else None

            sent = await eventually(stuck_sent, timeout=40)

    assert {n: gateway.requests[str(n)] for n in queued} == {
        n: 2 if n == stuck else 1 for n in queued
    }
    [first] = [sms for sms in read_sms(store_dir) if sms.idempotency_key == str(stuck)]
    # this test's messages only: an earlier test's SMS still queued in the shared database
    # may reach this app's gateway too
    ours = {str(n) for n in queued}
    replays = [r for r in read_sms_replays(store_dir) if r.idempotency_key in ours]
    assert [(r.idempotency_key, r.message_id) for r in replays] == [(str(stuck), first.id)]
    assert (sent.attempts, sent.provider_message_id) == (1, first.id)


class _AcceptsLate(MailStore):
    """The mail catcher, but the email carrying ``stuck`` as Message-ID the first time is
    stored and its ``250`` held back until ``release`` is set."""

    def __init__(self, store_dir: Path, stuck: str) -> None:
        super().__init__(store_dir)
        self.stuck = stuck.encode()
        self.release = threading.Event()
        self.held = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if self.stuck in (envelope.original_content or b"") and not self.held:
            self.held += 1
            await asyncio.to_thread(self.release.wait, 30)
        return reply


async def test_an_email_repeated_after_a_crash_keeps_its_message_id(
    stack: Stack, messaging_sessions: Sessions, sms_gateway: SmsEndpoint, tmp_path: Path
) -> None:
    queued = [
        (
            await insert_notification(
                messaging_sessions,
                channel="email",
                to=f"m{n}@example.com",
                body="金卡",
                subject="恭喜您升级为金卡",
            )
        )["id"]
        for n in range(4)
    ]
    stuck = queued[1]
    store_dir = tmp_path / "mail"
    catcher = _AcceptsLate(store_dir, f"<{stuck}@huiyuan.local>")
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings: dict[str, Any] = {
        "smtp_port": controller.port,
        "sms_gateway_url": sms_gateway.url,
        "sms_api_key": sms_gateway.api_key,
        # long enough for the other three to be recorded on a loaded machine while the
        # held one is still in flight
        "delivery_timeout_seconds": 8,
        "delivery_lease_seconds": 24,
    }
    try:
        async with running(stack.app("messaging", **settings)):

            async def the_rest_recorded() -> dict[uuid.UUID, Notification] | None:
                rows = await _rows(messaging_sessions, queued)
                done = all(rows[n].status == "sent" for n in queued if n != stuck)
                return rows if done and catcher.held else None

            rows = await eventually(the_rest_recorded, timeout=7.5)
        assert (rows[stuck].status, rows[stuck].attempts) == ("sending", 0)
        catcher.release.set()
        async with running(stack.app("messaging", **settings)):

            async def stuck_sent() -> Notification | None:
                row = (await _rows(messaging_sessions, [stuck]))[stuck]
                return row if row.status == "sent" else None

            sent = await eventually(stuck_sent, timeout=40)
    finally:
        catcher.release.set()
        controller.stop()

    message_id = f"<{stuck}@huiyuan.local>"
    # this test's four only: an earlier test's email still queued in the shared database
    # may reach this app's catcher too
    ours = {f"<{n}@huiyuan.local>" for n in queued}
    copies = [e for e in read_emails(store_dir) if e.message_id == message_id]
    assert [e.repeat_of for e in copies] == [None, copies[0].id]
    repeats = read_repeats(store_dir)
    assert [e.message_id for e in repeats.emails if e.message_id in ours] == [message_id]
    assert repeats.sms == []
    assert sent.provider_message_id == message_id
    assert Counter(e.message_id for e in read_emails(store_dir) if e.message_id in ours) == {
        f"<{n}@huiyuan.local>": 2 if n == stuck else 1 for n in queued
    }


async def test_a_lease_that_ran_out_is_claimed_again_and_its_old_outcome_is_left_alone(
    messaging_sessions: Sessions,
) -> None:
    row = await insert_notification(
        messaging_sessions, channel="sms", to="+8613912345678", body="x"
    )
    now = datetime.now(UTC)
    first_until, second_until = now - timedelta(seconds=1), now + timedelta(seconds=2)
    async with transaction(messaging_sessions) as session:
        [first] = [
            n for n in await outcomes.lease_due(session, 10_000, first_until) if n.id == row["id"]
        ]
    async with transaction(messaging_sessions) as session:
        [second] = [
            n for n in await outcomes.lease_due(session, 10_000, second_until) if n.id == row["id"]
        ]

    async with transaction(messaging_sessions) as session:
        await outcomes.record_outcomes(
            session, Settings(), [(first, Delivered("late"))], first_until
        )
    [stale] = (await _rows(messaging_sessions, [row["id"]])).values()
    assert (stale.status, stale.next_attempt_at) == ("sending", second_until)

    async with transaction(messaging_sessions) as session:
        await outcomes.record_outcomes(
            session, Settings(), [(second, Delivered("gw-2"))], second_until
        )
    [sent] = (await _rows(messaging_sessions, [row["id"]])).values()
    assert (sent.status, sent.provider_message_id, sent.attempts) == ("sent", "gw-2", 1)
