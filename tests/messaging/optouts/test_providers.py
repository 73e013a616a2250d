"""SMS replies per provider: each provider posts to ``/webhooks/sms/inbound/{provider}``
signed with its own callback secret, its replies are kept apart from another provider's
(even under the same message id), and the deprecated path without a provider stays the
first provider's, signed with ``sms_webhook_secret``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from huiyuan.embedded.ports import free_port
from huiyuan.embedded.sms_replies import signed_callback
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS, DEV_SMS_WEBHOOK_SECRET
from services.messaging.contacts.models import Contact
from services.messaging.optouts.models import InboundSms
from shared.db import Sessions
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.delivery.providers import provider_settings
from tests.messaging.notifications.conftest import feed
from tests.stack import Stack, running


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Messaging with two SMS providers, ``primary`` and ``fallback`` (nothing is sent)."""
    app = stack.app("messaging", **provider_settings(f"http://127.0.0.1:{free_port()}"))
    async with running(app) as client:
        yield client


def _reply(sender: str, text: str, provider_id: str) -> dict[str, Any]:
    return {
        "from": sender,
        "text": text,
        "received_at": datetime.now(UTC).isoformat(),
        "provider_message_id": provider_id,
    }


async def _post(
    client: httpx.AsyncClient, path: str, payload: dict[str, Any], secret: str
) -> httpx.Response:
    body, headers = signed_callback(secret, payload)
    return await client.post(path, content=body, headers=headers)


async def _stored(sessions: Sessions, provider_id: str) -> list[tuple[str, str]]:
    """(provider, action) of each reply stored under the message id."""
    async with sessions() as session:
        rows = await session.scalars(
            select(InboundSms).where(col(InboundSms.provider_message_id) == provider_id)
        )
        return sorted((row.provider, row.action) for row in rows)


async def test_each_provider_posts_its_replies_signed_with_its_own_secret(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id, phone = uuid.uuid4(), events.phone()
    await feed(messaging_sessions, handlers, await events.registered(member_id, phone_number=phone))
    provider_id = f"mo-{uuid.uuid4().hex[:8]}"  # both providers happen to number it alike
    thanks = _reply(phone, "谢谢", provider_id)
    stop = _reply(phone, "退订", provider_id)

    primary = await _post(
        client, "/webhooks/sms/inbound/primary", thanks, DEV_SMS_RECEIPT_SECRETS["primary"]
    )
    fallback = await _post(
        client, "/webhooks/sms/inbound/fallback", stop, DEV_SMS_RECEIPT_SECRETS["fallback"]
    )
    again = await _post(
        client, "/webhooks/sms/inbound/fallback", stop, DEV_SMS_RECEIPT_SECRETS["fallback"]
    )

    assert [a.status_code for a in (primary, fallback, again)] == [200, 200, 200]
    assert (primary.json()["action"], fallback.json()["action"]) == ("stored", "opted_out")
    assert again.json() == fallback.json()  # a repeat of the fallback's changes nothing
    assert await _stored(messaging_sessions, provider_id) == [
        ("fallback", "opted_out"),
        ("primary", "stored"),
    ]
    async with messaging_sessions() as session:
        contact = await session.get(Contact, member_id)
    assert contact is not None
    assert not contact.marketing_sms


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        pytest.param("/webhooks/sms/inbound/fallback", "primary", id="another-providers-secret"),
        pytest.param("/webhooks/sms/inbound/primary", "old", id="the-old-shared-secret"),
        pytest.param("/webhooks/sms/inbound/nobody", "primary", id="no-such-provider"),
    ],
)
async def test_a_reply_not_signed_by_the_provider_it_names_is_401_and_stores_nothing(
    client: httpx.AsyncClient, messaging_sessions: Sessions, path: str, secret: str
) -> None:
    provider_id = f"mo-{uuid.uuid4().hex[:8]}"
    key = DEV_SMS_WEBHOOK_SECRET if secret == "old" else DEV_SMS_RECEIPT_SECRETS[secret]
    answer = await _post(client, path, _reply(events.phone(), "T", provider_id), key)
    assert answer.status_code == 401, answer.text
    assert answer.json()["type"] == "urn:huiyuan:problem:callback-not-signed"
    assert await _stored(messaging_sessions, provider_id) == []


async def test_the_deprecated_path_is_the_first_providers_with_the_old_secret(
    client: httpx.AsyncClient, messaging_sessions: Sessions
) -> None:
    provider_id = f"mo-{uuid.uuid4().hex[:8]}"
    reply = _reply(events.phone(), "你好", provider_id)
    old = await _post(client, "/webhooks/sms/inbound", reply, DEV_SMS_WEBHOOK_SECRET)
    assert old.status_code == 200, old.text
    # the same reply through the new path of the same provider is a repeat
    new = await _post(
        client, "/webhooks/sms/inbound/primary", reply, DEV_SMS_RECEIPT_SECRETS["primary"]
    )
    assert new.json() == old.json()
    assert await _stored(messaging_sessions, provider_id) == [("primary", "stored")]
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert paths["/webhooks/sms/inbound"]["post"]["deprecated"] is True
    assert "deprecated" not in paths["/webhooks/sms/inbound/{provider}"]["post"]
