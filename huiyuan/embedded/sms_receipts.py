"""Delivery receipts of the local SMS gateway: a while after it takes a message, the
gateway posts ``{message_id, status, at}`` to ``{receipt_url}/{provider}``, signed per
Standard Webhooks with that provider's secret, and retries with backoff until the
receiver answers 2xx (or 4xx: a receipt it refuses will not get better)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from standardwebhooks import Webhook

from huiyuan.embedded.provider_store import ReceivedSms, utc_now_iso
from shared.http import TRANSPORT_ERRORS, Client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipts:
    url: str
    """Where receipts go; each provider's to ``{url}/{provider}``."""
    secrets: Mapping[str, str]
    """The Standard Webhooks secret (``whsec_...``) of each provider."""
    delay_seconds: float = 1.0
    """A phone's receipt takes a while: this also lets the sender record its send first."""
    attempts: int = 6
    backoff_seconds: float = 0.5
    _clients: list[Client] = field(default_factory=list, compare=False, repr=False)
    """The one client every receipt goes out on, made at the first: a client per receipt
    costs a TLS context and a connection each, which at a busy till's rate took a third of
    a core; aiohttp (``shared.http``) costs a fraction of ``httpx``'s CPU per request
    besides."""

    def _client(self) -> Client:
        if not self._clients:
            self._clients.append(
                Client(base_url=self.url, timeout_seconds=10.0, keepalive_seconds=4.0)
            )
        return self._clients[0]

    async def aclose(self) -> None:
        """Close the client (the gateway's shutdown)."""
        while self._clients:
            await self._clients.pop().close()

    async def post(self, provider: str, sms: ReceivedSms, status: str) -> None:
        """Post the receipt of ``sms``; gives up (logged) after ``attempts`` tries."""
        secret = self.secrets.get(provider)
        if secret is None:
            log.warning("no receipt secret for SMS provider %s: no receipt sent", provider)
            return
        await asyncio.sleep(self.delay_seconds)
        body = json.dumps({"message_id": sms.id, "status": status, "at": utc_now_iso()})
        webhook_id = f"receipt-{provider}-{sms.id}"
        client, path = self._client(), f"/{provider}"
        for attempt in range(self.attempts):
            now = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(secret).sign(webhook_id, now, body),
            }
            try:
                answered = await client.request("POST", path, data=body.encode(), headers=headers)
                if answered.status < 500:
                    return
            except TRANSPORT_ERRORS as exc:
                log.info("receipt %s not taken (%r), retrying", webhook_id, exc)
            await asyncio.sleep(self.backoff_seconds * 2**attempt)
        log.warning("receipt %s given up after %d attempts", webhook_id, self.attempts)
