"""The webhook worker: POSTs due deliveries to their receivers, signed.

Each round claims up to ``webhook_batch_size`` due deliveries in a short transaction that
leases them (the lease ends ``webhook_timeout_seconds`` plus :data:`LEASE_MARGIN` later),
sends them concurrently outside any transaction, and records each answer in a transaction
of its own. A worker stopped mid-POST (a crash, a deploy) leaves its deliveries leased:
when the lease ends they are claimed again and sent with the same ``webhook-id``, so the
repeat a receiver may see is one it can recognise. It polls every second when idle.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx

from services.messaging.config import Settings
from services.messaging.webhooks import domain, service
from services.messaging.webhooks.domain import Answer
from services.messaging.webhooks.repository import Claimed
from shared.background import raise_if_cancelling, repeat_until_cancelled
from shared.crypto import PiiCipher
from shared.db import Sessions, transaction
from shared.service_app import Runtime

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
PURGE_EVERY_SECONDS = 3600.0
PURGE_BATCH = 5_000
LEASE_MARGIN = timedelta(seconds=5)
_READ_BYTES = 2048


class WebhookWorker:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: Sessions,
        cipher: PiiCipher,
        client: httpx.AsyncClient,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cipher = cipher
        self._client = client
        self._lease = timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
        self._purged_at: float | None = None

    async def run(self) -> None:
        async def deliver_or_wait() -> None:
            await self._purge_when_due()
            if await self.deliver_batch() < self._settings.webhook_batch_size:
                await asyncio.sleep(IDLE_POLL_SECONDS)

        await repeat_until_cancelled(deliver_or_wait, "webhooks")

    async def _purge_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = now
        purged = await self.purge()
        if purged:
            log.info("deleted %d settled webhook deliveries", purged)

    async def purge(self) -> int:
        """Deletes settled deliveries past their retention, a batch per transaction, so
        a large backlog never holds one long transaction; how many."""
        total = 0
        while True:
            async with transaction(self._sessions) as session:
                purged = await service.purge(session, self._settings, PURGE_BATCH)
            total += purged
            if purged < PURGE_BATCH:
                return total

    async def deliver_batch(self) -> int:
        """Claim, send and record one batch; returns how many deliveries it attempted."""
        async with transaction(self._sessions) as session:
            claimed = await service.claim(session, self._settings, self._lease)
        await asyncio.gather(*(self._attempt(c) for c in claimed))
        return len(claimed)

    async def _attempt(self, claimed: Claimed) -> None:
        try:
            answer = await self._post(claimed)
            async with transaction(self._sessions) as session:
                await service.record(session, self._settings, claimed, answer)
        except Exception:  # the lease runs out and it is tried again
            raise_if_cancelling()
            log.exception("could not attempt webhook delivery %s", claimed.id)

    async def _post(self, claimed: Claimed) -> Answer:
        now = datetime.now(UTC)
        secrets = service.signing_secrets(claimed, self._cipher, now)
        headers = domain.signed_headers(secrets, str(claimed.id), now, claimed.body)
        loop = asyncio.get_running_loop()
        started = loop.time()

        def elapsed_ms() -> int:
            return round((loop.time() - started) * 1000)

        try:
            async with asyncio.timeout(self._settings.webhook_timeout_seconds):
                async with self._client.stream(
                    "POST", claimed.url, content=claimed.body.encode(), headers=headers
                ) as response:
                    head = await _first_bytes(response)
        except TimeoutError:
            return Answer(now, None, "timed out", None, elapsed_ms())
        except httpx.HTTPError as exc:
            return Answer(now, None, f"{type(exc).__name__}: {exc}"[:500], None, elapsed_ms())
        text = head.decode("utf-8", errors="replace")
        return Answer(now, response.status_code, None, domain.snippet(text), elapsed_ms())


async def _first_bytes(response: httpx.Response) -> bytes:
    """The response's first bytes: enough for the snippet, never a large body."""
    head = b""
    async for chunk in response.aiter_bytes():
        head += chunk
        if len(head) >= _READ_BYTES:
            break
    return head[:_READ_BYTES]


async def webhook_worker(runtime: Runtime) -> None:
    """The messaging worker delivering webhooks (see ``ServiceSpec.workers``): runs until
    cancelled."""
    settings = runtime.settings
    if not isinstance(settings, Settings):
        raise TypeError("the webhook worker needs messaging Settings")
    # no proxy from the environment, no redirects: a receiver answers at its own URL
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
        worker = WebhookWorker(
            settings=settings,
            sessions=runtime.sessions,
            cipher=PiiCipher(settings.pii_key.get_secret_value()),
            client=client,
        )
        await worker.run()
