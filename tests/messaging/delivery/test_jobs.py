from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlmodel import col, select
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from huiyuan.embedded.local_providers import create_sms_gateway_app
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.provider_store import read_emails, read_sms
from services.messaging.base import outbox
from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from shared.kafka import create_producer
from tests.messaging import events
from tests.messaging.conftest import SMS_API_KEY, SmsEndpoint, SmtpEndpoint, serving
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running


async def _feed(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


def _settled(
    sessions: Sessions, member_id: uuid.UUID, statuses: set[str]
) -> Callable[[], Awaitable[dict[str, Notification] | None]]:
    async def check() -> dict[str, Notification] | None:
        async with sessions() as session:
            rows = await session.scalars(
                select(Notification).where(col(Notification.member_id) == member_id)
            )
            by_channel = {row.channel: row for row in rows}
        done = len(by_channel) == 2 and all(r.status in statuses for r in by_channel.values())
        return by_channel if done else None

    return check


async def _outbox_types(sessions: Sessions, member_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        result = await session.scalars(
            select(outbox.table.c.event_type).where(outbox.table.c.key == str(member_id))
        )
        return sorted(result.all())


async def test_queued_notifications_arrive_by_smtp_and_sms_gateway(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    email_address = f"m{member_id.hex[:8]}@example.com"
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=sms_gateway.url,
        sms_api_key=sms_gateway.api_key,
    )
    async with running(app):
        registered = await events.registered(member_id, phone_number=phone, email=email_address)
        await _feed(messaging_sessions, handlers, registered)
        rows = await eventually(_settled(messaging_sessions, member_id, {"sent"}), timeout=15)

    emails = [e for e in read_emails(smtp_server.store_dir) if email_address in e.rcpt_tos]
    assert len(emails) == 1
    assert emails[0].subject == "欢迎加入会员，李雷！"
    assert registered.data["card_number"] in emails[0].text
    assert "欢迎加入我们的会员计划" in emails[0].text
    assert rows["email"].provider_message_id == f"<{rows['email'].id}@huiyuan.local>"

    texts = [s for s in read_sms(sms_gateway.store_dir) if s.to == phone]
    assert len(texts) == 1
    assert texts[0].idempotency_key == str(rows["sms"].id)
    assert texts[0].sign == "Huiyuan"
    assert rows["sms"].body == texts[0].text
    assert rows["sms"].provider_message_id == texts[0].id
    assert rows["sms"].provider_response is not None
    assert rows["sms"].provider_response["cost_fen"] == 10
    assert all(r.attempts == 1 and r.sent_at is not None for r in rows.values())
    assert await _outbox_types(messaging_sessions, member_id) == [
        "messaging.notification.sent",
        "messaging.notification.sent",
    ]


async def test_a_registration_published_on_kafka_ends_in_an_inbox(
    stack: Stack, smtp_server: SmtpEndpoint, sms_gateway: SmsEndpoint
) -> None:
    member_id = uuid.uuid4()
    email_address = f"k{member_id.hex[:8]}@example.com"
    event = await events.registered(member_id, phone_number=events.phone(), email=email_address)
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=sms_gateway.url,
        sms_api_key=sms_gateway.api_key,
    )
    producer = create_producer(stack.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(event.topic, event.to_json(), key=str(member_id).encode())
    finally:
        await producer.stop()

    async def delivered() -> bool:
        return any(email_address in e.rcpt_tos for e in read_emails(smtp_server.store_dir))

    async with running(app):
        # other suites' loyalty events for members messaging never heard of may hold a
        # batch back for a few retries before they are parked, hence the long timeout
        await eventually(delivered, timeout=45, interval=0.2)


async def test_a_rejected_api_key_fails_the_sms_at_once(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    member_id = uuid.uuid4()
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=sms_gateway.url,
        sms_api_key="not-the-gateway-key",
    )
    async with running(app):
        await _feed(
            messaging_sessions,
            handlers,
            await events.registered(member_id, phone_number=events.phone(), email_consent=False),
        )
        rows = await eventually(_settled(messaging_sessions, member_id, {"failed", "suppressed"}))

    sms = rows["sms"]
    assert sms.status == "failed"
    assert sms.attempts == 1
    assert "401" in (sms.error or "")
    assert read_sms(sms_gateway.store_dir) == []
    assert await _outbox_types(messaging_sessions, member_id) == [
        "messaging.notification.failed",
        "messaging.notification.suppressed",
    ]


async def test_an_unreachable_gateway_is_retried_then_failed(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
) -> None:
    member_id = uuid.uuid4()
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=f"http://127.0.0.1:{free_port()}",
        delivery_max_attempts=3,
        delivery_retry_backoff_seconds=0.05,
    )
    async with running(app):
        await _feed(
            messaging_sessions,
            handlers,
            await events.registered(member_id, phone_number=events.phone(), email_consent=False),
        )
        rows = await eventually(_settled(messaging_sessions, member_id, {"failed", "suppressed"}))

    sms = rows["sms"]
    assert sms.status == "failed"
    assert sms.attempts == 3
    assert "unreachable" in (sms.error or "")
    assert "messaging.notification.failed" in await _outbox_types(messaging_sessions, member_id)


class _FailsFirstTry:
    """In front of the real gateway: answers 503 to the first request carrying one of
    ``failing`` as Idempotency-Key, and counts the requests per key."""

    def __init__(self, gateway: ASGIApp) -> None:
        self.gateway = gateway
        self.failing: set[str] = set()
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get("idempotency-key") if scope["type"] == "http" else None
        if key is not None:
            self.requests[key] += 1
            if key in self.failing:
                self.failing.discard(key)
                await PlainTextResponse("busy", status_code=503)(scope, receive, send)
                return
        await self.gateway(scope, receive, send)


async def test_a_failed_sms_is_retried_alone_while_the_rest_of_its_batch_is_sent_once(
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    tmp_path: Path,
) -> None:
    members = [uuid.uuid4() for _ in range(6)]
    for member_id in members:
        await _feed(
            messaging_sessions,
            handlers,
            await events.registered(member_id, phone_number=events.phone(), email_consent=False),
        )
    async with messaging_sessions() as session:
        queued = {
            row.member_id: str(row.id)
            for row in await session.scalars(
                select(Notification).where(
                    col(Notification.member_id).in_(members), col(Notification.channel) == "sms"
                )
            )
        }
    unlucky = queued[members[2]]
    store_dir = tmp_path / "sms"
    gateway = _FailsFirstTry(create_sms_gateway_app(store_dir, SMS_API_KEY))
    gateway.failing.add(unlucky)

    async with serving(gateway) as url:
        app = stack.app(
            "messaging",
            smtp_port=smtp_server.port,
            sms_gateway_url=url,
            sms_api_key=SMS_API_KEY,
            delivery_retry_backoff_seconds=0.2,
        )
        async with running(app):
            for member_id in members:
                await eventually(_settled(messaging_sessions, member_id, {"sent", "suppressed"}))

    assert {key: gateway.requests[key] for key in queued.values()} == {
        key: 2 if key == unlucky else 1 for key in queued.values()
    }
    delivered = Counter(s.idempotency_key for s in read_sms(store_dir))
    assert {key: delivered[key] for key in queued.values()} == dict.fromkeys(queued.values(), 1)
    async with messaging_sessions() as session:
        rows = {
            str(row.id): row
            for row in await session.scalars(
                select(Notification).where(
                    col(Notification.id).in_(map(uuid.UUID, queued.values()))
                )
            )
        }
    assert {key: (row.status, row.attempts) for key, row in rows.items()} == {
        key: ("sent", 2 if key == unlucky else 1) for key in queued.values()
    }
    assert rows[unlucky].error is None


async def _outcome(sessions: Sessions, notification_id: uuid.UUID) -> Notification | None:
    async with sessions() as session:
        row = await session.get(Notification, notification_id)
    return row if row is not None and row.status not in ("queued", "sending") else None


@pytest.mark.parametrize(
    ("stored", "e164"),
    [
        ("13912345678", "+8613912345678"),
        ("447400123456", "+447400123456"),
        ("447700900123", "+447700900123"),
    ],
    ids=["mainland", "with its country code", "refused by today's metadata"],
)
async def test_an_sms_queued_with_digits_goes_to_its_e164_number(
    stack: Stack,
    messaging_sessions: Sessions,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
    stored: str,
    e164: str,
) -> None:
    """As the previous release queued it: the contact's number as digits only."""
    row = await insert_notification(
        messaging_sessions, channel="sms", to=stored, body="您已升级为金卡"
    )
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=sms_gateway.url,
        sms_api_key=sms_gateway.api_key,
    )
    async with running(app):
        sent = await eventually(lambda: _outcome(messaging_sessions, row["id"]))

    assert sent.status == "sent"
    [sms] = [s for s in read_sms(sms_gateway.store_dir) if s.idempotency_key == str(row["id"])]
    assert sms.to == e164


async def test_an_sms_queued_for_what_is_no_phone_number_fails_at_once(
    stack: Stack,
    messaging_sessions: Sessions,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    row = await insert_notification(
        messaging_sessions, channel="sms", to="call 1065529988", body="金卡"
    )
    app = stack.app(
        "messaging",
        smtp_port=smtp_server.port,
        sms_gateway_url=sms_gateway.url,
        sms_api_key=sms_gateway.api_key,
    )
    async with running(app):
        failed = await eventually(lambda: _outcome(messaging_sessions, row["id"]))

    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error is not None
    assert failed.error == "the recipient is not a phone number"
    assert read_sms(sms_gateway.store_dir) == []
