"""Delivery receipts: a provider's signed receipt moves a sent SMS to delivered or
undelivered, once; anything not signed by the provider it names is refused. A receipt
that comes before its send is recorded is kept and applied when the send is
(test_early_receipts.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_receipts import Receipts
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS
from services.messaging.notifications.models import Notification
from shared.db import Sessions
from tests.messaging.conftest import SmtpEndpoint, serving
from tests.messaging.delivery.providers import gateway, provider_settings, sent
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running

PATH = "/webhooks/sms/receipts"


def signed(
    body: dict[str, Any] | list[dict[str, Any]] | str,
    provider: str = "primary",
    secret: str | None = None,
    route: str = "",
) -> dict[str, Any]:
    """``httpx`` arguments posting ``body`` signed per Standard Webhooks as ``provider``
    (to the batch route with ``route="/batch"``)."""
    content = body if isinstance(body, str) else json.dumps(body)
    now, webhook_id = datetime.now(UTC), f"receipt-{uuid.uuid4().hex}"
    signature = Webhook(secret or DEV_SMS_RECEIPT_SECRETS[provider]).sign(webhook_id, now, content)
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return {"url": f"{PATH}/{provider}{route}", "content": content, "headers": headers}


async def sent_sms(sessions: Sessions, provider: str = "primary") -> dict[str, Any]:
    """A sent SMS, as the dispatcher records it, with a provider message id of its own."""
    row = await insert_notification(
        sessions, channel="sms", to="+8613912345678", body="hi", status="queued"
    )
    message_id = uuid.uuid4().hex
    async with sessions() as session, session.begin():
        notification = await session.get(Notification, row["id"])
        assert notification is not None
        notification.status, notification.provider = "sent", provider
        notification.provider_message_id = message_id
    return {**row, "message_id": message_id}


def messaging_app(stack: Stack) -> FastAPI:
    """Messaging knowing both providers; its dispatcher sends to a port nobody listens on."""
    return stack.app("messaging", **provider_settings(f"http://127.0.0.1:{free_port()}"))


async def stored_sms(sessions: Sessions, notification_id: uuid.UUID) -> Notification:
    async with sessions() as session:
        row = await session.get(Notification, notification_id)
    assert row is not None
    return row


async def test_the_gateway_s_receipt_marks_the_sms_delivered(
    stack: Stack, messaging_sessions: Sessions, smtp_server: SmtpEndpoint, tmp_path: Path
) -> None:
    port = free_port()
    receipts = Receipts(
        f"http://127.0.0.1:{port}{PATH}", DEV_SMS_RECEIPT_SECRETS, delay_seconds=0.2
    )
    async with gateway(tmp_path / "sms", receipts) as sms:
        await sms.fail("primary", "refuse")
        row = await insert_notification(
            messaging_sessions, channel="sms", to="+8613912345678", body="您的积分已到账"
        )
        app = stack.app("messaging", smtp_port=smtp_server.port, **sms.settings())
        async with running(app), serving(app, port):
            done = await eventually(sent(messaging_sessions, row["id"], {"delivered"}), timeout=15)
    await receipts.aclose()

    [taken] = sms.taken(row["id"])
    assert (done.provider, done.provider_message_id) == ("fallback", taken.id)
    assert done.receipt_at is not None
    assert done.sent_at is not None


async def test_a_failed_receipt_makes_it_undelivered_and_a_repeat_changes_nothing(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    row = await sent_sms(messaging_sessions, "fallback")
    at = datetime.now(UTC).replace(microsecond=0)
    receipt = {"message_id": row["message_id"], "status": "failed", "at": at.isoformat()}
    earlier = {**receipt, "status": "delivered", "at": (at - timedelta(minutes=1)).isoformat()}
    async with running(messaging_app(stack)) as client:
        first = await client.post(**signed(receipt, "fallback"))
        repeat = await client.post(**signed(receipt, "fallback"))
        older = await client.post(**signed(earlier, "fallback"))

    expected = {"notification_id": str(row["id"]), "status": "undelivered", "kept": False}
    assert [a.status_code for a in (first, repeat, older)] == [200, 200, 200]
    assert [a.json() for a in (first, repeat, older)] == [expected] * 3
    stored = await stored_sms(messaging_sessions, row["id"])
    assert (stored.status, stored.receipt_at) == ("undelivered", at)


async def test_a_receipt_for_an_id_no_recorded_sms_has_is_kept_and_changes_no_other(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    row = await sent_sms(messaging_sessions, "primary")
    at = datetime.now(UTC).isoformat()
    async with running(messaging_app(stack)) as client:
        unknown = await client.post(
            **signed({"message_id": "nobody-has-it", "status": "delivered", "at": at})
        )
        other_provider = await client.post(
            **signed({"message_id": row["message_id"], "status": "delivered", "at": at}, "fallback")
        )

    assert unknown.status_code == other_provider.status_code == 200
    kept = {"notification_id": None, "status": None, "kept": True}
    assert unknown.json() == other_provider.json() == kept
    assert (await stored_sms(messaging_sessions, row["id"])).status == "sent"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda a: a | {"headers": {"content-type": "application/json"}}, id="unsigned"
        ),
        pytest.param(
            lambda a: a | {"content": a["content"].replace("delivered", "failed")}, id="tampered"
        ),
        pytest.param(lambda a: a | {"url": f"{PATH}/someone"}, id="unknown-provider"),
        pytest.param(lambda a: a | {"url": f"{PATH}/fallback"}, id="other-provider-s-secret"),
        pytest.param(
            lambda a: a | {"headers": a["headers"] | {"webhook-timestamp": "1000000000"}},
            id="stale",
        ),
        pytest.param(
            lambda a: a | {"headers": a["headers"] | {"webhook-signature": "v1,%%%"}},
            id="garbled",
        ),
    ],
)
async def test_a_forged_receipt_is_401_and_changes_nothing(
    stack: Stack, messaging_sessions: Sessions, forge: Any
) -> None:
    row = await sent_sms(messaging_sessions, "primary")
    receipt = {
        "message_id": row["message_id"],
        "status": "delivered",
        "at": datetime.now(UTC).isoformat(),
    }
    async with running(messaging_app(stack)) as client:
        answer: httpx.Response = await client.post(**forge(signed(receipt)))

    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:huiyuan:problem:callback-not-signed"
    assert (await stored_sms(messaging_sessions, row["id"])).status == "sent"


async def test_an_unsigned_receipt_is_told_which_headers_it_lacks(
    stack: Stack, messaging_sessions: Sessions
) -> None:
    row = await sent_sms(messaging_sessions, "primary")
    receipt = {"message_id": row["message_id"], "status": "delivered", "at": "2026-12-01T00:00Z"}
    sent = signed(receipt)
    async with running(messaging_app(stack)) as client:
        bare = await client.post(**sent | {"headers": {"content-type": "application/json"}})
        headers = {k: v for k, v in sent["headers"].items() if k != "webhook-signature"}
        unsigned = await client.post(**sent | {"headers": headers})
        empty = await client.post(**sent | {"headers": headers | {"webhook-signature": " "}})

    assert bare.status_code == unsigned.status_code == empty.status_code == 401
    assert bare.json()["errors"][0]["location"] == "header.webhook-id"
    assert (
        "its webhook-id, webhook-timestamp, webhook-signature headers are missing or empty"
        in bare.json()["detail"]
    )
    for lacking in (unsigned, empty):  # an empty header is as good as none
        assert lacking.json()["errors"][0]["location"] == "header.webhook-signature"
        assert "its webhook-signature header is missing or empty (" in lacking.json()["detail"]
    assert (await stored_sms(messaging_sessions, row["id"])).status == "sent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message_id": "m", "status": "lost", "at": "2026-11-30T12:00:00Z"}, "status"),
        ({"message_id": "m", "status": "delivered", "at": "2026-11-30T12:00:00"}, "at"),
        ({"message_id": "", "status": "delivered", "at": "2026-11-30T12:00:00Z"}, "message_id"),
        ({"status": "delivered", "at": "2026-11-30T12:00:00Z"}, "message_id"),
    ],
)
async def test_a_signed_receipt_that_is_not_one_is_422_naming_the_field(
    stack: Stack, body: dict[str, Any], field: str
) -> None:
    async with running(messaging_app(stack)) as client:
        answer = await client.post(**signed(body))

    assert answer.status_code == 422, answer.text
    assert [e["location"] for e in answer.json()["errors"]] == [f"body.{field}"]
