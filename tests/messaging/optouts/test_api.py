"""Opt-outs over HTTP: the one-click link an email carries, and SMS replies from the
provider's signed callback; each stops marketing on its channel before the next message,
once, and tells customer."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from huiyuan.embedded.sms_replies import signed_callback
from services.messaging.base import outbox
from services.messaging.config import DEV_SMS_WEBHOOK_SECRET, Settings
from services.messaging.contacts.models import Contact
from services.messaging.delivery.domain import Message
from services.messaging.delivery.kinds.email import build_message
from services.messaging.notifications.models import Notification
from services.messaging.optouts.models import InboundSms
from shared.db import Sessions
from shared.events.customer import ChannelConsent
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.notifications.conftest import feed

OTHER_SECRET = "whsec_c29tZWJvZHktZWxzZXMtc2VjcmV0LWtleQ=="


async def _member(sessions: Sessions, handlers: Handlers) -> tuple[uuid.UUID, str]:
    member_id, phone = uuid.uuid4(), events.phone()
    await feed(sessions, handlers, await events.registered(member_id, phone_number=phone))
    return member_id, phone


async def _contact(sessions: Sessions, member_id: uuid.UUID) -> Contact:
    async with sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    return contact


async def _opted_out_events(sessions: Sessions, member_id: uuid.UUID) -> list[dict[str, Any]]:
    table = outbox.table
    async with sessions() as session:
        rows = await session.scalars(
            select(table.c.envelope).where(
                table.c.key == str(member_id), table.c.event_type == "messaging.member.opted_out"
            )
        )
        return [envelope["data"] for envelope in rows]


async def _statuses(sessions: Sessions, member_id: uuid.UUID) -> set[tuple[str, str, str | None]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(col(Notification.member_id) == member_id)
        )
        return {(row.template, row.channel, row.status) for row in rows}


def _link_of_email(member_id: uuid.UUID) -> str:
    """The one-click link an email to the member carries, as its header gives it."""
    email = build_message(
        Settings(), Message(uuid.uuid4(), "lilei@example.com", "积分", "正文", member_id)
    )
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"\nList-Unsubscribe: <http://" in email.as_bytes()  # raw, no encoded words
    link, mailto = (part.strip(" <>") for part in str(email["List-Unsubscribe"]).split(","))
    assert mailto.startswith("mailto:unsubscribe@huiyuan.local?subject=unsubscribe")
    assert str(member_id) not in link
    return urlsplit(link).path


# first in the module: the later tests' running app has a dispatcher, which would lease
# these rows (sending) between a commit and the assertion
async def test_marketing_consent_withdrawn_by_customer_cancels_queued_marketing(
    messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _member(messaging_sessions, handlers)
    await feed(messaging_sessions, handlers, events.points_earned(member_id))
    no_marketing_sms = ChannelConsent(sms=False, email=True)
    changed = events.consent_changed(member_id, sms=True, email=True, marketing=no_marketing_sms)
    await feed(messaging_sessions, handlers, changed)
    assert await _statuses(messaging_sessions, member_id) == {
        ("welcome", "sms", "cancelled"),
        ("welcome", "email", "queued"),
        ("points_earned", "sms", "queued"),
        ("points_earned", "email", "queued"),
    }


async def test_the_one_click_link_stops_marketing_email_at_once_and_once(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _member(messaging_sessions, handlers)
    path = _link_of_email(member_id)

    page = await client.get(path)
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert (await _contact(messaging_sessions, member_id)).marketing_email  # a GET changes nothing

    one_click = {"content-type": "application/x-www-form-urlencoded"}
    answers = [
        await client.post(path, content="List-Unsubscribe=One-Click", headers=one_click)
        for _ in range(2)
    ]
    assert [a.json() for a in answers] == [
        {"channel": "email", "message_class": "marketing", "changed": changed}
        for changed in (True, False)
    ]
    contact = await _contact(messaging_sessions, member_id)
    assert (contact.marketing_email, contact.marketing_sms) == (False, True)
    (event,) = await _opted_out_events(messaging_sessions, member_id)
    assert (event["channel"], event["message_class"], event["source"]) == (
        "email",
        "marketing",
        "email_link",
    )

    # before customer's consent change comes back: marketing email stops, the rest goes
    await feed(
        messaging_sessions,
        handlers,
        events.ticket_resolved(member_id, uuid.uuid4()),
        events.points_earned(member_id),
    )
    # the test app's dispatcher may be sending or have sent what goes out
    going = {"queued", "sending", "sent"}
    statuses = {
        (template, channel, "going" if status in going else status)
        for template, channel, status in await _statuses(messaging_sessions, member_id)
    }
    # the welcome email is cancelled if it was still queued when the link was used
    assert {("welcome", "email", "cancelled"), ("welcome", "email", "going")} & statuses
    assert ("welcome", "sms", "going") in statuses
    assert ("ticket_survey", "email", "suppressed") in statuses
    assert ("ticket_survey", "sms", "going") in statuses
    assert ("points_earned", "email", "going") in statuses


async def test_a_browser_gets_a_page_and_a_forged_link_a_404(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, _ = await _member(messaging_sessions, handlers)
    path = _link_of_email(member_id)
    page = await client.post(path, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Unsubscribed" in page.text
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for method in ("GET", "POST"):
        answer = await client.request(method, forged)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["location"] == "path.token"


async def test_a_consent_change_made_before_an_opt_out_cannot_undo_it_a_later_one_can(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = await _member(messaging_sessions, handlers)
    reply = _reply(phone, "T") | {
        "received_at": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    }
    assert (await _post_reply(client, reply)).json()["action"] == "opted_out"
    both = ChannelConsent(sms=True, email=True)
    # made after the registration and before the reply, consumed after the reply
    before = events.consent_changed(member_id, sms=True, email=True, marketing=both)
    await feed(messaging_sessions, handlers, before)
    contact = await _contact(messaging_sessions, member_id)
    assert (contact.marketing_sms, contact.marketing_email) == (False, True)
    later = events.consent_changed(
        member_id, sms=True, email=True, marketing=both, after=timedelta(minutes=2)
    )
    await feed(messaging_sessions, handlers, later)
    assert (await _contact(messaging_sessions, member_id)).marketing_sms


def _reply(sender: str, text: str, provider_id: str | None = None) -> dict[str, Any]:
    return {
        "from": sender,
        "text": text,
        "received_at": datetime.now(UTC).isoformat(),
        "provider_message_id": provider_id or f"mo-{uuid.uuid4()}",
    }


async def _post_reply(
    client: httpx.AsyncClient, payload: dict[str, Any], secret: str = DEV_SMS_WEBHOOK_SECRET
) -> httpx.Response:
    body, headers = signed_callback(secret, payload)
    return await client.post("/webhooks/sms/inbound", content=body, headers=headers)


async def _inbound_count(sessions: Sessions, provider_id: str) -> int:
    async with sessions() as session:
        query = select(func.count()).where(col(InboundSms.provider_message_id) == provider_id)
        return int(await session.scalar(query) or 0)


async def test_a_reply_tui_ding_opts_the_sender_out_of_marketing_sms_once(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = await _member(messaging_sessions, handlers)
    reply = _reply(phone, " 退订 ")
    answers = [await _post_reply(client, reply) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert (answers[0].json()["action"], answers[0].json()["members"]) == ("opted_out", 1)
    contact = await _contact(messaging_sessions, member_id)
    assert (contact.marketing_sms, contact.marketing_email) == (False, True)
    (event,) = await _opted_out_events(messaging_sessions, member_id)
    assert (event["channel"], event["source"]) == ("sms", "sms_reply")
    assert phone not in json.dumps(event)
    async with messaging_sessions() as session:
        stored = await session.scalar(
            select(InboundSms).where(
                col(InboundSms.provider_message_id) == reply["provider_message_id"]
            )
        )
    assert stored is not None
    assert phone not in stored.sender_encrypted
    assert "退订" not in stored.text_encrypted


async def test_other_replies_are_stored_and_unknown_senders_change_nothing(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = await _member(messaging_sessions, handlers)
    thanks = await _post_reply(client, _reply(phone, "谢谢，积分收到了"))
    assert thanks.json()["action"] == "stored"
    stranger = await _post_reply(client, _reply(events.phone(), "TD"))
    assert (stranger.json()["action"], stranger.json()["members"]) == ("unknown_sender", 0)
    assert (await _contact(messaging_sessions, member_id)).marketing_sms
    assert await _opted_out_events(messaging_sessions, member_id) == []


async def test_a_forged_or_unsigned_callback_is_401_and_stores_nothing(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = await _member(messaging_sessions, handlers)
    reply = _reply(phone, "T")
    forged = await _post_reply(client, reply, secret=OTHER_SECRET)
    unsigned = await client.post("/webhooks/sms/inbound", json=reply)
    body, headers = signed_callback(DEV_SMS_WEBHOOK_SECRET, reply)
    altered = await client.post(
        "/webhooks/sms/inbound", content=body.replace(b'"T"', b'"N"'), headers=headers
    )
    old = datetime.now(UTC) - timedelta(minutes=10)
    stale = await client.post(
        "/webhooks/sms/inbound",
        content=body,
        headers=headers | {"webhook-timestamp": str(int(old.timestamp()))},
    )
    for answer in (forged, unsigned, altered, stale):
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:huiyuan:problem:callback-not-signed"
    assert await _inbound_count(messaging_sessions, reply["provider_message_id"]) == 0
    assert (await _contact(messaging_sessions, member_id)).marketing_sms


async def test_a_signed_callback_with_a_bad_field_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    answer = await _post_reply(client, _reply("not a phone", "T"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["location"] == "body.from"
