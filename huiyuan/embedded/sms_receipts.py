"""Delivery receipts of the local SMS gateway, posted in batches as real gateways push
their status reports: a while (``delay_seconds``) after it takes a message, the gateway
adds ``{message_id, status, at}`` to its provider's buffer, and posts the buffer as a
JSON array to ``{receipt_url}/{provider}/batch``, signed per Standard Webhooks with that
provider's secret, once ``batch_size`` receipts are due or ``linger_seconds`` after the
oldest became due. A batch is retried with backoff until the receiver answers 2xx (or
4xx: a batch it refuses will not get better).

The buffers live in memory only: a gateway that stops or crashes loses the receipts it has
not posted yet, as it lost those still waiting out their delay when each went on its own.
A batch is never applied twice: a retry of one whose answer was lost repeats receipts
the receiver has applied, and a repeat changes nothing there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks import Webhook

from huiyuan.embedded.provider_store import ReceivedSms
from shared.http import TRANSPORT_ERRORS, Client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Due:
    due: float
    """When it may be posted, on the event loop's clock."""
    receipt: dict[str, str]


@dataclass
class Receipts:
    url: str
    """Where receipts go; each provider's batches to ``{url}/{provider}/batch``."""
    secrets: Mapping[str, str]
    """The Standard Webhooks secret (``whsec_...``) of each provider."""
    delay_seconds: float = 1.0
    """A phone's receipt takes a while: this also lets the sender record its send first."""
    batch_size: int = 100
    """Receipts per request at most (messaging takes up to 1,000)."""
    linger_seconds: float = 0.25
    """How long a due receipt waits for others to share its request, unless
    ``batch_size`` are due."""
    attempts: int = 6
    backoff_seconds: float = 0.5
    _buffers: dict[str, deque[_Due]] = field(default_factory=dict, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    """Each provider's flusher while its buffer is not empty, and the batches being posted."""
    _clients: list[Client] = field(default_factory=list, repr=False)
    """The one client every batch goes out on, made at the first: a client per request
    costs a TLS context and a connection each; aiohttp (``shared.http``) costs a fraction
    of ``httpx``'s CPU per request besides."""

    def _client(self) -> Client:
        if not self._clients:
            self._clients.append(
                Client(base_url=self.url, timeout_seconds=10.0, keepalive_seconds=4.0)
            )
        return self._clients[0]

    def add(self, provider: str, sms: ReceivedSms, status: str) -> None:
        """Buffer the receipt of ``sms`` (``status``: what it reports) for ``provider``'s
        next batch; dropped (logged) for a provider without a secret. Needs the running
        event loop, on which the batch is posted."""
        if provider not in self.secrets:
            log.warning("no receipt secret for SMS provider %s: no receipt sent", provider)
            return
        loop = asyncio.get_running_loop()
        at = datetime.now(UTC) + timedelta(seconds=self.delay_seconds)  # the phone's, then
        receipt = {"message_id": sms.id, "status": status, "at": at.isoformat()}
        buffer = self._buffers.setdefault(provider, deque())
        buffer.append(_Due(loop.time() + self.delay_seconds, receipt))
        if len(buffer) == 1:
            self._spawn(self._flush(provider, buffer))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, provider: str, buffer: deque[_Due]) -> None:
        """Posts ``buffer``'s receipts as they fall due, in batches, until it is empty."""
        loop = asyncio.get_running_loop()
        while buffer:
            now = loop.time()
            full = len(buffer) >= self.batch_size and buffer[self.batch_size - 1].due <= now
            if not full:
                await asyncio.sleep(max(0.0, buffer[0].due + self.linger_seconds - now))
                now = loop.time()
            batch: list[dict[str, str]] = []
            while buffer and buffer[0].due <= now and len(batch) < self.batch_size:
                batch.append(buffer.popleft().receipt)
            self._spawn(self._post(provider, batch))

    async def _post(self, provider: str, batch: list[dict[str, str]]) -> None:
        """Post one batch; gives up (logged) after ``attempts`` tries."""
        secret, body = self.secrets[provider], json.dumps(batch)
        webhook_id = f"receipts-{provider}-{batch[0]['message_id']}"
        client, path = self._client(), f"/{provider}/batch"
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
                    if answered.status >= 400:
                        log.warning("receipts %s refused: %d", webhook_id, answered.status)
                    return
            except TRANSPORT_ERRORS as exc:
                log.info("receipts %s not taken (%r), retrying", webhook_id, exc)
            await asyncio.sleep(self.backoff_seconds * 2**attempt)
        log.warning(
            "receipts %s (%d) given up after %d attempts", webhook_id, len(batch), self.attempts
        )

    async def aclose(self) -> None:
        """Stop posting and close the client (the gateway's shutdown): receipts not
        posted yet are lost (logged), as a crash loses them."""
        unsent = sum(len(buffer) for buffer in self._buffers.values())
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._buffers.clear()
        if unsent:
            log.warning("%d delivery receipt(s) not posted before the gateway stopped", unsent)
        while self._clients:
            await self._clients.pop().close()
