"""Email bounces: the email provider's signed report of a hard bounce marks the email
undelivered and suppresses its address until the member's email changes; a complaint
withdraws marketing email as the unsubscribe link does; a soft one is recorded. The local
mail catcher reports them for addresses at its reserved domains."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from huiyuan.embedded.mail_bounces import Bounces, bounce_of
from huiyuan.embedded.mailcatcher import MailCatcher
from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_replies import signed_callback
from services.messaging.base import outbox
from services.messaging.config import DEV_EMAIL_BOUNCE_SECRET, Settings
from services.messaging.contacts.models import Contact, EmailSuppression
from services.messaging.delivery import service
from services.messaging.delivery.kinds.email import message_id
from services.messaging.delivery.models import EmailBounce
from services.messaging.delivery.schemas import Bounce
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging import events
from tests.messaging.conftest import serving
from tests.messaging.notifications.conftest import feed
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running, staff_headers

PATH = "/webhooks/email/bounces/smtp"
OTHER_SECRET = "whsec_c29tZWJvZHktZWxzZXMtc2VjcmV0LWtleQ=="


def signed(body: dict[str, Any] | str, secret: str = DEV_EMAIL_BOUNCE_SECRET) -> dict[str, Any]:
    """``httpx`` arguments posting ``body`` signed per Standard Webhooks with ``secret``."""
    payload = json.loads(body) if isinstance(body, str) else body
    content, headers = signed_callback(secret, payload)
    return {"url": PATH, "content": content, "headers": headers}


def _app(stack: Stack) -> Any:
    """Messaging with its providers on ports nobody listens on."""
    return stack.app(
        "messaging", smtp_port=free_port(), sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )


async def _member(sessions: Sessions, handlers: Handlers, email: str | None = None) -> uuid.UUID:
    """A member with an address of their own (a bounce suppresses it for everyone)."""
    member_id = uuid.uuid4()
    address = email or f"m{member_id.hex[:12]}@example.com"
    await feed(
        sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone(), email=address),
    )
    return member_id


async def _emails(sessions: Sessions, member_id: uuid.UUID) -> list[Notification]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification)
            .where(col(Notification.member_id) == member_id, col(Notification.channel) == "email")
            .order_by(col(Notification.created_at))
        )
        return list(rows)


async def _sent_email(sessions: Sessions, handlers: Handlers) -> Notification:
    """The welcome email of a new member, sent as the dispatcher records it."""
    member_id = await _member(sessions, handlers)
    [email] = await _emails(sessions, member_id)
    async with transaction(sessions) as session:
        row = await session.get(Notification, email.id)
        assert row is not None
        row.status = "sent"
        row.provider_message_id = message_id(row.id, Settings().mail_from)
        row.sent_at = datetime.now(UTC)
    return row


def _bounce(email: Notification, kind: str, **more: Any) -> dict[str, Any]:
    at = datetime.now(UTC).replace(microsecond=0).isoformat()
    return {"message_id": email.provider_message_id, "kind": kind, "at": at, **more}


async def _opted_out(sessions: Sessions, member_id: uuid.UUID) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope).where(
                table.c.key == str(member_id), table.c.event_type == "messaging.member.opted_out"
            )
        )
        return [envelope["data"] for envelope in rows]


async def test_a_hard_bounce_makes_the_email_undelivered_and_suppresses_its_address_once(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    bounce = _bounce(email, "hard", diagnostic_code="5.1.1")
    async with running(_app(stack)) as client:
        first = await client.post(**signed(bounce))
        repeat = await client.post(**signed(bounce))
        today = datetime.now(events.SHANGHAI).date().isoformat()  # the brand's day
        stats = await client.get(
            "/notifications/stats", params={"channel": "email"}, headers=staff_headers("admin")
        )
        daily = await client.get(
            "/notifications/stats/daily",
            params={"from": today, "to": today, "channel": "email", "template": "welcome"},
            headers=staff_headers("admin"),
        )

    expected = {"notification_id": str(email.id), "status": "undelivered", "kept": True}
    assert [a.status_code for a in (first, repeat)] == [200, 200], first.text
    assert [a.json() for a in (first, repeat)] == [
        expected | {"repeat": False},
        expected | {"repeat": True},
    ]
    [stored] = await _emails(messaging_sessions, email.member_id)
    assert (stored.status, stored.reason) == ("undelivered", "bounced")
    async with messaging_sessions() as session:
        bounces = list(await session.scalars(select(EmailBounce)))
        suppressed = await session.scalars(
            select(EmailSuppression).where(col(EmailSuppression.member_id) == email.member_id)
        )
        [held] = list(suppressed)
    [recorded] = [b for b in bounces if b.notification_id == email.id]
    assert (recorded.kind, recorded.diagnostic_code) == ("hard", "5.1.1")
    assert len(held.address_hash) == 64  # the keyed hash, never the address
    assert "@" not in held.address_hash

    reasons = {(r["status"], r["reason"]): r["count"] for r in stats.json()["reasons"]}
    assert reasons[("undelivered", "bounced")] >= 1
    undelivered = [i for i in daily.json()["items"] if i["status"] == "undelivered"]
    assert sum(i["count"] for i in undelivered) >= 1


async def test_the_next_email_is_suppressed_bounced_until_the_member_s_email_changes(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    member_id = email.member_id
    async with running(_app(stack)) as client:
        answer = await client.post(**signed(_bounce(email, "hard")))
    assert answer.json()["status"] == "undelivered"

    await feed(messaging_sessions, handlers, events.points_earned(member_id))
    after_bounce = (await _emails(messaging_sessions, member_id))[-1]
    assert (after_bounce.template, after_bounce.status, after_bounce.reason) == (
        "points_earned",
        "suppressed",
        "bounced",
    )

    changed = await events.profile_updated(
        member_id, name="李雷", phone=events.phone(), email="lilei.new@example.com", locale="zh-CN"
    )
    await feed(messaging_sessions, handlers, changed, events.points_earned(member_id))
    after_change = (await _emails(messaging_sessions, member_id))[-1]
    assert (after_change.template, after_change.status) == ("points_earned", "queued")
    async with messaging_sessions() as session:
        held = await session.scalars(
            select(EmailSuppression).where(col(EmailSuppression.member_id) == member_id)
        )
        assert list(held) == []


async def test_a_complaint_withdraws_marketing_email_and_tells_customer_once(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    complaint = _bounce(email, "complaint")
    async with running(_app(stack)) as client:
        answers = [await client.post(**signed(complaint)) for _ in range(2)]

    assert [(a.json()["status"], a.json()["repeat"]) for a in answers] == [
        ("sent", False),
        ("sent", True),
    ]
    async with messaging_sessions() as session:
        contact = await session.get(Contact, email.member_id)
    assert contact is not None
    assert (contact.marketing_email, contact.marketing_sms) == (False, True)
    [event] = await _opted_out(messaging_sessions, email.member_id)
    assert (event["channel"], event["message_class"], event["source"]) == (
        "email",
        "marketing",
        "email_complaint",
    )


async def test_a_soft_bounce_is_recorded_only(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    async with running(_app(stack)) as client:
        answer = await client.post(**signed(_bounce(email, "soft", diagnostic_code="4.2.2")))

    assert answer.json() == {
        "notification_id": str(email.id),
        "status": "sent",
        "kept": True,
        "repeat": False,
    }
    await feed(messaging_sessions, handlers, events.points_earned(email.member_id))
    assert (await _emails(messaging_sessions, email.member_id))[-1].status == "queued"


@pytest.mark.parametrize(
    "message_id",
    [
        "<not-a-notification@huiyuan.local>",
        "<5b0c1f3e-2a4d-4e6f-8a9b-0c1d2e3f4a5b@huiyuan.local>",
    ],
    ids=["not-ours", "no-such-notification"],
)
async def test_a_bounce_for_an_email_messaging_did_not_send_is_200_not_kept(
    stack: Stack, message_id: str
) -> None:
    bounce = {"message_id": message_id, "kind": "hard", "at": "2026-11-30T12:00:00Z"}
    async with running(_app(stack)) as client:
        answer = await client.post(**signed(bounce))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "notification_id": None,
        "status": None,
        "kept": False,
        "repeat": False,
    }


@pytest.mark.parametrize(
    ("forge", "secret"),
    [
        pytest.param(
            lambda a: a | {"headers": {"content-type": "application/json"}},
            DEV_EMAIL_BOUNCE_SECRET,
            id="unsigned",
        ),
        pytest.param(lambda a: a, OTHER_SECRET, id="other-secret"),
        pytest.param(
            lambda a: a | {"url": "/webhooks/email/bounces/mailgun"},
            DEV_EMAIL_BOUNCE_SECRET,
            id="no-such-provider",
        ),
    ],
)
async def test_a_forged_bounce_is_401_and_changes_nothing(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers, forge: Any, secret: str
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    async with running(_app(stack)) as client:
        answer = await client.post(**forge(signed(_bounce(email, "hard"), secret)))

    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:huiyuan:problem:callback-not-signed"
    [stored] = await _emails(messaging_sessions, email.member_id)
    assert stored.status == "sent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message_id": "<a@b>", "kind": "lost", "at": "2026-11-30T12:00:00Z"}, "kind"),
        ({"message_id": "<a@b>", "kind": "hard", "at": "2026-11-30T12:00:00"}, "at"),
        ({"message_id": "a@b", "kind": "hard", "at": "2026-11-30T12:00:00Z"}, "message_id"),
        ({"kind": "hard", "at": "2026-11-30T12:00:00Z"}, "message_id"),
        (
            {
                "message_id": "<a@b>",
                "kind": "hard",
                "at": "2026-11-30T12:00:00Z",
                "diagnostic_code": "550 lilei@example.com: no such user",
            },
            "diagnostic_code",
        ),
    ],
)
async def test_a_signed_bounce_that_is_not_one_is_422_naming_the_field(
    stack: Stack, body: dict[str, Any], field: str
) -> None:
    async with running(_app(stack)) as client:
        answer = await client.post(**signed(body))

    assert answer.status_code == 422, answer.text
    assert [e["location"] for e in answer.json()["errors"]] == [f"body.{field}"]


def test_the_reserved_domains_say_what_bounce_a_message_gets() -> None:
    assert bounce_of("a@bounce.example.com") == ("hard", "5.1.1")
    assert bounce_of("A@SoftBounce.Example.COM") == ("soft", "4.2.2")
    assert bounce_of("<a@complaint.example.com>") == ("complaint", None)
    assert bounce_of("a@example.com") is None


async def test_the_mail_catcher_reports_a_hard_bounce_end_to_end(
    stack: Stack, messaging_sessions: Sessions, handlers: Handlers, tmp_path: Path
) -> None:
    port, smtp_port = free_port(), free_port()
    bounces = Bounces(f"http://127.0.0.1:{port}{PATH}", DEV_EMAIL_BOUNCE_SECRET, delay_seconds=0.2)
    catcher = MailCatcher(tmp_path / "mail", "127.0.0.1", smtp_port, bounces)
    address = f"m{uuid.uuid4().hex[:12]}@bounce.example.com"
    member_id = await _member(messaging_sessions, handlers, address)
    await feed(messaging_sessions, handlers, events.points_earned(member_id))
    app = stack.app(
        "messaging", smtp_port=smtp_port, sms_gateway_url=f"http://127.0.0.1:{free_port()}"
    )
    catcher.start()
    try:

        async def bounced() -> Notification | None:
            found = await _emails(messaging_sessions, member_id)
            return next((n for n in found if n.status == "undelivered"), None)

        async with running(app), serving(app, port):
            email = await eventually(bounced, timeout=20)
    finally:
        catcher.stop()

    assert email.reason == "bounced"
    await feed(messaging_sessions, handlers, events.points_earned(member_id))
    latest = (await _emails(messaging_sessions, member_id))[-1]
    assert (latest.status, latest.reason) == ("suppressed", "bounced")


async def test_a_hard_bounce_cancels_the_member_s_queued_emails(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    email = await _sent_email(messaging_sessions, handlers)
    await feed(messaging_sessions, handlers, events.points_earned(email.member_id))
    bounce = Bounce.model_validate(_bounce(email, "hard"))
    async with transaction(messaging_sessions) as session:  # no dispatcher runs here
        applied = await service.record_bounce(session, PiiCipher(DEV_PII_KEY), bounce)

    assert (applied.status, applied.kept) == ("undelivered", True)
    [_, queued] = await _emails(messaging_sessions, email.member_id)
    assert (queued.template, queued.status, queued.reason) == (
        "points_earned",
        "cancelled",
        "bounced",
    )


async def test_a_hard_bounce_of_an_email_whose_member_has_no_contact_is_still_applied(
    messaging_sessions: Sessions,
) -> None:
    row = await insert_notification(
        messaging_sessions, channel="email", to="nobody@example.org", body="hi", status="sent"
    )
    async with transaction(messaging_sessions) as session:
        stored = await session.get(Notification, row["id"])
        assert stored is not None
        stored.provider_message_id = message_id(stored.id, Settings().mail_from)
    bounce = Bounce.model_validate(_bounce(stored, "hard"))
    async with transaction(messaging_sessions) as session:
        applied = await service.record_bounce(session, PiiCipher(DEV_PII_KEY), bounce)

    assert (applied.notification_id, applied.status) == (row["id"], "undelivered")
