"""No line break reaches a mail header or an SMS, through the real SMTP server and SMS
gateway: not from a variable (a tier name from loyalty), nor from a notification the
previous release queued with one."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from email import policy
from email.parser import BytesParser

import pytest
from sqlmodel import col, select

from huiyuan.embedded.provider_store import eml_path, read_emails, read_sms
from services.messaging.config import Settings
from services.messaging.delivery.domain import Message
from services.messaging.delivery.kinds.email import build_message
from services.messaging.notifications.models import Notification
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.conftest import SmsEndpoint, SmtpEndpoint
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running

BREAKS = {"CRLF": "\r\n", "CR": "\r", "LS": "\u2028"}
INTRUDER = "intruder@example.com"


def _sent(
    sessions: Sessions, trigger_event_id: str, count: int = 2
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with sessions() as session:
            rows = list(
                await session.scalars(
                    select(Notification).where(
                        col(Notification.trigger_event_id) == trigger_event_id
                    )
                )
            )
        return len(rows) == count and all(row.status == "sent" for row in rows)

    return check


async def _feed(sessions: Sessions, handlers: Handlers, event: CloudEvent) -> None:
    async with transaction(sessions) as session:
        await handlers[event.type](session, event)


def _app_settings(smtp: SmtpEndpoint, sms: SmsEndpoint) -> dict[str, object]:
    return {"smtp_port": smtp.port, "sms_gateway_url": sms.url, "sms_api_key": sms.api_key}


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
async def test_a_tier_name_with_a_line_break_arrives_as_one_subject_line(
    brk: str,
    stack: Stack,
    messaging_sessions: Sessions,
    handlers: Handlers,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    address = f"t{member_id.hex[:8]}@example.com"
    await _feed(
        messaging_sessions,
        handlers,
        await events.registered(
            member_id, phone_number=phone, email=address, locale="en", name="Lei"
        ),
    )
    upgrade = events.tier_changed(member_id, tier_name=f"Gold{brk}Bcc: {INTRUDER}")
    async with running(stack.app("messaging", **_app_settings(smtp_server, sms_gateway))):
        await _feed(messaging_sessions, handlers, upgrade)
        await eventually(_sent(messaging_sessions, upgrade.id), timeout=15)

    [email] = [
        e
        for e in read_emails(smtp_server.store_dir)
        if "Congratulations" in e.subject and address in e.rcpt_tos
    ]
    assert email.subject == f"Congratulations, you are now Gold Bcc: {INTRUDER}!"
    assert email.rcpt_tos == [address]
    assert email.text.startswith("Hi Lei,\n\nCongratulations!")
    raw = BytesParser(policy=policy.default).parsebytes(
        eml_path(smtp_server.store_dir, email.id).read_bytes()
    )
    assert raw["Bcc"] is None
    assert not any(
        INTRUDER in rcpt for e in read_emails(smtp_server.store_dir) for rcpt in e.rcpt_tos
    )
    [sms] = [s for s in read_sms(sms_gateway.store_dir) if s.to == phone and "Gold" in s.text]
    assert sms.text == (
        f"Congratulations, Lei! You are now a Gold Bcc: {INTRUDER} member, and your new "
        "benefits apply from today."
    )


async def test_a_notification_queued_with_a_line_break_goes_out_on_one_line(
    stack: Stack,
    messaging_sessions: Sessions,
    smtp_server: SmtpEndpoint,
    sms_gateway: SmsEndpoint,
) -> None:
    """As the previous release could queue it: its subject and SMS text rendered from a
    tier name with a carriage return."""
    address, phone, trigger = (
        f"q{uuid.uuid4().hex[:8]}@example.com",
        events.phone(),
        uuid.uuid4().hex,
    )
    await insert_notification(
        messaging_sessions,
        channel="email",
        to=address,
        subject=f"Now Gold\rBcc: {INTRUDER}!",
        body="Hi\n\nGold.\n",
        trigger_event_id=trigger,
    )
    await insert_notification(
        messaging_sessions,
        channel="sms",
        to=phone,
        body=f"Now Gold\r\nBcc: {INTRUDER}\n",
        trigger_event_id=trigger,
    )
    async with running(stack.app("messaging", **_app_settings(smtp_server, sms_gateway))):
        await eventually(_sent(messaging_sessions, trigger), timeout=15)

    [email] = [e for e in read_emails(smtp_server.store_dir) if address in e.rcpt_tos]
    assert email.subject == f"Now Gold Bcc: {INTRUDER}!"
    assert email.rcpt_tos == [address]
    [sms] = [s for s in read_sms(sms_gateway.store_dir) if s.to == phone]
    assert sms.text == f"Now Gold Bcc: {INTRUDER}"


@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r", "\x85", "\u2028"])
def test_an_email_subject_header_is_one_line_whatever_it_was_given(brk: str) -> None:
    message = build_message(
        Settings(),
        Message(uuid.uuid4(), "lilei@example.com", f"Gold{brk}Bcc: {INTRUDER}", "Body"),
    )
    assert message["Subject"] == f"Gold Bcc: {INTRUDER}"
    assert message["Bcc"] is None
    assert b"\nBcc:" not in message.as_bytes()


@pytest.mark.parametrize("field", ["mail_from", "sms_sign"])
def test_the_sender_and_the_sms_signature_are_one_line(field: str) -> None:
    with pytest.raises(ValueError, match="single line"):
        Settings.model_validate({field: "Huiyuan\r\nBcc: x@example.com"})
