"""A sign-in code asked for at customer reaches the phone through messaging and the real
SMS gateway: the event as customer's outbox holds it is consumed, the SMS is transactional
(no contact, consent or quiet hours needed), sent once per event, and its text is stored
encrypted; an event that waited past the code's expiry sends nothing."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from huiyuan.embedded.provider_store import read_sms
from services.messaging.notifications.models import Notification
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.events import CloudEvent
from shared.events.customer import SigninCodeRequested
from shared.inbox import Handlers
from shared.settings import DEV_PII_KEY
from tests.messaging.conftest import SmsEndpoint
from tests.signin_codes import code_envelopes
from tests.stack import Stack, eventually, running, staff_headers

CIPHER = PiiCipher(DEV_PII_KEY)


async def _code_event(stack: Stack, sessions: Sessions, phone: str) -> CloudEvent:
    """Asks customer for a sign-up code to ``phone`` (a new number) and returns the event
    its outbox holds."""
    roomy = {"signin_codes_per_address": "10000/hour"}
    async with running(stack.app("customer", **roomy)) as customer:
        policy = {"admits": ["open"], "card_fee_fen": 0}
        headers = staff_headers("admin")
        assert (
            await customer.put("/program/joining-policy", json=policy, headers=headers)
        ).is_success
        asked = await customer.post(
            "/auth/sms-codes", json={"phone": phone, "purpose": "sign_up", "locale": "en"}
        )
        assert asked.status_code == 202
    [envelope] = await code_envelopes(sessions, phone)
    return CloudEvent.model_validate(envelope)


async def _notifications(sessions: Sessions, trigger: str) -> list[Notification]:
    async with sessions() as session:
        query = select(Notification).where(col(Notification.trigger_event_id) == trigger)
        return list(await session.scalars(query))


async def test_the_code_arrives_at_the_gateway_once_and_is_stored_encrypted(
    stack: Stack,
    customer_sessions: Sessions,
    messaging_sessions: Sessions,
    handlers: Handlers,
    sms_gateway: SmsEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    phone = f"+86139{uuid.uuid4().int % 10**8:08d}"
    event = await _code_event(stack, customer_sessions, phone)
    code = CIPHER.decrypt(event.data["code_encrypted"])
    for _ in range(2):  # redelivered: still one message
        async with transaction(messaging_sessions) as session:
            await handlers[event.type](session, event)
    [queued] = await _notifications(messaging_sessions, event.id)
    assert (queued.channel, queued.template, queued.status) == ("sms", "signin_code", "queued")
    assert str(queued.member_id) == event.data["member_id"]
    assert queued.body is not None
    assert code not in queued.body
    assert queued.recipient_masked == f"+86 {phone[3:6]}****{phone[-4:]}"
    settings = {"sms_gateway_url": sms_gateway.url, "sms_api_key": sms_gateway.api_key}
    async with running(stack.app("messaging", **settings)):

        async def arrived() -> list[str]:
            return [s.text for s in read_sms(sms_gateway.store_dir) if s.to == phone]

        [text] = await eventually(arrived, timeout=15)

        async def recorded() -> Notification | None:
            [row] = await _notifications(messaging_sessions, event.id)
            return row if row.status in ("sent", "delivered") else None

        sent = await eventually(recorded, timeout=15)  # its outcome commits after the send
    assert code in text
    assert text.startswith(f"Your sign-in code is {code}, valid for 5 minutes.")
    assert sent.body is not None
    assert code not in sent.body
    assert code not in caplog.text  # nothing logged the SMS's text
    assert phone not in caplog.text
    assert phone[3:] not in caplog.text


async def test_a_code_event_consumed_after_its_expiry_sends_nothing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    now = datetime.now(UTC)
    payload = SigninCodeRequested(
        member_id=uuid.uuid4(),
        phone_encrypted=CIPHER.encrypt("+8613912345678"),
        code_encrypted=CIPHER.encrypt("123456"),
        purpose="sign_in",
        expires_at=now - timedelta(seconds=1),
        requested_at=now - timedelta(minutes=5),
    )
    event = CloudEvent.of(payload, source="/huiyuan/customer")
    async with transaction(messaging_sessions) as session:
        await handlers[event.type](session, event)
    assert await _notifications(messaging_sessions, event.id) == []
