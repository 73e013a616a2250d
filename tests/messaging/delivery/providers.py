"""The local gateway as two SMS providers for one test, and messaging configured for them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from huiyuan.embedded.provider_store import ReceivedSms, read_sms
from huiyuan.embedded.sms_gateway import PROVIDERS, create_sms_gateway_app
from huiyuan.embedded.sms_receipts import Receipts
from services.messaging.config import DEV_SMS_RECEIPT_SECRETS
from services.messaging.notifications.models import Notification
from shared.db import Sessions
from tests.messaging.conftest import SMS_API_KEY, serving
from tests.messaging.rows import insert_notification
from tests.stack import Stack, eventually, running

PRICES = {"primary": 10, "fallback": 7}
"""Fen per segment: different, so a recorded cost tells which provider's price it is."""


def provider_settings(url: str, **overrides: Any) -> dict[str, Any]:
    """Messaging's settings for the providers of a local gateway at ``url``, primary first."""
    providers = [
        {
            "name": name,
            "url": f"{url}{prefix}",
            "api_key": SMS_API_KEY,
            "price_fen_per_segment": PRICES[name],
            "receipt_secret": DEV_SMS_RECEIPT_SECRETS[name],
        }
        for name, prefix in PROVIDERS.items()
    ]
    return {"sms_providers": providers, "delivery_timeout_seconds": 1.0, **overrides}


@dataclass(frozen=True)
class Gateway:
    url: str
    store_dir: Path

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Messaging's settings for this gateway's providers, primary first."""
        return provider_settings(self.url, **overrides)

    async def fail(self, provider: str, mode: str, **options: Any) -> None:
        """Sets ``provider``'s failure mode (``POST …/v1/admin/failure-mode``)."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            answer = await client.post(
                f"{PROVIDERS[provider]}/v1/admin/failure-mode",
                json={"mode": mode, **options},
                headers={"Authorization": f"Bearer {SMS_API_KEY}"},
            )
        answer.raise_for_status()

    def taken(self, notification_id: uuid.UUID) -> list[ReceivedSms]:
        """The messages the gateway's providers took for the notification."""
        key = str(notification_id)
        return [sms for sms in read_sms(self.store_dir) if sms.idempotency_key == key]


@asynccontextmanager
async def gateway(store_dir: Path, receipts: Receipts | None = None) -> AsyncIterator[Gateway]:
    async with serving(create_sms_gateway_app(store_dir, SMS_API_KEY, receipts)) as url:
        yield Gateway(url, store_dir)


def sent(sessions: Sessions, notification_id: uuid.UUID, statuses: set[str]) -> Any:
    """An ``eventually`` check: the notification once its status is one of ``statuses``."""

    async def check() -> Notification | None:
        async with sessions() as session:
            row = await session.get(Notification, notification_id, populate_existing=True)
        return row if row is not None and row.status in statuses else None

    return check


def retried(sessions: Sessions, notification_id: uuid.UUID) -> Any:
    """An ``eventually`` check: the notification once an attempt failed and it is queued."""

    async def check() -> Notification | None:
        async with sessions() as session:
            row = await session.get(Notification, notification_id, populate_existing=True)
        return row if row is not None and row.attempts > 0 else None

    return check


async def delivered_through_a_gateway(
    stack: Stack,
    sessions: Sessions,
    smtp_port: int,
    receipts: Receipts,
    *,
    store_dir: Path,
    port: int,
    count: int,
) -> list[uuid.UUID]:
    """``count`` SMS queued, sent by messaging (served on ``port``, where ``receipts`` post)
    through a real local gateway, and each waited for until its receipt made it
    ``delivered``; the receipts' client is closed after. Their notification ids."""
    async with gateway(store_dir, receipts) as sms:
        ids = [
            (
                await insert_notification(
                    sessions, channel="sms", to="+8613912345678", body=f"第{n}条"
                )
            )["id"]
            for n in range(count)
        ]
        app = stack.app("messaging", smtp_port=smtp_port, **sms.settings())
        async with running(app), serving(app, port):
            for notification_id in ids:
                await eventually(sent(sessions, notification_id, {"delivered"}), timeout=20)
    await receipts.aclose()
    return ids
